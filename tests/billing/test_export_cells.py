"""The export's column formatters write what Django's own reading of the value would have given: amounts as
the `Decimal` of the DecimalField (SQLite's floats and ints included), moments as `timezone.localdate`."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from django.db import models
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabase
from django.db.models.expressions import Col
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from billing.export_cells import LocalDays, decimal_cell

MONEY = models.DecimalField(max_digits=12, decimal_places=2)
TAX_RATE = models.DecimalField(max_digits=5, decimal_places=4)
DISCOUNT_RATE = models.DecimalField(max_digits=4, decimal_places=3)


def read_by_django_on_sqlite(field: models.DecimalField, value) -> str:
    """The text of the `Decimal` Django's SQLite backend makes of what the driver returned."""
    column = Col("t", field)
    converter = SQLiteDatabase.ops_class(connection=None).get_decimalfield_converter(column)
    return str(converter(value, column, None))


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (MONEY, 58.65, "58.65"),
        (MONEY, 69, "69.00"),  # SQLite keeps a whole amount as an integer
        (MONEY, -12.5, "-12.50"),
        (MONEY, 0, "0.00"),
        (MONEY, -0.0, "-0.00"),
        (MONEY, 4.75065, "4.75"),  # saved with more decimals than the field has
        (MONEY, 2.675, "2.68"),  # Django rounds 15 digits (2.67500…) half to even, not the float's 2.67499…
        (MONEY, 0.125, "0.12"),
        (MONEY, Decimal("63.40"), "63.40"),  # PostgreSQL: a Decimal with the column's scale
        (MONEY, None, ""),
        (TAX_RATE, 0.081, "0.0810"),
        (TAX_RATE, Decimal("0.0810"), "0.0810"),
        (DISCOUNT_RATE, 0.15, "0.150"),
    ],
)
def test_an_amount_is_written_as_django_reads_it(field, value, expected):
    assert decimal_cell(field)(value) == expected
    if value is not None and not isinstance(value, Decimal):
        assert read_by_django_on_sqlite(field, value) == expected


def driver_values(field: models.DecimalField):
    """What SQLite can return for the field: the float of a saved amount, any float, an integer."""
    limit = 10 ** (field.max_digits - field.decimal_places) - 1
    saved = st.decimals(min_value=-limit, max_value=limit, places=field.decimal_places).map(float)
    floats = st.floats(min_value=-limit, max_value=limit)
    return st.one_of(saved, floats, st.integers(-limit, limit))


@pytest.mark.parametrize("field", [MONEY, TAX_RATE, DISCOUNT_RATE])
@given(data=st.data())
def test_any_value_sqlite_returns_is_written_as_django_reads_it(field, data):
    value = data.draw(driver_values(field))
    assert decimal_cell(field)(value) == read_by_django_on_sqlite(field, value)


# Local days

ZONES = [
    "Europe/Zurich",
    "America/Havana",  # clocks change at midnight
    "America/Asuncion",  # clocks change at midnight (until 2024)
    "Australia/Lord_Howe",  # a 30-minute clock change
    "Asia/Kolkata",  # +05:30, no clock change
    "Pacific/Apia",  # skipped 30 December 2011
]


@cache  # a year hour by hour: computed once per zone, not on every example drawn
def clock_changes(zone: ZoneInfo, year: int) -> tuple[datetime, ...]:
    """The hours (UTC) at which the zone's offset changed during `year`."""
    hour, changes = datetime(year, 1, 1, tzinfo=UTC), []
    offset = hour.astimezone(zone).utcoffset()
    while hour.year == year:
        hour += timedelta(hours=1)
        if hour.astimezone(zone).utcoffset() != offset:
            offset = hour.astimezone(zone).utcoffset()
            changes.append(hour)
    return tuple(changes)


@st.composite
def moments_around_clock_changes(draw) -> tuple[str, list[datetime]]:
    """A zone and instants (UTC) within three days of one of its clock changes, or of an ordinary day."""
    name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(name)
    bases = [datetime(2026, 6, 15, tzinfo=UTC), *clock_changes(zone, 2011), *clock_changes(zone, 2023)]
    base = draw(st.sampled_from(bases))
    three_days = 3 * 24 * 3600 * 10**6
    offsets = draw(st.lists(st.integers(-three_days, three_days), max_size=40))
    return name, [base + timedelta(microseconds=offset) for offset in offsets]


DATABASE_ZONES = [UTC, ZoneInfo("America/New_York")]  # Django's default, and a `TIME_ZONE` database setting


@pytest.mark.parametrize("database_timezone", DATABASE_ZONES)
@given(zone_and_instants=moments_around_clock_changes(), in_time_order=st.booleans(), naive=st.booleans())
def test_the_day_of_a_moment_is_its_local_day(database_timezone, zone_and_instants, in_time_order, naive):
    """Whatever the order of the rows, a clock change on the day, and the form the driver gives."""
    zone, instants = zone_and_instants
    if in_time_order:
        instants.sort()
    if naive:  # as SQLite returns them
        moments = [timezone.make_naive(instant, database_timezone) for instant in instants]
        expected = [timezone.make_aware(moment, database_timezone) for moment in moments]
    else:
        moments = expected = instants
    with timezone.override(zone):
        days = LocalDays(database_timezone)
        assert [days.cell(moment) for moment in moments] == [
            timezone.localdate(moment).isoformat() for moment in expected
        ]


@pytest.mark.parametrize("naive", [True, False])
@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 3, 28, 22, 59, 59, 999999, tzinfo=UTC), "2026-03-28"),  # 23:59:59.999999 (+01:00)
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "2026-03-29"),  # midnight; clocks go forward at 02:00
        (datetime(2026, 3, 29, 21, 59, 59, 999999, tzinfo=UTC), "2026-03-29"),  # 23:59:59.999999 (+02:00)
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "2026-03-30"),
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), "2026-10-25"),  # midnight; clocks go back at 03:00
        (datetime(2026, 10, 25, 22, 59, 59, 999999, tzinfo=UTC), "2026-10-25"),  # 23:59:59.999999 (+01:00)
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), "2026-10-26"),
    ],
)
def test_a_moment_just_before_or_after_midnight_in_zurich_is_on_its_local_day(instant, expected, naive):
    """After the moments of the hours before it, as an export in time order reads them."""
    with timezone.override("Europe/Zurich"):
        days = LocalDays(UTC)
        for hours in (30, 20, 10, 1, 0):
            moment = instant - timedelta(hours=hours)
            day = days.cell(moment.replace(tzinfo=None) if naive else moment)
        assert day == expected
        assert days.cell(None) == ""


def test_a_naive_moment_of_an_hour_the_database_zone_repeats_is_on_the_day_django_reads():
    """With the database's `TIME_ZONE` in New York, 01:30 on 1 November 2026 happened twice; Django reads the
    first (EDT, 05:30 UTC), which is 31 October at 23:30 in Regina (UTC-6), even after a moment of 1 November
    whose day starts at 01:00 New York time (the second one, EST)."""
    new_york, repeated = ZoneInfo("America/New_York"), datetime(2026, 11, 1, 1, 30)
    with timezone.override("America/Regina"):
        assert timezone.localdate(timezone.make_aware(repeated, new_york)) == date(2026, 10, 31)
        days = LocalDays(new_york)
        assert days.cell(datetime(2026, 11, 1, 12, 0)) == "2026-11-01"
        assert days.cell(repeated) == "2026-10-31"
