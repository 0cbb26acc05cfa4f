"""Periods in whole days, in the console's time zone, safe at the calendar's edges."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

# The days a period can start or end on. At the calendar's edges (0001-01-01, 9999-12-31) a day's first
# instant in UTC, or the day after it, does not exist: a query there would fail instead of answering.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def within_days(field: str, date_from: date | None, date_to: date | None) -> Q:
    """Instants of `field` on the days from `date_from` to `date_to` (both included; None: no bound).
    Nothing happens outside FIRST_DAY..LAST_DAY: a bound beyond them is no bound, a period beyond them is
    empty."""
    if (date_from and date_from > LAST_DAY) or (date_to and date_to < FIRST_DAY):
        return Q(pk__in=[])
    condition = Q()
    if date_from and date_from >= FIRST_DAY:
        condition &= Q(**{f"{field}__gte": day_start(date_from)})
    if date_to and date_to <= LAST_DAY:
        condition &= Q(**{f"{field}__lt": day_start(date_to + timedelta(days=1))})
    return condition
