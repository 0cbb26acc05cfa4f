"""API throttling: one budget per token, per signed-in user for sessions, per IP address otherwise.

Requests are counted in fixed windows (django-ratelimit: one cache increment per request). DRF's own
`SimpleRateThrottle` keeps a timestamp per request of the window and reads and writes the whole list on
every call, so its cost grows with the rate it allows.
"""

from django.contrib.auth import SESSION_KEY
from django_ratelimit.core import get_usage
from rest_framework.authentication import get_authorization_header
from rest_framework.throttling import SimpleRateThrottle

from tokens.permissions import request_token


class TokenOrUserRateThrottle(SimpleRateThrottle):
    scope = "api"
    seconds_left = 0

    def get_cache_key(self, request, view):
        # A session is counted by its signed-in user without reading the user: a repeat call answered from
        # the cache is throttled before authentication (console.page_cache). A session that fails
        # authentication has been flushed by then, and counts by address.
        token = request_token(request) if get_authorization_header(request) else None
        if token is not None:
            ident = f"token-{token.pk}"
        elif (user_id := request.session.get(SESSION_KEY)) is not None:
            ident = f"user-{user_id}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        ident = self.get_cache_key(request, view)
        usage = get_usage(
            request,
            group=f"throttle-{self.scope}",
            key=lambda group, request: ident,
            rate=(self.num_requests, self.duration),
            increment=True,
        )
        if usage is None:  # rate limiting turned off (RATELIMIT_ENABLE)
            return True
        self.seconds_left = usage["time_left"]
        return not usage["should_limit"]

    def wait(self):
        # The window's last second still counts in it: the next one opens a second later.
        return self.seconds_left + 1
