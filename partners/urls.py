from django.urls import path

from partners import views

urlpatterns = [
    # Client side: Partner
    path("partners/", views.partners, name="partners"),
    path("partners/add/", views.partner_add, name="partner_add"),
    path("partners/<id:partnership_id>/", views.partner_detail, name="partner_detail"),
    path("partners/<id:partnership_id>/payment/", views.partner_payment_edit, name="partner_payment_edit"),
    path("partners/<id:partnership_id>/handover/", views.partner_handover, name="partner_handover"),
    path("partners/<id:partnership_id>/until/", views.partner_end_edit, name="partner_end_edit"),
    path(
        "partners/<id:partnership_id>/renewal/", views.partner_renewal_answer, name="partner_renewal_answer"
    ),
    path("partners/<id:partnership_id>/access/", views.partner_access_edit, name="partner_access_edit"),
    path("partners/<id:partnership_id>/resend/", views.partnership_resend, name="partnership_resend"),
    path("partners/<id:partnership_id>/delete/", views.partnership_delete, name="partnership_delete"),
    path("partners/<id:partnership_id>/stop/", views.partnership_stop, name="partnership_stop"),
    path("partners/<id:partnership_id>/answer/", views.partnership_answer, name="partnership_answer"),
    # Partner side: Reseller Area
    path("reseller/clients/", views.managed_clients, name="managed_clients"),
    path("reseller/clients/add/", views.client_request, name="client_request"),
    path("reseller/clients/take-over/", views.client_handover, name="client_handover"),
    path("reseller/clients/bulk/", views.managed_clients_bulk, name="managed_clients_bulk"),
    path(
        "reseller/clients/bulk/<id:run_id>/", views.managed_clients_bulk_run, name="managed_clients_bulk_run"
    ),
    path("reseller/clients/<id:partnership_id>/stop/", views.partnership_stop, name="managed_client_stop"),
    path(
        "reseller/clients/<id:partnership_id>/renewal/",
        views.client_renewal_request,
        name="managed_client_renewal",
    ),
    path(
        "reseller/clients/<id:partnership_id>/members/", views.client_members, name="managed_client_members"
    ),
    path("reseller/teams/", views.teams, name="teams"),
    path("reseller/teams/add/", views.team_edit, name="team_add"),
    path("reseller/teams/<id:team_id>/", views.team_edit, name="team_edit"),
    path("reseller/teams/<id:team_id>/delete/", views.team_delete, name="team_delete"),
    path("reseller/invitations/<id:partnership_id>/", views.partnership_answer, name="invitation_answer"),
    path("reseller/requests/resend/", views.client_requests_resend, name="client_requests_resend"),
    path("reseller/requests/<id:request_id>/resend/", views.client_request_resend, name="request_resend"),
    path("reseller/requests/<id:request_id>/delete/", views.client_request_delete, name="request_delete"),
]
