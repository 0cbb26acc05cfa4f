"""Reading a queryset in chunks for a stream: every row once, in the queryset's order, whatever the chunk size
and however many rows share the values it is ordered by; and no database cursor left open by a reader that
stopped."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from core.models import AuditEvent
from core.streams import objects_in_chunks, rows_after

SAME_MOMENT = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)


def open_cursors() -> int:
    """Server-side cursors open on the connection (PostgreSQL's named cursors; SQLite has none)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        return cursor.fetchone()[0]


# The cursor reading past the first chunk: a named cursor on PostgreSQL, none that outlives a query on SQLite.
SERVER_SIDE_CURSOR = 1 if connection.vendor == "postgresql" else 0


@pytest.fixture
def events(organization):
    """Seven events, four of them at the same moment (ties broken by the primary key)."""
    made = [
        AuditEvent.objects.create(
            organization=organization,
            action=f"test.{number}",
            created_at=SAME_MOMENT if number % 2 else datetime(2026, 3, number + 1, tzinfo=UTC),
        )
        for number in range(7)
    ]
    return AuditEvent.objects.filter(pk__in=[event.pk for event in made])


@pytest.mark.parametrize("ordering", [("-created_at", "-pk"), ("created_at", "pk"), ("action", "-pk")])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 8])
def test_every_row_comes_once_in_the_querysets_order(events, ordering, chunk_size):
    queryset = events.order_by(*ordering)

    read = [event.pk for event in objects_in_chunks(queryset, chunk_size=chunk_size)]

    assert read == list(queryset.values_list("pk", flat=True))


def test_the_rows_after_one_are_those_that_follow_it(events):
    queryset = events.order_by("-created_at", "-pk")
    everything = list(queryset)

    for position, event in enumerate(everything):
        assert list(rows_after(queryset, [event.created_at, event.pk])) == everything[position + 1 :]


def test_a_reader_that_stops_leaves_no_cursor_open(events):
    rows = objects_in_chunks(events.order_by("created_at", "pk"), chunk_size=2)

    first = [next(rows), next(rows)]
    assert open_cursors() == 0, "the first chunk is read with a plain query, closed at once"
    third = next(rows)  # from the cursor of the rest
    assert open_cursors() == SERVER_SIDE_CURSOR
    rows.close()

    assert open_cursors() == 0
    assert [event.pk for event in [*first, third]] == list(
        events.order_by("created_at", "pk").values_list("pk", flat=True)[:3]
    )
    assert AuditEvent.objects.filter(pk=third.pk).exists(), "the connection still answers"


def test_an_ordering_by_something_else_than_fields_is_refused(events):
    with pytest.raises(ValueError, match="ordering"):
        list(objects_in_chunks(events.order_by("?"), chunk_size=2))
