from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate
        from django.urls import register_converter

        from console import data_version
        from console.converters import DatabaseIdConverter

        # `<id:...>` in every URL pattern: registered once, before any URL module is imported.
        register_converter(DatabaseIdConverter, "id")

        # Cached pages are keyed by the data version: every connection reports its writes.
        connection_created.connect(data_version.install_write_watcher, dispatch_uid="console.data_version")
        data_version.install_on_open_connections()
        pre_migrate.connect(data_version.stop_watching_for_migrate, dispatch_uid="console.data_version")
        post_migrate.connect(data_version.bump_after_migrate, dispatch_uid="console.data_version")
