"""Idle and absolute session limits.

A signed-in session ends after `SESSION_IDLE_TIMEOUT` seconds without a request and, whatever the activity,
`SESSION_ABSOLUTE_TIMEOUT` seconds after signing in. The times are kept in the session; the last activity is
written at most once a minute, so a busy user does not cause a session write per request.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.translation import gettext_lazy

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
LAST_SEEN_RESOLUTION = 60


def now() -> float:
    """The clock, in one place so that tests can move it."""
    return time.time()


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """Connected to `user_logged_in`: the session's limits count from now."""
    if request is None or not hasattr(request, "session"):
        return
    moment = int(now())
    request.session[SIGNED_IN_AT] = moment
    request.session[LAST_SEEN_AT] = moment


def session_expired(session, moment: float) -> str:
    """Why the session has ended ("idle", "absolute"), or "" while it is still valid."""
    # A session opened before the limits existed counts as signed in at its last activity, or now.
    signed_in_at = session.setdefault(SIGNED_IN_AT, int(moment))
    last_seen_at = session.get(LAST_SEEN_AT, signed_in_at)
    if moment - signed_in_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if moment - last_seen_at >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return ""


EXPIRED_MESSAGES = {
    "idle": gettext_lazy("You have been signed out after a period without activity. Please sign in again."),
    "absolute": gettext_lazy("Your session has reached its maximum length. Please sign in again."),
}


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A signed-in session, known from its data: a page that needs no user does not read it.
        if SESSION_KEY in request.session:
            moment = now()
            reason = session_expired(request.session, moment)
            if reason:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": str(EXPIRED_MESSAGES[reason])}, status=401)
                messages.info(request, str(EXPIRED_MESSAGES[reason]))
                return redirect_to_login(request.get_full_path())
            if moment - request.session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_AT] = int(moment)
        return self.get_response(request)
