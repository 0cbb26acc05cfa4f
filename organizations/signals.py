"""Signals other apps listen to, so that this app needs to know nothing of them.

`password_compromised` is sent by `services.user_password_compromised`, inside its transaction, with
`sender=User` and `user=` the user whose password was compromised, after the new password is set and the
user's sessions are ended. A receiver revokes whatever else lets that person act: the API tokens app
connects `tokens.services.tokens_revoke_all(user=...)` to it. A receiver that raises rolls the whole action
back, so the password is never reported changed while a token still works.
"""

from django.dispatch import Signal

password_compromised = Signal()
