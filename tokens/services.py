"""Every change to API tokens: create, revoke, disable (by staff, or when idle for a year)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.notifications import email_on_commit
from core.sudo import require_password
from organizations.models import User
from tokens import scopes as token_scopes
from tokens import secrets
from tokens.models import ApiToken, TokenStatus

IDLE_REASON = "Not used for one year."


def _audit(*, actor: User | None, token: ApiToken, action: str, changes: dict | None = None) -> None:
    # The event names the token by its masked form only: the plaintext is never recorded.
    audit_record(actor=actor, organization=None, action=action, target=token, changes=changes)


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    application: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    password: str = "",
    password_confirmed: bool = False,
) -> tuple[ApiToken, str]:
    """A new token and its plaintext, which the caller shows once: it is never stored nor shown again."""
    require_password(user=user, password=password, password_confirmed=password_confirmed)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name.")
    if application not in dict(token_scopes.application_choices()):
        errors["application"] = _("Choose an application from the list.")
    else:
        unknown = sorted(set(scopes) - set(token_scopes.all_scopes(application)))
        allowed = token_scopes.scopes_allowed_to(user)
        if unknown:
            errors["scopes"] = _("Not a scope of this application: %(scopes)s.") % {
                "scopes": ", ".join(unknown)
            }
        elif not scopes:
            errors["scopes"] = _("Choose at least one scope.")
        elif allowed is not None and (application != token_scopes.MANAGER_API or not set(scopes) <= allowed):
            errors["scopes"] = _("Your role allows a token only these scopes: %(scopes)s.") % {
                "scopes": ", ".join(sorted(allowed))
            }
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The validity must end in the future.")
    if errors:
        raise ValidationError(errors)
    plaintext = secrets.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        application=application,
        scopes=sorted(set(scopes)),
        token_hash=secrets.digest(plaintext),
        last_characters=plaintext[-secrets.TAIL_LENGTH :],
        expires_at=expires_at,
    )
    _audit(
        actor=user,
        token=token,
        action="api_token.created",
        changes={
            "application": application,
            "scopes": token.scopes,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, plaintext


def _end(token: ApiToken, *, status: str, reason: str, now: datetime) -> None:
    token.status = status
    token.status_reason = reason
    token.status_changed_at = now
    token.save(update_fields=["status", "status_reason", "status_changed_at"])


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """The owner revokes a token: it stops working at once."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != by.pk:
        raise ValidationError(_("Only the owner of a token can revoke it."))
    if token.status != TokenStatus.ACTIVE:
        return token
    _end(token, status=TokenStatus.REVOKED, reason="Revoked by its owner.", now=timezone.now())
    _audit(actor=by, token=token, action="api_token.revoked")
    return token


@transaction.atomic
def tokens_revoke(*, tokens: QuerySet[ApiToken], by: User) -> int:
    """Revoke several of the owner's tokens at once; returns how many were still active."""
    revoked = 0
    for token in tokens.filter(user=by, status=TokenStatus.ACTIVE).select_for_update().order_by("pk"):
        token_revoke(token=token, by=by)
        revoked += 1
    return revoked


@transaction.atomic
def tokens_revoke_all(*, user: User, reason: str = "Revoked with all the account's tokens.") -> int:
    """Revoke every active token of the user (e.g. when their password is known to be compromised)."""
    now = timezone.now()
    count = 0
    for token in ApiToken.objects.select_for_update().filter(user=user, status=TokenStatus.ACTIVE):
        _end(token, status=TokenStatus.REVOKED, reason=reason[:200], now=now)
        _audit(actor=None, token=token, action="api_token.revoked", changes={"reason": reason})
        count += 1
    return count


@transaction.atomic
def token_disable(*, token: ApiToken, reason: str, by: User | None = None) -> ApiToken:
    """Disable a token (staff, or the idle sweep with `by=None`); its owner is emailed."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.status != TokenStatus.ACTIVE:
        return token
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the token is disabled.")})
    _end(token, status=TokenStatus.DISABLED, reason=reason.strip()[:200], now=timezone.now())
    _audit(actor=by, token=token, action="api_token.disabled", changes={"reason": token.status_reason})
    email_on_commit(
        to=[token.user.email],
        template="api_token_disabled",
        context={
            "name": token.name,
            "masked": token.masked,
            "application": str(token.application_label),  # task arguments are JSON: no lazy text
            "reason": token.status_reason,
        },
    )
    return token


def idle_tokens(now: datetime | None = None) -> QuerySet[ApiToken]:
    """Active tokens unused for `API_TOKEN_IDLE_DAYS` (counted from creation when never used)."""
    limit = (now or timezone.now()) - timedelta(days=settings.API_TOKEN_IDLE_DAYS)
    return ApiToken.objects.filter(status=TokenStatus.ACTIVE).filter(
        Q(last_used_at__lte=limit) | Q(last_used_at__isnull=True, created_at__lte=limit)
    )


def tokens_disable_idle() -> int:
    """Disable every idle token, each in its own transaction; returns how many."""
    count = 0
    for token in idle_tokens().order_by("pk").iterator():
        if token_disable(token=token, reason=IDLE_REASON).status_reason == IDLE_REASON:
            count += 1
    return count
