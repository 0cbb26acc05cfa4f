"""Streamed files (CSV exports) whose failure is an error answer, not a truncated file."""

from collections.abc import Iterable, Iterator
from itertools import islice

from core.spreadsheets import close

# The header and the first row: reading them runs the export's query.
STARTED_LINES = 2


def started(lines: Iterable[str]) -> Iterator[str]:
    """`lines`, with the first ones read now: a query that fails (bad input, the database) fails in the view,
    which answers an error, rather than after the 200 went out with a file cut short. The lines are read as
    `core.streams` says, so the first ones hold no database cursor: a response never read holds none."""
    lines = iter(lines)
    first = list(islice(lines, STARTED_LINES))
    return _then(first, lines)


def _then(first: list[str], lines: Iterator[str]) -> Iterator[str]:
    """`first`, then the rest of `lines`, which are closed when this is."""
    try:
        yield from first
        yield from lines
    finally:
        close(lines)
