from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoreConfig(AppConfig):
    """The bottom layer: machinery every app shares, importing no other app of ours."""

    name = "core"
    # Its one model is the audit log, which staff read in the admin under this heading.
    verbose_name = gettext_lazy("Audit log")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core.session_limits import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="core.stamp_sign_in")
