from django.db.models import Q, QuerySet

from compliance.models import AuditEvent
from organizations.access import Access, Permission


def audit_events_visible_to(access: Access) -> QuerySet[AuditEvent]:
    if not access.can(Permission.VIEW_ACTIVITY):
        return AuditEvent.objects.none()
    organization = access.organization
    # A partnership's events show on both sides: the client's log and the partner's.
    return AuditEvent.objects.filter(
        Q(organization=organization) | Q(counterparty=organization)
    ).select_related("organization", "on_behalf_of")
