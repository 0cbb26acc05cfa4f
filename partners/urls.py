from django.urls import path

from partners import views

urlpatterns = [
    # Client side: Partner
    path("partners/", views.partners, name="partners"),
    path("partners/add/", views.partner_add, name="partner_add"),
    path("partners/<id:partnership_id>/", views.partner_detail, name="partner_detail"),
    path("partners/<id:partnership_id>/payment/", views.partner_payment_edit, name="partner_payment_edit"),
    path("partners/<id:partnership_id>/access/", views.partner_access_edit, name="partner_access_edit"),
    path("partners/<id:partnership_id>/resend/", views.partnership_resend, name="partnership_resend"),
    path("partners/<id:partnership_id>/delete/", views.partnership_delete, name="partnership_delete"),
    path("partners/<id:partnership_id>/stop/", views.partnership_stop, name="partnership_stop"),
    path("partners/<id:partnership_id>/answer/", views.partnership_answer, name="partnership_answer"),
    # Partner side: Reseller Area
    path("reseller/clients/", views.managed_clients, name="managed_clients"),
    path("reseller/clients/add/", views.client_request, name="client_request"),
    path("reseller/clients/<id:partnership_id>/stop/", views.partnership_stop, name="managed_client_stop"),
    path("reseller/invitations/<id:partnership_id>/", views.partnership_answer, name="invitation_answer"),
    path("reseller/invitations/<id:partnership_id>/resend/", views.partnership_resend, name="request_resend"),
    path("reseller/invitations/<id:partnership_id>/delete/", views.partnership_delete, name="request_delete"),
]
