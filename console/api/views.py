"""The API's documentation page, served so that it runs under the site's Content Security Policy."""

from functools import cache

from django.template import engines
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.renderers import TemplateHTMLRenderer

from compliance import selectors as compliance_selectors
from compliance.activity import describe_events
from compliance.api.serializers import AuditEventSerializer
from compliance.api.views import ActivityPagination, ComplianceScopedMixin
from core.api.exceptions import error_responses
from core.models import AuditEvent
from organizations.access import Permission
from organizations.api.views import ORG_ID
from partners import selectors as partner_selectors

TIMELINE_PARTNERSHIP_ID = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="The partnership's id (as the client or as the partner)."
)

# drf-spectacular's page with its inline <style> given the request's CSP nonce; everything else unchanged.
SWAGGER_PAGE = """{% extends "drf_spectacular/swagger_ui.html" %}
{% block head %}
<title>{{ title }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{{ favicon_href }}">
<link rel="stylesheet" href="{{ swagger_ui_css }}">
<style {% csp_nonce_attr %}>
  html { box-sizing: border-box; overflow-y: scroll; }
  *, *:after, *:before { box-sizing: inherit; }
  body { background: #fafafa; margin: 0; }
</style>
{% endblock head %}
"""


@cache
def _swagger_page():
    return engines["django"].from_string(SWAGGER_PAGE)


class SwaggerPageRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        if template_names == [SwaggerView.template_name]:
            return _swagger_page()
        return super().resolve_template(template_names)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI without inline script: the page loads its init script from `?script`, a separate URL."""

    renderer_classes = [SwaggerPageRenderer]


@extend_schema(tags=["activity"], parameters=[ORG_ID, TIMELINE_PARTNERSHIP_ID])
class PartnershipTimelineViewSet(ComplianceScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A partnership's own timeline, from either side (client or partner), newest first."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    pagination_class = ActivityPagination
    permissions = {"list": Permission.VIEW_ACTIVITY}

    def scoped_queryset(self, access):
        partnership = partner_selectors.partnership_for(access, self.kwargs["id"])
        if partnership is None:
            raise NotFound(_("No such partnership."))
        return compliance_selectors.partnership_timeline(
            access,
            partnership_ids=[partnership.pk],
            client_id=partnership.client_id,
            partner_id=partnership.partner_id,
            since=partnership.created_at,
            until=partnership.ended_at,
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else describe_events(page)

    @extend_schema(
        summary="A partnership's timeline",
        description="What happened to the partnership (invited, accepted, who pays, its end, renewal, "
        "stopped, ended, handed over) and the orders the partner placed for the client while it lasted, as "
        "readable sentences, newest first. Either side's legal representatives and administrators. "
        "Paginated with a cursor: follow `next` until it is null.",
        responses={200: AuditEventSerializer(many=True), **error_responses(403, 404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
