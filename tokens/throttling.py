"""API throttling: one budget per token, per signed-in user for sessions, per IP address otherwise.

DRF's own `SimpleRateThrottle`, told who counts: a token by itself (two tokens of one user have two budgets),
a browser session by its user. Counters live in the `limits` cache, which holds nothing else, so no other
entry can push them out.
"""

from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from tokens.permissions import request_token


class TokenOrUserRateThrottle(SimpleRateThrottle):
    scope = "api"

    @property
    def cache(self):
        # Looked up per request, not once at import: the store every app server shares (settings.CACHES).
        return caches["limits"]

    def get_cache_key(self, request, view):
        if (token := request_token(request)) is not None:
            ident = f"token-{token.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
