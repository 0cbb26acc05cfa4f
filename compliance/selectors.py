from datetime import date, datetime

from django.db.models import Q, QuerySet

from compliance.consent import CONSENT_VERSION, Consent
from compliance.models import CookieConsent, DpaCertificate
from core.days import within_days
from core.models import AuditEvent
from organizations.access import Access, Permission

# Events of the other side that concern the partnership itself, besides the `partnership.` ones.
PARTNERSHIP_ACTIONS = ("membership.covered_by_partnership",)


def audit_events_visible_to(access: Access) -> QuerySet[AuditEvent]:
    if not access.can(Permission.VIEW_ACTIVITY):
        return AuditEvent.objects.none()
    organization = access.organization
    # The other side's events show only when this organization's people did them or they concern the
    # partnership itself: a partner never reads its client's own orders, invoices or other business, even
    # events recorded with the partner as counterparty (the cashback it earned on them).
    return AuditEvent.objects.filter(
        Q(organization=organization)
        | Q(counterparty=organization)
        & (
            Q(on_behalf_of=organization)
            | Q(action__startswith="partnership.")
            | Q(action__in=PARTNERSHIP_ACTIONS)
        )
    ).select_related("organization", "on_behalf_of", "counterparty", "actor")


def partnership_timeline(
    access: Access,
    *,
    partnership_ids: list[int],
    client_id: int,
    partner_id: int,
    since: datetime,
    until: datetime | None,
) -> QuerySet[AuditEvent]:
    """The partnership's own timeline, newest first, as the caller's activity log shows it: the events whose
    target is the partnership (invited, accepted, who pays, end, renewal, stopped, ended, handed over), and
    while it lasted, the orders the partner placed for the client and the external users it came to cover.
    The caller (a side of the partnership) is checked by the one who names the partnership."""
    period = Q(created_at__gte=since) & (Q(created_at__lte=until) if until is not None else Q())
    concerns = (
        Q(target_type="partnership", target_id__in=[str(pk) for pk in partnership_ids])
        | period & Q(organization_id=client_id, on_behalf_of_id=partner_id, action__startswith="order.")
        | period & Q(organization_id=client_id, counterparty_id=partner_id, action__in=PARTNERSHIP_ACTIONS)
    )
    return audit_events_visible_to(access).filter(concerns).order_by("-created_at", "-pk")


def audit_events_filtered(
    access: Access,
    *,
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    partners_only: bool = False,
) -> QuerySet[AuditEvent]:
    """The activity log with its filters: the actor's email (part of it), the action (exact, or a prefix
    ending in a dot such as `partnership.`), the period in whole days (both ends included), and only what
    partners did (events with an "on behalf of" or a counterparty organization)."""
    events = audit_events_visible_to(access)
    if actor:
        events = events.filter(actor_email__icontains=actor.strip())
    if action:
        events = (
            events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
        )
    events = events.filter(within_days("created_at", date_from, date_to))
    if partners_only:
        events = events.filter(Q(on_behalf_of__isnull=False) | Q(counterparty__isnull=False))
    return events


def audit_actions_of(access: Access) -> list[str]:
    """The actions that occur in the organization's log, for the filter's choices."""
    return list(
        audit_events_visible_to(access).order_by("action").values_list("action", flat=True).distinct()
    )


def cookie_consent_of_user(user) -> Consent | None:
    """The user's cookie choice in force: the newest one of the current version."""
    record = (
        CookieConsent.objects.filter(user=user, version=CONSENT_VERSION).order_by("-given_at", "-id").first()
    )
    if record is None:
        return None
    return Consent(analytics=record.analytics, marketing=record.marketing, given_at=record.given_at)


def dpa_certificates_of(access: Access) -> QuerySet[DpaCertificate]:
    if not access.can(Permission.DPA_CERTIFICATE):
        return DpaCertificate.objects.none()
    return DpaCertificate.objects.filter(organization=access.organization).select_related("issued_by")
