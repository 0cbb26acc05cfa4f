"""What the tokens app does when another app reports something about a user."""

from tokens.services import tokens_revoke_all


def revoke_tokens_of_compromised_account(sender, *, user, **kwargs) -> None:
    """A compromised password ends every API token of the account, in the same transaction."""
    tokens_revoke_all(user=user, reason="Revoked because the account's password was compromised.")
