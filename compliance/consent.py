"""The cookie consent: which optional cookies a visitor allowed, kept in the `cookie_consent` cookie.

The cookie reads `<version>:<analytics><marketing>:<unix time>`, e.g. `1:10:1764168000` (analytics allowed,
marketing not). Nothing optional may run before a consent of the current version exists: any future
analytics or marketing script asks `Manager.consent.allows("analytics")` (console/static/console/cookies.js),
and templates ask `cookie_consent.analytics`. Raising CONSENT_VERSION asks everybody again.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone

CONSENT_COOKIE = "cookie_consent"
CONSENT_VERSION = 1
CONSENT_MAX_AGE = 365 * 24 * 3600
SESSION_KEY = "cookie_consent"


@dataclass(frozen=True)
class Consent:
    analytics: bool
    marketing: bool
    given_at: datetime
    version: int = CONSENT_VERSION

    @property
    def necessary_only(self) -> bool:
        return not (self.analytics or self.marketing)

    def cookie_value(self) -> str:
        flags = f"{int(self.analytics)}{int(self.marketing)}"
        return f"{self.version}:{flags}:{int(self.given_at.timestamp())}"


def parse_consent(value: str | None) -> Consent | None:
    """The consent a cookie value states, or None when it is missing, malformed or of an older version."""
    try:
        version, flags, timestamp = (value or "").split(":")
        if int(version) != CONSENT_VERSION or len(flags) != 2 or set(flags) - {"0", "1"}:
            return None
        given_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return Consent(analytics=flags[0] == "1", marketing=flags[1] == "1", given_at=given_at)


def consent_of_request(request) -> Consent | None:
    """The browser's cookie first; else, for a signed-in user, the choice stored with their account."""
    consent = parse_consent(request.COOKIES.get(CONSENT_COOKIE))
    if consent is None and hasattr(request, "session"):
        consent = parse_consent(request.session.get(SESSION_KEY))
    return consent


def set_consent_cookie(response, consent: Consent) -> None:
    # Readable by cookies.js (not HttpOnly): it holds no secret, only the choice.
    response.set_cookie(
        CONSENT_COOKIE,
        consent.cookie_value(),
        max_age=CONSENT_MAX_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=False,
    )


def now_consent(*, analytics: bool, marketing: bool) -> Consent:
    return Consent(analytics=analytics, marketing=marketing, given_at=timezone.now().replace(microsecond=0))
