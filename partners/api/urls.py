from django.urls import path

from partners.api import views

partnership_list = views.PartnershipViewSet.as_view({"get": "list", "post": "create"})
partnership_detail = views.PartnershipViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)
client_request_list = views.ClientRequestViewSet.as_view({"get": "list", "post": "create"})


def _action(viewset, name):
    return viewset.as_view({"post": name})


urlpatterns = [
    path("partners", views.PartnerDirectoryView.as_view(), name="partner-directory"),
    # Client side: Partner
    path("organizations/<id:org_id>/partnerships", partnership_list, name="partnership-list"),
    path("organizations/<id:org_id>/partnerships/<id:id>", partnership_detail, name="partnership-detail"),
    *(
        path(
            f"organizations/<id:org_id>/partnerships/<id:id>/{name}",
            _action(views.PartnershipViewSet, name),
            name=f"partnership-{name}",
        )
        for name in ("resend", "stop", "accept", "refuse")
    ),
    *(
        path(
            f"organizations/<id:org_id>/partnerships/<id:id>/{segment}",
            _action(views.PartnershipViewSet, name),
            name=f"partnership-{segment.replace('/', '-')}",
        )
        for segment, name in (
            ("end-of-access", "end_of_access"),
            ("renewal/accept", "renewal_accept"),
            ("renewal/refuse", "renewal_refuse"),
            ("transfer-code", "transfer_code"),
        )
    ),
    # Partner side: Reseller Area
    path(
        "organizations/<id:org_id>/invitations",
        views.InvitationViewSet.as_view({"get": "list"}),
        name="invitation-list",
    ),
    *(
        path(
            f"organizations/<id:org_id>/invitations/<id:id>/{name}",
            _action(views.InvitationViewSet, name),
            name=f"invitation-{name}",
        )
        for name in ("accept", "refuse")
    ),
    path("organizations/<id:org_id>/client-requests", client_request_list, name="client-request-list"),
    path(
        "organizations/<id:org_id>/client-requests/<id:id>",
        views.ClientRequestViewSet.as_view({"delete": "destroy"}),
        name="client-request-detail",
    ),
    path(
        "organizations/<id:org_id>/client-requests/<id:id>/resend",
        _action(views.ClientRequestViewSet, "resend"),
        name="client-request-resend",
    ),
    path(
        "organizations/<id:org_id>/managed-clients",
        views.ManagedClientViewSet.as_view({"get": "list"}),
        name="managed-client-list",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/bulk-stop",
        _action(views.ManagedClientViewSet, "bulk_stop"),
        name="managed-client-bulk-stop",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/bulk-renewal-request",
        _action(views.ManagedClientViewSet, "bulk_renewal_request"),
        name="managed-client-bulk-renewal-request",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/bulk-runs/<id:id>",
        views.BulkRunViewSet.as_view({"get": "retrieve"}),
        name="managed-client-bulk-run",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/take-over",
        _action(views.ManagedClientViewSet, "take_over"),
        name="managed-client-take-over",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/<id:client_id>/stop",
        _action(views.ManagedClientViewSet, "stop"),
        name="managed-client-stop",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/<id:client_id>/renewal-request",
        _action(views.ManagedClientViewSet, "renewal_request"),
        name="managed-client-renewal-request",
    ),
    path(
        "organizations/<id:org_id>/teams",
        views.PartnerTeamViewSet.as_view({"get": "list", "post": "create"}),
        name="partner-team-list",
    ),
    path(
        "organizations/<id:org_id>/teams/<id:id>",
        views.PartnerTeamViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="partner-team-detail",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/<id:client_id>/assignment",
        views.ManagedClientViewSet.as_view({"get": "assignment", "put": "assign"}),
        name="managed-client-assignment",
    ),
]
