from django.urls import path

from partners import views

urlpatterns = [
    path("<str:token>/", views.invitation_link, name="partner_invitation"),
]
