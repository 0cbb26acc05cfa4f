"""The cells of a billing export, written straight from the values the database driver returns.

An export reads its rows without Django's per-value converters (a `Decimal` built and quantized, a datetime
made aware, for every cell of 200,000 rows): each column gets a formatter, chosen once, that writes the text
Django's value would have given. The drivers differ: SQLite returns a float or an int for a decimal column and
a naive datetime in the database's time zone; PostgreSQL returns a `Decimal` and an aware datetime. A
formatter handles either, by the type of the value.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as datetime_timezone
from decimal import Context, Decimal

from django.db import models
from django.utils import timezone

ONE_DAY = timedelta(days=1)
ONE_MICROSECOND = timedelta(microseconds=1)


def decimal_cell(field: models.DecimalField) -> Callable[[object], str]:
    """How a column of `field` is written: the number with the field's decimal places ("58.65", "-12.50",
    "0.0810"), the text of the `Decimal` Django reads; empty for NULL."""
    fixed = f".{field.decimal_places}f"
    zeros = "." + "0" * field.decimal_places if field.decimal_places else ""
    quantum = Decimal(1).scaleb(-field.decimal_places)

    def as_django_reads_it(value) -> str:
        # Django's SQLite backend: 15 significant digits (a float's), then the field's decimal places.
        if isinstance(value, int | str):
            number = Decimal(value)
        else:
            number = Context(prec=15).create_decimal_from_float(value)
        return str(number.quantize(quantum, context=field.context))

    def cell(value) -> str:
        kind = type(value)
        if kind is float:
            text = format(value, fixed)
            # The float stands for exactly this number (it was saved with the field's decimal places): the
            # same text as Django's Decimal. A float with more digits takes Django's own rounding.
            return text if float(text) == value else as_django_reads_it(value)
        if kind is int:
            return f"{value}{zeros}"
        if kind is Decimal:
            return str(value)  # PostgreSQL: already with the column's scale, which Django keeps
        if value is None:
            return ""
        return as_django_reads_it(value)

    return cell


class LocalDays:
    """The local day (in the current time zone, as `timezone.localdate`) of the moments of one column, as ISO
    text ("2026-03-15"); empty for NULL.

    Converting a moment to the local time zone is the slow part, so it is done once per day, not per row:
    export rows mostly come in time order, and the span of the last day found answers the next moments of
    that day with two comparisons. Moments are converted one by one on a day whose two ends have different
    UTC offsets (a clock change), and when they are in a zone with clock changes: Python compares two
    datetimes of one zone by their wall clock, which is not the order of time there. The drivers return naive
    moments in `database_timezone` (SQLite; UTC unless the database's setting says otherwise) or moments in
    UTC (PostgreSQL).
    """

    def __init__(self, database_timezone: tzinfo):
        self.database_timezone = database_timezone
        self.zone = timezone.get_current_timezone()
        self.first: datetime | None = None  # the span of `day`, in the form of the column's moments
        self.after: datetime | None = None
        self.day = ""

    def cell(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        if self.first is not None and self.first <= moment < self.after:
            return self.day
        return self._find(moment)

    def _find(self, moment: datetime) -> str:
        naive = moment.tzinfo is None
        instant = timezone.make_aware(moment, self.database_timezone) if naive else moment
        local = timezone.localtime(instant, self.zone)
        self.day = local.date().isoformat()
        first = self._midnight_before(local)
        after = first + ONE_DAY
        same_offset = self._offset_at(first) == local.utcoffset() == self._offset_at(after - ONE_MICROSECOND)
        moments_zone = self.database_timezone if naive else moment.tzinfo
        if same_offset and isinstance(moments_zone, datetime_timezone):
            self.first, self.after = self._like(moment, first), self._like(moment, after)
        else:
            self.first = self.after = None
        return self.day

    def _midnight_before(self, local: datetime) -> datetime:
        """The instant, in UTC, of the local midnight that starts `local`'s day if the offset held all day."""
        since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
        return local.astimezone(UTC) - since_midnight

    def _offset_at(self, instant: datetime) -> timedelta:
        return instant.astimezone(self.zone).utcoffset()

    def _like(self, moment: datetime, instant: datetime) -> datetime:
        """`instant` in the form of `moment` (naive, or in its fixed-offset zone), to compare them."""
        if moment.tzinfo is None:
            return timezone.make_naive(instant, self.database_timezone)
        return instant.astimezone(moment.tzinfo)
