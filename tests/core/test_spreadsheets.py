import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheets import FORMULA_TRIGGERS, csv_lines, csv_response, neutralise_cell


def _parse(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines), newline="")))


@given(trigger=st.sampled_from(FORMULA_TRIGGERS), rest=st.text())
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_a_quote(trigger, rest):
    cell = neutralise_cell(trigger + rest)
    assert cell == "'" + trigger + rest
    [[parsed]] = _parse(csv_lines(["x"], [[trigger + rest]]))[1:]
    assert not parsed.startswith(FORMULA_TRIGGERS)


@given(text=st.text().filter(lambda text: not text.startswith(FORMULA_TRIGGERS)))
def test_other_text_is_written_unchanged_and_reads_back_the_same(text):
    [[parsed]] = _parse(csv_lines(["x"], [[text]]))[1:]
    assert parsed == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("-12.50"), "-12.50"),
        (Decimal("0.00"), "0.00"),
        (7, "7"),
        (None, ""),
        (True, "yes"),
        (date(2026, 11, 26), "2026-11-26"),
        (datetime(2026, 11, 26, 9, 30, tzinfo=UTC), "2026-11-26T09:30:00+00:00"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
    ],
)
def test_values_we_write_ourselves(value, expected):
    assert neutralise_cell(value) == expected


def test_lines_follow_rfc_4180_with_a_header_and_crlf():
    lines = list(csv_lines(["Name", "Amount"], [['Müller, "AG"', Decimal("1.50")]]))
    assert lines == ["Name,Amount\r\n", '"Müller, ""AG""",1.50\r\n']


def test_the_response_streams_utf8_csv_under_a_filename():
    response = csv_response("invoices.csv", csv_lines(["Name"], [["Zürich"]]))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="invoices.csv"'
    assert b"".join(response.streaming_content) == "Name\r\nZürich\r\n".encode()


def test_rows_are_produced_one_at_a_time():
    produced = []

    def rows():
        for number in range(3):
            produced.append(number)
            yield [number]

    lines = csv_lines(["n"], rows())
    assert next(lines) == "n\r\n"
    assert next(lines) == "0\r\n"
    assert produced == [0]
