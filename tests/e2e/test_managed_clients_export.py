"""The guide "export billing information related to Managed Clients", followed in a browser.

Reseller Area → Managed Clients → Download → type of history → period → the blue Export button → a CSV file;
then ticking two clients → the menu at the bottom of the page → a file of only those clients. Pixel Agency
manages three clients: it pays for Client AG and Chalet SA, and Berg GmbH pays its own orders.
"""

import csv
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from billing import services
from billing.models import BillingExportJob
from organizations.access import resolve_access
from organizations.models import Organization, ProductType, Role, User
from tests.e2e.test_partner_guides import heading, open_managed_clients
from tests.factories import PASSWORD, OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member

PARTNER_EMAIL = "nora.brunner@pixel-agency.example"


@dataclass
class Reseller:
    partner: Organization
    user: User
    clients: dict[str, Organization]


@pytest.fixture
def reseller(catalog) -> Reseller:
    partner = PartnerProfileFactory(
        organization=OrganizationFactory(name="Pixel Agency GmbH", country="CH", is_referenced_partner=True)
    ).organization
    user = member(partner, Role.LEGAL_REPRESENTATIVE, email=PARTNER_EMAIL, full_name="Nora Brunner")
    web_hosting = ProductType.objects.get(slug="web-hosting")
    clients = {}
    for name, payment_method in [("Client AG", "partner"), ("Berg GmbH", "client"), ("Chalet SA", "partner")]:
        client = OrganizationFactory(name=name, country="CH")
        member(client, Role.LEGAL_REPRESENTATIVE)
        PartnershipFactory(client=client, partner=partner, access="full", payment_method=payment_method)
        services.product_order(
            access=resolve_access(user, client),
            product_type=web_hosting,
            name=f"www.{name.split()[0].lower()}.ch",
        )
        clients[name] = client
    return Reseller(partner=partner, user=user, clients=clients)


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def export(page: Page, history: str, period: str) -> list[list[str]]:
    """Choose the type of history, then the period, then click the blue Export button."""
    dialog = page.get_by_role("dialog", name="Export the billing history")
    expect(dialog).to_be_visible()
    dialog.get_by_label(history, exact=True).check()
    dialog.get_by_label("Period").select_option(label=period)
    export_button = dialog.get_by_role("button", name="Export")
    expect(export_button).to_have_class(r"btn btn-primary")
    with page.expect_download() as download_info:
        export_button.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    expect(dialog.get_by_role("status")).to_contain_text("is downloading")
    return rows_of(Path(download.path()))


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_download_exports_all_managed_clients(page, sign_in, screenshot, reseller, color_scheme):
    sign_in(page, PARTNER_EMAIL, PASSWORD)
    open_managed_clients(page)
    expect(page.get_by_role("row")).to_have_count(4)
    screenshot(page, f"managed-clients-table-{color_scheme}")

    download = page.get_by_role("button", name="Download")
    download.click()
    dialog = page.get_by_role("dialog", name="Export the billing history")
    expect(dialog).to_contain_text("All your managed clients")
    dialog.get_by_label("Invoices", exact=True).check()
    screenshot(page, f"managed-clients-download-dialog-{color_scheme}")
    rows = export(page, "Invoices", "This month")

    assert rows[0][:6] == ["Invoice", "Type", "Issued on", "Status", "Client ID", "Client"]
    # The partner paid for Client AG and Chalet SA: 69.00 less 15 % = 58.65, plus 8.1 % VAT = 63.40 CHF.
    assert sorted((row[5], row[13], row[14]) for row in rows[1:]) == [
        ("Chalet SA", "63.40", "CHF"),
        ("Client AG", "63.40", "CHF"),
    ]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_ticked_clients_are_exported_from_the_bar_at_the_bottom(
    page, sign_in, screenshot, reseller, color_scheme
):
    sign_in(page, PARTNER_EMAIL, PASSWORD)
    open_managed_clients(page)
    bar = page.get_by_role("region", name="Selected clients")
    expect(bar).to_be_hidden()

    page.get_by_role("checkbox", name="Select Client AG").check()
    page.get_by_role("checkbox", name="Select Berg GmbH").check()
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("2 clients selected")
    screenshot(page, f"managed-clients-selection-bar-{color_scheme}")

    bar.get_by_role("button", name="Export the billing history").click()
    dialog = page.get_by_role("dialog", name="Export the billing history")
    expect(dialog).to_contain_text("2 ticked clients")
    rows = export(page, "Orders and renewals", "This month")

    assert rows[0][:4] == ["Order", "Date", "Client ID", "Client"]
    assert sorted(row[3] for row in rows[1:]) == ["Berg GmbH", "Client AG"]
    expect(heading(page)).to_have_text("Managed Clients")


def test_a_wrong_period_is_explained_in_the_dialog(page, sign_in, screenshot, reseller):
    sign_in(page, PARTNER_EMAIL, PASSWORD)
    open_managed_clients(page)
    page.get_by_role("button", name="Download").click()
    dialog = page.get_by_role("dialog", name="Export the billing history")
    dialog.get_by_label("Cashback", exact=True).check()
    dialog.get_by_label("Period").select_option(label="From / to dates")
    dialog.get_by_label("From").fill("2026-02-01")
    dialog.get_by_label("To", exact=True).fill("2026-01-31")
    dialog.get_by_role("button", name="Export").click()

    expect(dialog.get_by_text("The last day is before the first day.")).to_be_visible()
    screenshot(page, "managed-clients-download-dialog-error")


def export_orders_of_the_last_12_months(page: Page, sign_in):
    """As the partner: Managed Clients → Download → Orders and renewals → Last 12 months → Export."""
    sign_in(page, PARTNER_EMAIL, PASSWORD)
    open_managed_clients(page)
    page.get_by_role("button", name="Download").click()
    dialog = page.get_by_role("dialog", name="Export the billing history")
    dialog.get_by_label("Orders and renewals", exact=True).check()
    dialog.get_by_label("Period").select_option(label="Last 12 months")
    dialog.get_by_role("button", name="Export").click()
    return dialog


def assert_download_has_every_client(page: Page, dialog) -> None:
    with page.expect_download() as download_info:
        dialog.get_by_role("link", name="Download").click()
    rows = rows_of(Path(download_info.value.path()))
    assert sorted(row[3] for row in rows[1:]) == ["Berg GmbH", "Chalet SA", "Client AG"]


def test_a_large_export_shows_its_progress_then_a_download_link(
    page, sign_in, screenshot, reseller, settings
):
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 1
    dialog = export_orders_of_the_last_12_months(page, sign_in)

    expect(dialog.get_by_role("status")).to_contain_text("is ready: 3 rows")
    expect(dialog.get_by_role("progressbar", name="Export progress")).to_be_visible()
    screenshot(page, "managed-clients-export-ready")
    assert_download_has_every_client(page, dialog)


def test_a_large_export_runs_in_the_background_while_the_page_shows_its_progress(
    shared_database, page, sign_in, screenshot, reseller, settings, monkeypatch
):
    """With the default task backend the Export click returns at once: the dialog shows the file being
    prepared (0 %), then, when the task has written it, the download link. The task thread writes while the
    page reads, as on the console's database (see `shared_database`)."""
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "console.task_backends.ThreadBackend"}}
    go_on = threading.Event()
    write_lines = services.export_lines

    def lines_once_allowed(export):
        go_on.wait(timeout=30)
        yield from write_lines(export)

    monkeypatch.setattr(services, "export_lines", lines_once_allowed)
    dialog = export_orders_of_the_last_12_months(page, sign_in)

    expect(dialog.get_by_role("status")).to_contain_text("0 of 3 rows")
    screenshot(page, "managed-clients-export-preparing")
    go_on.set()
    expect(dialog.get_by_role("status")).to_contain_text("is ready: 3 rows")
    assert_download_has_every_client(page, dialog)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_select_all_matching_exports_every_client_of_the_filter_on_every_page(
    page, sign_in, screenshot, reseller, monkeypatch, color_scheme
):
    monkeypatch.setattr("partners.views.MANAGED_CLIENTS_PER_PAGE", 1)
    sign_in(page, PARTNER_EMAIL, PASSWORD)
    open_managed_clients(page)
    page.get_by_label("Who pays").select_option(label="The partner")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("client-count")).to_have_text("2 clients matching the filters")

    page.get_by_role("checkbox", name="Select every client on this page").check()
    bar = page.get_by_role("region", name="Selected clients")
    bar.get_by_role("button", name="Select all 2 matching clients").click()
    expect(bar).to_contain_text("All 2 matching clients selected")
    screenshot(page, f"managed-clients-select-all-matching-{color_scheme}")
    bar.get_by_role("button", name="Export the billing history").click()
    dialog = page.get_by_role("dialog", name="Export the billing history")
    expect(dialog).to_contain_text("All 2 clients matching the table's filters")
    rows = export(page, "Orders and renewals", "This month")

    # Chalet SA is on the second page; Berg GmbH pays its own orders and is not in the filter.
    assert sorted(row[3] for row in rows[1:]) == ["Chalet SA", "Client AG"]
    job = BillingExportJob.objects.get()
    assert (job.client_ids, job.client_filter["payment_method"]) == ([], "partner")
