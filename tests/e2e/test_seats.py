"""Seats in a browser: an accountant reads and downloads the invoices and cannot top up the wallet."""

import re

import pytest
from playwright.sync_api import expect

from billing import services as billing_services
from organizations import services as organization_services
from organizations.access import resolve_access
from organizations.models import ProductType, Role, User
from tests.e2e.conftest import signed_up

OWNER_EMAIL = "mara.frei@alpenglas.example"
OWNER_PASSWORD = "alpenglas-passphrase-2026"
ACCOUNTANT_EMAIL = "tim.berger@treuhand.example"
ACCOUNTANT_PASSWORD = "treuhand-passphrase-2026"


@pytest.fixture
def books(catalog, settings, live_server):
    """Alpenglas AG with one invoice (web hosting, due), and Tim Berger, its accountant."""
    settings.SITE_URL = live_server.url
    owner, organization = signed_up(
        email=OWNER_EMAIL,
        password=OWNER_PASSWORD,
        full_name="Mara Frei",
        organization="Alpenglas AG",
        vat_number="CHE-107.787.577 MWST",
        address={"street": "Seestrasse 5", "postal_code": "6004", "city": "Luzern"},
    )
    access = resolve_access(owner, organization)
    billing_services.product_order(
        access=access, product_type=ProductType.objects.get(slug="web-hosting"), name="alpenglas.ch"
    )
    User.objects.create_user(ACCOUNTANT_EMAIL, ACCOUNTANT_PASSWORD, full_name="Tim Berger")
    organization_services.membership_add(access=access, email=ACCOUNTANT_EMAIL, role=Role.ACCOUNTANT)
    return organization


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_an_accountant_downloads_an_invoice_pdf_and_cannot_top_up(
    books, new_page, sign_in, screenshot, browser_errors, color_scheme
):
    browser_errors.allow(r"status of 403 .*/products/order/")
    page = new_page(color_scheme)
    sign_in(page, ACCOUNTANT_EMAIL, ACCOUNTANT_PASSWORD)

    sidebar = page.get_by_role("navigation", name="Main menu")
    expect(sidebar.get_by_role("link", name="Billing")).to_be_visible()
    expect(sidebar.get_by_role("link", name="API tokens")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Products")).to_have_count(0)
    expect(sidebar.get_by_role("link", name="Settings")).to_have_count(0)
    expect(sidebar.get_by_text("Accountant", exact=True)).to_be_visible()
    screenshot(page, f"seats-accountant-dashboard-{color_scheme}")

    sidebar.get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    screenshot(page, f"seats-accountant-invoices-{color_scheme}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download .* as PDF$")).first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    with page.expect_download() as export_info:
        page.get_by_role("link", name="Export").click()
    assert export_info.value.suggested_filename.endswith(".csv")

    page.get_by_role("link", name="Wallet").click()
    expect(page.get_by_test_id("wallet-balance")).to_be_visible()
    expect(page.get_by_role("button", name="Top up")).to_have_count(0)
    expect(page.get_by_test_id("top-up-not-allowed")).to_contain_text("Your role (Accountant)")
    screenshot(page, f"seats-accountant-wallet-{color_scheme}")

    response = page.goto(page.url.replace("/billing/wallet/", "/products/order/"))
    assert response.status == 403
    expect(page.get_by_text("Your role (Accountant) does not allow this page.")).to_be_visible()
