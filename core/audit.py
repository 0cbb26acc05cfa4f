"""The audit log every service writes to: one event per state change, in the service's transaction."""

from contextvars import ContextVar

from django.db import models

from core.models import AuditEvent

# Set per request by AuditContextMiddleware, so services need no request argument to record the IP.
current_ip_address: ContextVar[str | None] = ContextVar("current_ip_address", default=None)


def audit_record(
    *,
    actor,
    organization,
    action: str,
    target: models.Model | None = None,
    changes: dict | None = None,
    on_behalf_of=None,
    counterparty=None,
) -> AuditEvent:
    """Record one event. `on_behalf_of` is the partner a partner user acted for; `counterparty` is the other
    side of a partnership. Both organizations see the event in their activity log."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_email=getattr(actor, "email", "") or "",
        organization=organization,
        on_behalf_of=on_behalf_of,
        counterparty=counterparty if counterparty is not None else on_behalf_of,
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        changes=changes or {},
        ip_address=current_ip_address.get(),
    )
