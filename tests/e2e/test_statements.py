"""A partner's statement in a browser: Léman Digital SA downloads its statement for last month (PDF and CSV),
and its figures are those of its ledger.

Last month the partner ordered two Web hostings (CHF 69.00 a year each) for Helvetia Web AG, which pays
them (CHF 6.90 of cashback each), and one for Alpine Shop, for which it pays at its 15 % discount
(CHF 58.65 + 8.1 % VAT = CHF 63.40 on its invoice, CHF 10.35 saved); it had topped up CHF 100.00 first.
"""

import io
from datetime import datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from billing import services, statements
from billing.models import EntryKind, LedgerEntry, Wallet
from compliance.consent import CONSENT_COOKIE
from organizations.access import resolve_access
from organizations.models import ProductType, Role, User
from tests.factories import PASSWORD, OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member

NECESSARY_ONLY = "1:00:1764168000"


def consented(page: Page, live_server) -> Page:
    page.context.add_cookies([{"url": live_server.url, "name": CONSENT_COOKIE, "value": NECESSARY_ONLY}])
    return page


@pytest.fixture
def partner(catalog):
    partner = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(
        organization=partner, cashback_rate=Decimal("0.100"), reseller_discount_rate=Decimal("0.150")
    )
    legal = member(partner, Role.LEGAL_REPRESENTATIVE, email="lena@leman.example", full_name="Lena Léman")
    helvetia = OrganizationFactory(name="Helvetia Web AG", country="CH")
    alpine = OrganizationFactory(name="Alpine Shop", country="CH")
    PartnershipFactory(client=helvetia, partner=partner, access="full", payment_method="client")
    PartnershipFactory(client=alpine, partner=partner, access="full", payment_method="partner")
    hosting = ProductType.objects.get(slug="web-hosting")
    last_month = statements.previous_month(timezone.localdate())
    noon = datetime.combine(last_month, time(12), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(noon, tick=False):
        services.wallet_top_up(access=resolve_access(legal, partner), amount=Decimal("100.00"))
        for client, name in (
            (helvetia, "shop.helvetia.ch"),
            (helvetia, "blog.helvetia.ch"),
            (alpine, "alpine.ch"),
        ):
            services.product_order(access=resolve_access(legal, client), product_type=hosting, name=name)
    return partner


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_partner_downloads_its_statement_for_last_month(
    new_page, sign_in, screenshot, partner, live_server, theme
):
    User.objects.filter(email="lena@leman.example").update(theme=theme)
    page = consented(new_page(theme), live_server)
    sign_in(page, "lena@leman.example", PASSWORD)
    last_month = statements.previous_month(timezone.localdate())

    # Billing → Statements → the month → Get the statement
    page.goto(f"/o/{partner.pk}/billing/invoices/")
    page.get_by_role("navigation", name="Billing").get_by_role("link", name="Statements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statements")
    page.get_by_label("Month", exact=True).select_option(f"{last_month:%Y-%m}")
    page.get_by_role("button", name="Get the statement").click()
    expect(page.get_by_role("status").filter(has_text="is ready")).to_be_visible()
    row = page.get_by_test_id("statements").get_by_role("row").nth(1)
    expect(row).to_contain_text("13.80")
    expect(row).to_contain_text("10.35")
    expect(row).to_contain_text("63.40")
    screenshot(page, f"{theme}-statements")

    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"statement-{last_month:%Y-%m}.pdf"
    text = "".join(
        sheet.extract_text() for sheet in PdfReader(io.BytesIO(download_path_bytes(download))).pages
    )
    with page.expect_download() as csv_info:
        row.get_by_role("link", name="CSV").click()
    csv = download_path_bytes(csv_info.value).decode()

    # The figures are the ledger's.
    cashback = sum(
        entry.amount
        for entry in LedgerEntry.objects.filter(wallet__organization=partner, kind=EntryKind.CASHBACK)
    )
    balance = Wallet.objects.get(organization=partner).balance
    assert cashback == Decimal("13.80")
    assert balance == Decimal("100.00") - Decimal("63.40") + Decimal("13.80")
    assert "Partner statement" in text
    assert "Helvetia Web AG" in text
    assert "13.80" in text
    assert f"{balance}" in text
    assert f"balance,{last_month.isoformat()},,,,opening,CHF,0.00," in csv
    assert f",closing,CHF,{balance}," in csv
    assert "reseller_savings," in csv
    assert ",Alpine Shop,alpine.ch,Web hosting,new,CHF,10.35," in csv


def download_path_bytes(download) -> bytes:
    with open(download.path(), "rb") as file:
        return file.read()
