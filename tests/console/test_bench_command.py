"""`manage.py bench` on a small data set: every figure is measured and the query budgets are checked.

Timings are not asserted here (they belong to `make bench` on a quiet machine); the query counts are
deterministic, so they are."""

import contextlib
import json
import time
from http.cookies import SimpleCookie
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from billing.models import LedgerEntry, Order
from console.bench import QUERY_BUDGET, WRK_ROTATION, Figure, percentile, render_table
from console.management.commands.bench import PAGES, BackgroundWrites, Command
from console.management.commands.seed_bench import bench_partner_email
from organizations.models import User

# seed_bench --clients 15 --invoices 60: the small, large and huge partners.
SIZES = ("10 clients", "15 clients", "150 clients")


@pytest.fixture
def seeded(transactional_db, catalog):
    call_command("seed_bench", clients=15, invoices=60, stdout=StringIO())


@pytest.fixture
def bench_results(seeded, tmp_path):
    output = tmp_path / "bench.json"
    # A timing budget may be missed on a busy test machine; the file is written before the verdict.
    with contextlib.suppress(CommandError):
        call_command("bench", repeat=3, skip_load=True, output=str(output), stdout=StringIO())
    return json.loads(output.read_text())


def _figures(results) -> dict[str, dict]:
    return {figure["name"]: figure for figure in results["figures"]}


def test_every_page_costs_the_same_queries_at_every_size_as_a_plain_view_and_its_growth_is_measured(
    bench_results,
):
    """One bench run (each takes a while) for every page figure: the query budget at every size, the plain
    view beside each page with the same queries, and the growth from the large to the huge partner."""
    figures = _figures(bench_results)
    for page in PAGES:
        queries = {figures[f"{page} @ {size}"]["details"]["queries"] for size in SIZES}
        assert len(queries) == 1, page
        assert queries.pop() <= QUERY_BUDGET, page
        assert all(figures[f"{page} @ {size}"]["ok"] for size in SIZES), page

        reference = figures[f"{page} vs a plain view, same queries @ 15 clients"]
        assert reference["details"]["project"]["queries"] == reference["details"]["reference"]["queries"], (
            page
        )
        assert reference["baseline"] > 0
        assert "1.2 x the plain view" in reference["budget"]

        growth = figures[f"Growth: {page} @ 150 clients vs 15 clients"]
        budgeted = page in ("Managed Clients page", "API invoice list")
        assert ("1.5 x the large size's" in growth["budget"]) == budgeted, page

    # A token request costs at most one query more than a session's and writes nothing.
    [token] = [figure for name, figure in figures.items() if name.startswith("API invoice list with")]
    assert token["details"]["token"]["queries"] <= token["details"]["session"]["queries"] + 1
    assert token["details"]["token"]["writes"] == 0
    assert token["ok"]
    # The export and the money operations are measured; the large partner pays 60 invoices, one line each,
    # all within the last 12 months.
    assert "Export of 60 invoice rows" in figures
    assert "Issue an invoice and pay it from the wallet" in figures
    assert bench_results["database"] in ("sqlite", "postgresql")
    assert bench_results["sizes"] == dict(zip(("small", "large", "huge"), SIZES, strict=True))


def test_every_request_of_the_mixed_load_is_answered_200_for_its_session(seeded):
    command = Command(stdout=StringIO())
    command.users = {"large": User.objects.get(email=bench_partner_email("large"))}
    command.organizations = {"large": command.users["large"].memberships.get().organization}
    command.clients = {"large": command._signed_in_client(command.users["large"])}

    with override_settings(ROOT_URLCONF="console.bench_urls"):
        requests, sessions = command._mixed_requests()
        assert sessions == 16  # the partner, and the legal representative of each of its 15 clients
        for path, cookie in requests:
            browser = Client()
            browser.cookies = SimpleCookie(cookie)
            assert browser.get(path, secure=True).status_code == 200, path


def test_the_background_writes_renew_and_top_up_through_the_services(seeded):
    user = User.objects.get(email=bench_partner_email("large"))
    orders, entries = Order.objects.count(), LedgerEntry.objects.count()

    with BackgroundWrites(user, user.memberships.get().organization, per_second=20) as writes:
        time.sleep(0.5)

    assert writes.done > 0
    assert writes.errors == []
    assert Order.objects.count() > orders
    assert LedgerEntry.objects.count() > entries


def test_the_wrk_script_walks_every_pair_of_path_and_cookie():
    script = WRK_ROTATION % '{"/a", "sessionid=1"}, {"/b", "sessionid=2"}'
    assert 'wrk.format("GET", entry[1], {["Cookie"] = entry[2]})' in script
    assert "(turn % #requests) + 1" in script


def test_percentiles_and_the_table():
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 0.95) == 100.0
    table = render_table([Figure("Page", "ms", 4.0, baseline=2.0, budget="≤ 10 queries", ok=False)])
    assert "Page" in table
    assert "2.00" in table.splitlines()[2]
    assert "MISSED" in table
