"""Pages anyone may open, signed in or not: the legal pages, cookie preferences, certificate verification."""

from django.urls import path

from compliance import views

urlpatterns = [
    path("legal/privacy/", views.privacy_policy, name="privacy_policy"),
    path("legal/data-protection/", views.data_protection_policy, name="data_protection_policy"),
    path("legal/whistleblower/", views.whistleblower, name="whistleblower"),
    path("cookies/", views.cookie_preferences, name="cookie_preferences"),
    path("dpa/verify/", views.dpa_verify, name="dpa_verify"),
]
