from django.core.management.base import BaseCommand

from partners.services import partnerships_expire_stale


class Command(BaseCommand):
    help = (
        "Mark pending partner invitations whose links have expired, once (the workers run it on a schedule)."
    )

    def handle(self, *args, **options):
        count = partnerships_expire_stale()
        self.stdout.write(self.style.SUCCESS(f"{count} invitation{'s' if count != 1 else ''} expired."))
