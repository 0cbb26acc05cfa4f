"""The compliance API: the activity log and the DPA certificate, through the access resolver."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import Throttled

from compliance import selectors, services
from compliance.activity import describe_events
from compliance.api import serializers
from compliance.dpa import certificate_response
from compliance.models import DpaCertificate
from compliance.views import ACTIVITY_CSV_HEADER, activity_csv_rows
from core.api.exceptions import error_responses
from core.api.negotiation import FileActionsMixin
from core.api.pagination import CursorPagination
from core.api.streams import started
from core.models import AuditEvent
from core.spreadsheets import csv_lines, csv_response
from organizations.access import Permission
from organizations.api.views import ORG_ID, PERMISSION_WORDING, OrganizationScopedMixin

COMPLIANCE_PERMISSION_WORDING = {
    **PERMISSION_WORDING,
    Permission.VIEW_ACTIVITY: gettext_lazy("see the activity log"),
    Permission.DPA_CERTIFICATE: gettext_lazy("generate the DPA certificate"),
}


class ComplianceScopedMixin(OrganizationScopedMixin):
    token_family = "compliance"
    permission_wording = COMPLIANCE_PERMISSION_WORDING


FILTERS = [
    OpenApiParameter("actor", str, description="The actor's email address, or part of it."),
    OpenApiParameter("action", str, description="An action, or a group ending with a dot (`partnership.`)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="On or after this day."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="On or before this day."),
    OpenApiParameter(
        "partners_only", bool, description="Only what partners did or what concerns a partnership."
    ),
]


class ActivityPagination(CursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema(tags=["activity"], parameters=[ORG_ID])
class ActivityViewSet(
    FileActionsMixin, ComplianceScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """The organization's activity log, newest first; both sides of a partnership see its events."""

    model = AuditEvent
    serializer_class = serializers.AuditEventSerializer
    pagination_class = ActivityPagination
    permissions = {"list": Permission.VIEW_ACTIVITY, "export": Permission.VIEW_ACTIVITY}
    file_actions = ("export",)

    def scoped_queryset(self, access):
        query = serializers.ActivityFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.audit_events_filtered(access, **query.filters())

    def paginate_queryset(self, queryset):
        # Each event of the page gets its sentence, in the request's language.
        page = super().paginate_queryset(queryset)
        return None if page is None else describe_events(page)

    @extend_schema(
        summary="The activity log",
        description="Newest first. Paginated with a cursor: follow `next` until it is null (there is no "
        "count).",
        parameters=FILTERS,
        responses={200: serializers.AuditEventSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="The activity log as a CSV file",
        description="The same filters and rows as the list (as the console's export), streamed: RFC 4180, "
        "UTF-8, a header row. Exports count against a per-user limit shared with the console "
        "(429 beyond it).",
        parameters=FILTERS,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Named activity-<org>.csv."),
            **error_responses(400, 403, 404),
        },
    )
    def export(self, request, org_id):
        query = serializers.ActivityFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if is_ratelimited(
            request, group="activity_export", key="user", rate=settings.ACTIVITY_EXPORT_RATE, increment=True
        ):
            raise Throttled(detail=_("You have exported the activity log often. Try again in a minute."))
        events = selectors.audit_events_filtered(self.access, **query.filters())
        filename = f"activity-{self.access.organization.pk}.csv"
        return csv_response(filename, started(csv_lines(ACTIVITY_CSV_HEADER, activity_csv_rows(events))))


@extend_schema(tags=["data protection"], parameters=[ORG_ID])
class DpaCertificateViewSet(FileActionsMixin, ComplianceScopedMixin, viewsets.GenericViewSet):
    """The DPA certificate (FADP and GDPR) of the organization."""

    model = DpaCertificate
    # Issuing is a change (a new number, an audit event): a POST, which an API token needs write scope for.
    permissions = {"create": Permission.DPA_CERTIFICATE}
    file_actions = ("create",)
    serializer_class = drf_serializers.Serializer  # no body to send; lets OPTIONS describe the POST

    @extend_schema(
        summary="Generate a DPA certificate (PDF)",
        description="Issues a new certificate, with its own number and verification code, each time it is "
        "called (legal representatives and administrators only; an API token needs `compliance:write`). "
        "The response is not cached.",
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="Named after the certificate number, e.g. DPA-2026-1A2B3C4D5E.pdf.",
            ),
            **error_responses(403, 404),
        },
    )
    def create(self, request, org_id):
        return certificate_response(services.dpa_certificate_issue(access=self.access))
