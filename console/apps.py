from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = gettext_lazy("Console")

    def ready(self):
        from django.urls import register_converter

        from console.converters import DatabaseIdConverter

        # `<id:...>` in every URL pattern: registered once, before any URL module is imported.
        register_converter(DatabaseIdConverter, "id")
