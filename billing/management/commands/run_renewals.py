from django.core.management.base import BaseCommand

from billing.services import renewals_run


class Command(BaseCommand):
    help = (
        "Renew every active product whose period ends within a day, invoicing whoever pays for it, once "
        "(the workers run it on a schedule: PERIODIC_TASKS)."
    )

    def handle(self, *args, **options):
        count = renewals_run()
        self.stdout.write(self.style.SUCCESS(f"{count} product{'s' if count != 1 else ''} renewed."))
