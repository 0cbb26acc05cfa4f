from django.db.models import QuerySet

from compliance.models import AuditEvent
from organizations.access import Access, Permission


def audit_events_visible_to(access: Access) -> QuerySet[AuditEvent]:
    if not access.can(Permission.VIEW_ACTIVITY):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(organization=access.organization).select_related("on_behalf_of")
