from django.urls import path

from compliance import views

urlpatterns = [
    path("settings/activity/", views.activity_log, name="activity_log"),
    path("settings/activity/export/", views.activity_log_export, name="activity_log_export"),
    path("settings/data-protection/", views.data_protection, name="data_protection"),
    path(
        "settings/data-protection/generate/",
        views.dpa_certificate_generate,
        name="dpa_certificate_generate",
    ),
]
