from django.urls import path

from compliance.api import views

urlpatterns = [
    path(
        "organizations/<id:org_id>/activity",
        views.ActivityViewSet.as_view({"get": "list"}),
        name="activity-list",
    ),
    path(
        "organizations/<id:org_id>/activity/export",
        views.ActivityViewSet.as_view({"get": "export"}),
        name="activity-export",
    ),
    path(
        "organizations/<id:org_id>/dpa-certificate",
        views.DpaCertificateViewSet.as_view({"post": "create"}),
        name="dpa-certificate",
    ),
]
