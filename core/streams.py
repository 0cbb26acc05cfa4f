"""Reading a large queryset for a streamed response without a database cursor that outlives the reading.

A server-side cursor (PostgreSQL's named cursor, which `.iterator()` opens) belongs to the connection and,
inside a transaction, to that transaction. Opened while a view answers and left open when the response is
not read to its end (a client that goes away, a caller that drops the response), it would be closed later,
wherever the connection is then: in another transaction, where the cursor no longer exists, an error that
breaks that transaction. So a streamed file reads its rows in two steps:

- the first chunk with a plain query, read whole and closed at once: a failing query fails there (in the
  view, before an answer goes out, when the view reads the first lines), and most files end within it;
- only when that chunk is full, the rows after its last one (keyset: by the values the queryset is ordered
  by) from a cursor opened by the generator as it goes on, and closed by it when the rows end or when the
  generator is closed (a streamed response closes its content when the server is done with it).
"""

import re
from collections.abc import Iterator, Sequence

from django.db.models import Model, Q, QuerySet

FIELD_TERM = re.compile(r"-?\w+")


def ordering_of(queryset: QuerySet) -> tuple[str, ...]:
    """The terms `queryset` is ordered by (`-name` descending): its `order_by`, else its model's ordering."""
    ordering = tuple(queryset.query.order_by) or tuple(queryset.model._meta.ordering)
    if not ordering or not all(isinstance(term, str) and FIELD_TERM.fullmatch(term) for term in ordering):
        raise ValueError("A queryset read in chunks needs an ordering of field names.")
    return ordering


def rows_after(queryset: QuerySet, last: Sequence) -> QuerySet:
    """The rows of `queryset` that come after the row whose values of the ordering terms are `last`, in the
    queryset's order. The ordering must end with a unique field (the primary key) and its fields hold no
    NULL (NULL compares as neither before nor after)."""
    ordering = ordering_of(queryset)
    if any(value is None for value in last):
        raise ValueError("A row read in chunks has no NULL among the values it is ordered by.")
    names = [term.removeprefix("-") for term in ordering]
    after = Q()
    for position, term in enumerate(ordering):
        lookup = "lt" if term.startswith("-") else "gt"
        equal = dict(zip(names[:position], last[:position], strict=True))
        after |= Q(**equal, **{f"{names[position]}__{lookup}": last[position]})
    return queryset.filter(after)


def objects_in_chunks(queryset: QuerySet, *, chunk_size: int) -> Iterator[Model]:
    """Each object of `queryset` (ordered by fields of its own model), read as the module says: the first
    `chunk_size` with a plain query, the rest after the last of them from a cursor this generator opens and
    closes."""
    ordering = ordering_of(queryset)
    names = [term.removeprefix("-") for term in ordering]
    if any("__" in name for name in names):
        raise ValueError("Objects read in chunks are ordered by fields of their own model.")
    first = list(queryset[:chunk_size])
    yield from first
    if len(first) < chunk_size:
        return
    last = first[-1]
    del first
    rest = rows_after(queryset, [getattr(last, name) for name in names]).iterator(chunk_size=chunk_size)
    try:
        yield from rest
    finally:
        rest.close()
