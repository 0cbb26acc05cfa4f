"""API throttling: one budget per token, per signed-in user for sessions, per IP address otherwise."""

from rest_framework.throttling import SimpleRateThrottle

from tokens.permissions import request_token


class TokenOrUserRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request, view):
        token = request_token(request)
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
