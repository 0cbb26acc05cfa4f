"""Streamed files (CSV exports) whose failure is an error answer, not a truncated file."""

from collections.abc import Iterable, Iterator
from itertools import chain, islice

# The header and the first row: reading them runs the export's query.
STARTED_LINES = 2


def started(lines: Iterable[str]) -> Iterator[str]:
    """`lines`, with the first ones read now: a query that fails (bad input, the database) fails in the view,
    which answers an error, rather than after the 200 went out with a file cut short."""
    lines = iter(lines)
    first = list(islice(lines, STARTED_LINES))
    return chain(first, lines)
