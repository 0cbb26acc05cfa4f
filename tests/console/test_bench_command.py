"""`manage.py bench` on a small data set: every figure is measured and the query budgets are checked.

Timings are not asserted here (they belong to `make bench` on a quiet machine); the query counts are
deterministic, so they are."""

import contextlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from console.bench import Figure, percentile, render_table


@pytest.fixture
def bench_results(transactional_db, catalog, tmp_path, settings):
    call_command("seed_bench", clients=15, invoices=60, stdout=StringIO())
    output = tmp_path / "bench.json"
    # A timing budget may be missed on a busy test machine; the file is written before the verdict.
    with contextlib.suppress(CommandError):
        call_command("bench", repeat=3, skip_load=True, output=str(output), stdout=StringIO())
    return json.loads(output.read_text())


def test_every_page_and_endpoint_stays_within_ten_queries_at_both_sizes(bench_results):
    figures = {figure["name"]: figure for figure in bench_results["figures"]}
    for page in ("Managed Clients page", "Invoices page", "Dashboard", "API invoice list"):
        small, large = figures[f"{page} @ 10 clients"], figures[f"{page} @ 15 clients"]
        assert small["details"]["queries"] <= 10, page
        assert small["details"]["queries"] == large["details"]["queries"], page
        assert small["ok"], page
        assert large["ok"], page


def test_a_token_request_costs_at_most_one_query_more_than_a_session_and_writes_nothing(bench_results):
    [token] = [
        figure for figure in bench_results["figures"] if figure["name"].startswith("API invoice list with")
    ]
    assert token["details"]["token"]["queries"] <= token["details"]["session"]["queries"] + 1
    assert token["details"]["token"]["writes"] == 0
    assert token["ok"]


def test_the_export_and_the_money_operations_are_measured(bench_results):
    names = [figure["name"] for figure in bench_results["figures"]]
    # The large partner pays 60 invoices, one line each, all within the last 12 months.
    assert "Export of 60 invoice rows" in names
    assert "Issue an invoice and pay it from the wallet" in names
    assert bench_results["database"] in ("sqlite", "postgresql")


def test_percentiles_and_the_table():
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 0.95) == 100.0
    table = render_table([Figure("Page", "ms", 4.0, baseline=2.0, budget="≤ 10 queries", ok=False)])
    assert "Page" in table
    assert "2.00" in table.splitlines()[2]
    assert "MISSED" in table
