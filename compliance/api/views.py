"""The compliance API: the activity log and the DPA certificate, through the access resolver."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, viewsets
from rest_framework import serializers as drf_serializers

from compliance import selectors, services
from compliance.api import serializers
from compliance.dpa import certificate_response
from compliance.models import AuditEvent, DpaCertificate
from organizations.access import Permission
from organizations.api.views import ORG_ID, PERMISSION_WORDING, OrganizationScopedMixin, error_responses

COMPLIANCE_PERMISSION_WORDING = {
    **PERMISSION_WORDING,
    Permission.VIEW_ACTIVITY: "see the activity log",
    Permission.DPA_CERTIFICATE: "generate the DPA certificate",
}


class ComplianceScopedMixin(OrganizationScopedMixin):
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


@extend_schema(tags=["activity"], parameters=[ORG_ID])
class ActivityViewSet(ComplianceScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organization's activity log, newest first; both sides of a partnership see its events."""

    model = AuditEvent
    serializer_class = serializers.AuditEventSerializer
    token_family = "organizations"
    permissions = {"list": Permission.VIEW_ACTIVITY}

    def scoped_queryset(self, access):
        query = serializers.ActivityFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.audit_events_filtered(access, **query.filters())

    @extend_schema(
        summary="The activity log",
        parameters=FILTERS,
        responses={200: serializers.AuditEventSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


@extend_schema(tags=["data protection"], parameters=[ORG_ID])
class DpaCertificateViewSet(ComplianceScopedMixin, viewsets.GenericViewSet):
    """The DPA certificate (FADP and GDPR) of the organization."""

    model = DpaCertificate
    # Issuing is a change (a new number, an audit event): a POST, which an API token needs write scope for.
    permissions = {"create": Permission.DPA_CERTIFICATE}
    token_family = "organizations"
    serializer_class = drf_serializers.Serializer  # no body to send; lets OPTIONS describe the POST

    def perform_content_negotiation(self, request, force=False):
        # The PDF is answered whatever the client accepts, and an error of it in JSON.
        renderer = renderers.JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        summary="Generate a DPA certificate (PDF)",
        description="Issues a new certificate, with its own number and verification code, each time it is "
        "called (legal representatives and administrators only; an API token needs `organizations:write`). "
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
