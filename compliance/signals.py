from compliance import services
from compliance.consent import CONSENT_COOKIE, SESSION_KEY, parse_consent
from compliance.selectors import cookie_consent_of_user


def remember_cookie_consent(sender, request, user, **kwargs):
    """At sign-in, the account and the browser agree on the newest choice: a choice made in this browser
    before signing in is stored with the account (with the time it was made), and the choice stored with the
    account applies in this browser too (kept in the session), so a user who chose on another device is not
    asked again."""
    if request is None or not hasattr(request, "session"):
        return
    consent = cookie_consent_of_user(user)
    in_browser = parse_consent(request.COOKIES.get(CONSENT_COOKIE))
    if in_browser is not None and (consent is None or in_browser.given_at > consent.given_at):
        consent = services.cookie_consent_record(
            user=user,
            analytics=in_browser.analytics,
            marketing=in_browser.marketing,
            given_at=in_browser.given_at,
        )
    if consent is not None:
        request.session[SESSION_KEY] = consent.cookie_value()
