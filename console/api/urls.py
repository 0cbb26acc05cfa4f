from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from console.api.views import PartnershipTimelineViewSet, SwaggerView

app_name = "api"

urlpatterns = [
    path(
        "v1/organizations/<id:org_id>/partnerships/<id:id>/timeline",
        PartnershipTimelineViewSet.as_view({"get": "list"}),
        name="partnership-timeline",
    ),
    path("v1/", include("organizations.api.urls")),
    path("v1/", include("partners.api.urls")),
    path("v1/", include("billing.api.urls")),
    path("v1/", include("compliance.api.urls")),
    path("v1/", include("tokens.api.urls")),
    path("v1/", include("newsletter.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
]
