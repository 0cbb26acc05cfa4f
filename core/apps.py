from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: machinery every app shares, importing no other app of ours."""

    name = "core"
    # Its one model is the audit log, which staff read in the admin under this heading.
    verbose_name = "Audit log"
