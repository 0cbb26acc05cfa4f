from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = gettext_lazy("Compliance: data protection and cookies")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from compliance import checks  # noqa: F401 (registers the deployment checks)
        from compliance.signals import remember_cookie_consent

        user_logged_in.connect(remember_cookie_consent, dispatch_uid="compliance.remember_cookie_consent")
