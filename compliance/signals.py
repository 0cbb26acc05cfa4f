from compliance.consent import SESSION_KEY
from compliance.selectors import cookie_consent_of_user


def remember_cookie_consent(sender, request, user, **kwargs):
    """At sign-in, the choice stored with the account applies in this browser too (read once, kept in the
    session), so a user who chose on another device is not asked again."""
    if request is None or not hasattr(request, "session"):
        return
    consent = cookie_consent_of_user(user)
    if consent is not None:
        request.session[SESSION_KEY] = consent.cookie_value()
