"""`Authorization: Bearer <token>` for the REST API: the request acts as the token's user.

A malformed token is refused before any query; a known token costs one query (the token with its user)
and, at most once a minute per token, one UPDATE of `last_used_at` / `last_used_ip`.
Refusals are 401 with `WWW-Authenticate: Bearer` and a message saying what is wrong.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from tokens import secrets, services
from tokens.models import STATUS_REASONS, ApiToken, TokenStatus

LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected `Bearer <token>`.")
            )
        try:
            plaintext = parts[1].decode("ascii")
        except UnicodeDecodeError:
            plaintext = ""
        if not secrets.is_well_formed(plaintext):
            raise exceptions.AuthenticationFailed(_("Malformed API token: check that it was copied whole."))
        token = ApiToken.objects.select_related("user").filter(token_hash=secrets.digest(plaintext)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        now = timezone.now()
        self._refuse_unusable(token, now)
        self._record_use(token, request, now)
        return token.user, token

    def _refuse_unusable(self, token: ApiToken, now) -> None:
        if token.status == TokenStatus.REVOKED:
            raise exceptions.AuthenticationFailed(_("This API token has been revoked."))
        if token.status == TokenStatus.DISABLED:
            raise exceptions.AuthenticationFailed(
                _("This API token has been disabled: %(reason)s") % {"reason": token.status_reason_display}
            )
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(date)s.")
                % {"date": f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"}
            )
        if token.is_idle(now):
            services.token_disable(token=token, reason=services.IDLE_REASON)
            raise exceptions.AuthenticationFailed(
                _("This API token has been disabled: %(reason)s")
                % {"reason": STATUS_REASONS[services.IDLE_REASON]}
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this API token is deactivated."))

    def _record_use(self, token: ApiToken, request, now) -> None:
        """Write the time and address of this use, at most once a minute."""
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
            return
        ip_address = request.META.get("REMOTE_ADDR") or None
        # The condition repeats the check so that concurrent first requests write once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now, last_used_ip=ip_address)
        token.last_used_at, token.last_used_ip = now, ip_address

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
