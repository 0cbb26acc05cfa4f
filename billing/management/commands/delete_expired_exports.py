from django.core.management.base import BaseCommand

from billing.services import billing_exports_delete_expired


class Command(BaseCommand):
    help = (
        "Delete the billing-history export files kept past BILLING_EXPORT_KEEP_HOURS, once (the workers run "
        "it on a schedule: PERIODIC_TASKS)."
    )

    def handle(self, *args, **options):
        count = billing_exports_delete_expired()
        self.stdout.write(self.style.SUCCESS(f"{count} expired export{'s' if count != 1 else ''} deleted."))
