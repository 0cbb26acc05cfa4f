"""The guide "Generate an Infomaniak API Token" in a browser: API tokens → Create a token → product →
validity → Create a token → password → the token, shown once and copied; then a script lists the invoices
with it over HTTP, as the README shows."""

import json
import re
import time
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from billing import services as billing_services
from billing.models import Invoice
from organizations.access import resolve_access
from organizations.models import ProductType
from tests.e2e.conftest import signed_up
from tests.factories import PartnershipFactory
from tokens.models import ApiToken

EMAIL = "mia.rossi@atelier-rossi.example"
PASSWORD = "atelier-rossi-passphrase-2026"
ORGANIZATION = "Atelier Rossi Sagl"


@pytest.fixture
def atelier(catalog, settings, live_server):
    settings.SITE_URL = live_server.url
    user, organization = signed_up(
        email=EMAIL,
        password=PASSWORD,
        full_name="Mia Rossi",
        organization=ORGANIZATION,
        address={"street": "Via Nassa 5", "postal_code": "6900", "city": "Lugano"},
    )
    access = resolve_access(user, organization)
    billing_services.product_order(
        access=access, product_type=ProductType.objects.get(slug="web-hosting"), name="atelier-rossi.example"
    )
    return organization


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_create_a_token_in_the_console_and_list_invoices_with_it(
    page: Page, sign_in, screenshot, atelier, live_server, color_scheme
):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, EMAIL, PASSWORD)

    # Settings → API tokens
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("You have no API token yet.")).to_be_visible()

    # The blue Create a token button → the product → the validity period.
    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Application").select_option(label="Manager API")
    expect(
        page.get_by_role("checkbox", name="Billing: addresses, orders, renewals, invoices, wallet: read")
    ).to_be_checked()
    expect(page.get_by_role("checkbox", name="Newsletter API: read")).to_be_hidden()
    page.get_by_label("Name").fill("Accounting export")
    expect(page.get_by_label("Valid until (included)")).to_be_hidden()
    page.get_by_text("Until a date", exact=True).click()
    until = (timezone.localdate() + timedelta(days=90)).isoformat()
    page.get_by_label("Valid until (included)").fill(until)
    screenshot(page, f"api-tokens-1-create-{color_scheme}")
    page.get_by_role("button", name="Create a token").click()

    # The Manager login password, as requested.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("The password is not correct.")).to_be_visible()
    assert not ApiToken.objects.exists()
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, f"api-tokens-2-password-{color_scheme}")
    page.get_by_role("button", name="Confirm").click()

    # The token, shown once: copy it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new token")
    token = page.get_by_test_id("new-token").input_value()
    assert re.fullmatch(r"mgr_[0-9A-Za-z]{36}", token)
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    screenshot(page, f"api-tokens-3-shown-once-{color_scheme}")

    page.get_by_role("link", name="Done").click()
    row = page.get_by_test_id("token-row")
    expect(row).to_contain_text("Accounting export")
    expect(row).to_contain_text(f"mgr_…{token[-4:]}")
    expect(row).to_contain_text("Manager API")
    expect(row).to_contain_text("Never")
    expect(row).to_contain_text("Active")
    assert token not in page.content()
    screenshot(page, f"api-tokens-4-list-{color_scheme}")

    # A script lists the invoices with the token.
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/organizations/{atelier.pk}/invoices",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        invoices = json.load(response)
    assert [invoice["id"] for invoice in invoices["results"]] == [Invoice.objects.get().pk]
    assert invoices["results"][0]["number"].startswith("INV")

    # The page now shows when and from where it was last used; revoke it.
    page.reload()
    expect(row).to_contain_text("127.0.0.1")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("1 token revoked.")).to_be_visible()
    expect(row).to_contain_text("Revoked")
    assert ApiToken.objects.get().status == "revoked"


def create_a_token(page: Page, name: str) -> None:
    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Application").select_option(label="Manager API")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create a token").click()


def test_the_password_window_in_the_browser(page: Page, sign_in, atelier, settings):
    """Outside the window every sensitive action asks the password; within it neither creating a token nor
    who pays asks it again; once it has passed, it is asked again."""
    settings.SUDO_WINDOW = 4
    partnership = PartnershipFactory(client=atelier, access="full")
    who_pays = f"/o/{atelier.pk}/partners/{partnership.pk}/payment/"
    tokens_page = f"/o/{atelier.pk}/settings/api-tokens/"
    sign_in(page, EMAIL, PASSWORD)

    page.goto(who_pays)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    page.goto(tokens_page)
    create_a_token(page, "First")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new token")
    confirmed_at = time.monotonic()

    # Within the window: no password.
    page.goto(tokens_page)
    create_a_token(page, "Second")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new token")
    page.goto(who_pays)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who pays for {ORGANIZATION}?")
    assert time.monotonic() - confirmed_at < settings.SUDO_WINDOW, "the window closed during the test"

    # Once it has passed: asked again, and nothing created meanwhile.
    time.sleep(max(0.0, settings.SUDO_WINDOW + 0.5 - (time.monotonic() - confirmed_at)))
    page.goto(tokens_page)
    create_a_token(page, "Third")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["First", "Second"]
    page.goto(who_pays)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your password")
