from django.contrib import admin
from django.urls import include, path
from health_check.views import HealthCheckView

from console import metrics, views

# Readiness for operators and load balancers: the database, both caches, the shared file storage, the queue.
HEALTH_CHECKS = [
    "health_check.checks.Database",
    ("health_check.checks.Cache", {"alias": "default"}),
    ("health_check.checks.Cache", {"alias": "limits"}),
    "health_check.checks.Storage",
    "console.health.TaskQueue",
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("health/", HealthCheckView.as_view(checks=HEALTH_CHECKS), name="health"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/", include("organizations.account_urls")),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/<id:message_id>/", views.mailbox_message, name="mailbox_message"),
    path("theme/", views.set_theme, name="set_theme"),
    path("language/", views.set_language, name="set_language"),
    path("browser-not-supported/", views.outdated_browser, name="outdated_browser"),
    path("terms/", views.terms, name="terms"),
    path("o/<id:org_id>/", views.dashboard, name="dashboard"),
    path(
        "o/<id:org_id>/partnerships/<id:partnership_id>/timeline/",
        views.partnership_timeline,
        name="partnership_timeline",
    ),
    path("o/<id:org_id>/", include("organizations.urls")),
    path("o/<id:org_id>/", include("compliance.urls")),
    path("o/<id:org_id>/", include("partners.urls")),
    path("o/<id:org_id>/", include("billing.urls")),
    path("o/<id:org_id>/", include("tokens.urls")),
    path("invitations/", include("partners.link_urls")),
    path("", include("compliance.public_urls")),
    path("api/", include("console.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "console.views.permission_denied"
# Under /api/ an unknown path and a failure are answered in JSON, as scripts expect; elsewhere the console's
# pages.
handler404 = "core.api.exceptions.page_not_found"
handler500 = "core.api.exceptions.server_error"
