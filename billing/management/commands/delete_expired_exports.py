from django.core.management.base import BaseCommand

from billing.services import billing_exports_delete_expired


class Command(BaseCommand):
    help = (
        "Delete the billing-history export files kept past BILLING_EXPORT_KEEP_HOURS (run it hourly, e.g. "
        "from cron, or enqueue billing.tasks.delete_expired_billing_exports)."
    )

    def handle(self, *args, **options):
        count = billing_exports_delete_expired()
        self.stdout.write(self.style.SUCCESS(f"{count} expired export{'s' if count != 1 else ''} deleted."))
