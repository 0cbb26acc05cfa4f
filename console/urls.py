from django.contrib import admin
from django.urls import include, path, register_converter

from console import views
from console.converters import DatabaseIdConverter

register_converter(DatabaseIdConverter, "id")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("organizations.account_urls")),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/<id:message_id>/", views.mailbox_message, name="mailbox_message"),
    path("theme/", views.set_theme, name="set_theme"),
    path("browser-not-supported/", views.outdated_browser, name="outdated_browser"),
    path("o/<id:org_id>/", views.dashboard, name="dashboard"),
    path("o/<id:org_id>/", include("organizations.urls")),
    path("o/<id:org_id>/", include("compliance.urls")),
    path("api/", include("console.api.urls")),
    path("admin/", admin.site.urls),
]
