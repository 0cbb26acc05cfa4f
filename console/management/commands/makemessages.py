"""`makemessages` as this project runs it (`make messages`, and tests/i18n checks that it changes nothing).

Only the console's own files are read: not the tests, nor collected static files or media. Catalogues name
the file of each message but not its line (a line that moves changes no catalogue), and keep no obsolete
entries.
"""

from django.core.management.commands import makemessages

IGNORED = ["tests/*", "staticfiles/*", "media/*", "test-artifacts/*", "locale/*"]


class Command(makemessages.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(add_location="file", no_obsolete=True)

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        super().handle(*args, **options)
