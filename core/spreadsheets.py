"""CSV files that spreadsheets open safely: RFC 4180, UTF-8, streamed row by row."""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value) -> str:
    """The cell's text, with a leading quote where a spreadsheet would otherwise run it as a formula.

    Numbers written by us (amounts, counts) are safe as they are: a negative amount stays "-12.50".
    """
    # Exact types first: an export calls this for every cell, and these are nearly all of them.
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
    if kind is Decimal or kind is int:
        return str(value)
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Line:
    """A file-like object whose `write` hands back what `csv.writer` wrote, so rows stream one at a time."""

    def write(self, text: str) -> str:
        return text


def close(iterable: Iterable) -> None:
    """Close `iterable` if it can be (a generator: its `finally` runs now, e.g. closing a database cursor)."""
    closer = getattr(iterable, "close", None)
    if closer is not None:
        closer()


def csv_lines(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header then each row as one CRLF-terminated CSV line, every cell neutralised."""

    def safe_rows():
        try:
            for row in rows:
                yield [neutralise_cell(cell) for cell in row]
        finally:
            close(rows)

    return safe_csv_lines(header, safe_rows())


def safe_csv_lines(header: Iterable[str], safe_rows: Iterable[Iterable]) -> Iterator[str]:
    """As `csv_lines`, for rows whose cells the caller already made safe: text through `neutralise_cell`,
    integers, and numbers or days it formatted itself (which start no formula). A large export saves the
    per-cell check this way."""
    writer = csv.writer(_Line())
    try:
        yield writer.writerow([neutralise_cell(title) for title in header])
        for row in safe_rows:
            yield writer.writerow(row)
    finally:
        close(safe_rows)


def csv_response(filename: str, lines: Iterable[str]) -> StreamingHttpResponse:
    """A streamed `text/csv` download; the browser saves it under `filename`. Closing the response (the server
    does when it is done with it, read to the end or not) closes `lines`, and whatever they read from."""

    def encoded():
        try:
            for line in lines:
                yield line.encode()
        finally:
            close(lines)

    response = StreamingHttpResponse(encoded(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
