from django.core.management.base import BaseCommand

from tokens.services import tokens_disable_idle


class Command(BaseCommand):
    help = (
        "Disable every API token unused for a year (counted from its creation when never used) and email "
        "its owner (run it daily, e.g. from cron, or enqueue tokens.tasks.disable_idle_tokens)."
    )

    def handle(self, *args, **options):
        count = tokens_disable_idle()
        self.stdout.write(self.style.SUCCESS(f"{count} idle token{'s' if count != 1 else ''} disabled."))
