from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = gettext_lazy("API tokens")

    def ready(self):
        from organizations.signals import password_compromised
        from tokens import schema  # noqa: F401  (registers the bearer scheme with drf-spectacular)
        from tokens.receivers import revoke_tokens_of_compromised_account

        password_compromised.connect(
            revoke_tokens_of_compromised_account, dispatch_uid="tokens.revoke_on_password_compromised"
        )
