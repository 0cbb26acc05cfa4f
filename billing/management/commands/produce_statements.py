from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing.statements import statements_produce_for_month


class Command(BaseCommand):
    help = (
        "Produce the monthly statement of every referenced partner that has none yet, for last month or the "
        "month given (the workers run it daily: PERIODIC_TASKS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="A month that is over, as YYYY-MM (default: last month).")

    def handle(self, *args, month=None, **options):
        try:
            first_day = date.fromisoformat(f"{month}-01") if month else None
            count = statements_produce_for_month(month=first_day)
        except (ValueError, ValidationError) as error:
            raise CommandError(f"--month: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"{count} statement{'s' if count != 1 else ''} produced."))
