from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = gettext_lazy("Organizations, members and products")

    def ready(self):
        from core import sudo
        from organizations.two_factor_views import ConsoleSecondFactor

        # The password window accepts a second factor of the user's in place of the password.
        sudo.second_factor = ConsoleSecondFactor()
