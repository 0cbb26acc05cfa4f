from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations, members and products"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from organizations.session_limits import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="organizations.stamp_sign_in")
