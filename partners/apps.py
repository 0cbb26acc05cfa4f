from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = gettext_lazy("Partner program")

    def ready(self):
        from organizations.models import Organization
        from partners.signals import copy_renamed_client_name

        post_save.connect(copy_renamed_client_name, sender=Organization, dispatch_uid="partners_client_name")
