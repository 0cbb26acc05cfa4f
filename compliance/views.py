from django.core.paginator import Paginator
from django.shortcuts import render

from compliance.selectors import audit_events_visible_to
from organizations.access import Permission
from organizations.web import organization_view


@organization_view(Permission.VIEW_ACTIVITY)
def activity_log(request):
    events = audit_events_visible_to(request.access)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "compliance/activity_log.html", {"page": page})
