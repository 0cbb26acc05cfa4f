from django.core.management.base import BaseCommand

from tokens.services import tokens_disable_idle


class Command(BaseCommand):
    help = (
        "Disable every API token unused for a year (counted from its creation when never used) and email "
        "its owner, once (the workers run it daily: PERIODIC_TASKS)."
    )

    def handle(self, *args, **options):
        count = tokens_disable_idle()
        self.stdout.write(self.style.SUCCESS(f"{count} idle token{'s' if count != 1 else ''} disabled."))
