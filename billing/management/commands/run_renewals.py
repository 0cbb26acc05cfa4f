from django.core.management.base import BaseCommand

from billing.services import renewal_reminders_send, renewals_run


class Command(BaseCommand):
    help = (
        "Renew every auto-renewing product whose period ends within a day, invoicing whoever pays for it, "
        "once; expire the ended ones not renewed; send the 30- and 7-day renewal reminders "
        "(the workers run it on a schedule: PERIODIC_TASKS)."
    )

    def handle(self, *args, **options):
        count = renewals_run()
        reminded = renewal_reminders_send()
        self.stdout.write(self.style.SUCCESS(f"{count} product{'s' if count != 1 else ''} renewed."))
        self.stdout.write(f"{reminded} renewal reminder{'s' if reminded != 1 else ''} sent.")
