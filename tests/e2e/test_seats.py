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


# Partner roles per grant

CLIENT_EMAIL = "ines.roth@bergkraft.example"
CLIENT_PASSWORD = "bergkraft-passphrase-2026"
PARTNER_EMAIL = "jon.weber@netzwerk.example"
PARTNER_PASSWORD = "netzwerk-passphrase-2026"


@pytest.fixture
def technical(catalog, settings, live_server):
    """Bergkraft AG, whose partner Netzwerk Agentur has Technical access (invited, then accepted)."""
    from partners import services as partner_services

    settings.SITE_URL = live_server.url
    client_user, client = signed_up(
        email=CLIENT_EMAIL,
        password=CLIENT_PASSWORD,
        full_name="Ines Roth",
        organization="Bergkraft AG",
        vat_number="CHE-107.787.577 MWST",
        address={"street": "Bergstrasse 1", "postal_code": "3011", "city": "Bern"},
    )
    partner_user, partner = signed_up(
        email=PARTNER_EMAIL,
        password=PARTNER_PASSWORD,
        full_name="Jon Weber",
        organization="Netzwerk Agentur",
        vat_number="CHE-109.322.551 MWST",
        address={"street": "Marktgasse 2", "postal_code": "3011", "city": "Bern"},
    )
    partner_services.partner_profile_save(
        organization=partner, by=None, public_name="Netzwerk Agentur", contact_email=PARTNER_EMAIL
    )
    billing_services.product_order(
        access=resolve_access(client_user, client),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="bergkraft.ch",
    )
    invitation = partner_services.partnership_invite(
        access=resolve_access(client_user, client),
        partner=partner,
        access_level="technical",
        password_confirmed=True,
    )
    partner_services.partnership_accept(access=resolve_access(partner_user, partner), partnership=invitation)
    return client, invitation


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_a_technical_partner_manages_products_but_cannot_open_users(
    technical, new_page, sign_in, screenshot, browser_errors, color_scheme
):
    client, _partnership = technical
    browser_errors.allow(r"status of 403 .*/settings/users/")
    page = new_page(color_scheme)
    sign_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)

    page.goto(f"/o/{client.pk}/")
    sidebar = page.get_by_role("navigation", name="Main menu")
    expect(sidebar.get_by_text("Partner (Technical)")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Products")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Settings")).to_have_count(0)
    sidebar.get_by_role("link", name="Products").click()
    expect(page.get_by_text("bergkraft.ch").first).to_be_visible()

    response = page.goto(f"/o/{client.pk}/settings/users/")
    assert response.status == 403
    expect(page.get_by_text("Your role (Partner (Technical)) does not allow this page.")).to_be_visible()
    screenshot(page, f"seats-technical-partner-users-refused-{color_scheme}")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_client_reads_what_each_access_allows_and_makes_its_partner_read_only(
    technical, new_page, sign_in, screenshot, color_scheme
):
    client, partnership = technical
    page = new_page(color_scheme)
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)

    page.goto(f"/o/{client.pk}/partners/{partnership.pk}/")
    expect(page.get_by_test_id("partner-access")).to_have_text("Technical")
    page.get_by_role("link", name="Change the access").click()
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    page.get_by_label("Password").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="What may Netzwerk Agentur do?")).to_be_visible()
    choices = page.get_by_test_id("access-choices")
    for words in ("sees only the invoices it paid", "changes nothing", "manages, renews and orders"):
        expect(choices).to_contain_text(words)
    expect(page.get_by_role("radio", name=re.compile(r"^Technical\b"))).to_be_checked()
    screenshot(page, f"seats-partner-access-edit-{color_scheme}")
    page.locator("label.choice-card[for=access-read_only]").click()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("partner-access")).to_have_text("Read-only")
    screenshot(page, f"seats-partner-detail-read-only-{color_scheme}")
