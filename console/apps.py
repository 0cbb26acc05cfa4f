from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self):
        from django.urls import register_converter

        from console.converters import DatabaseIdConverter

        # `<id:...>` in every URL pattern: registered once, before any URL module is imported.
        register_converter(DatabaseIdConverter, "id")
