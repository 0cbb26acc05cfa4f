"""Cashback payouts in a browser: a partner asks to pay its cashback out to its bank account, staff approve it
in the admin, and the money leaves the wallet once.

Léman Digital SA (a referenced partner, 10 % cashback) ordered two Web hostings (CHF 69.00 a year each) for
Helvetia Web AG, which pays them: CHF 13.80 of cashback in the partner's wallet.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billing import services
from billing.models import EntryKind, LedgerEntry, Payout, PayoutStatus, Wallet
from compliance.consent import CONSENT_COOKIE
from organizations.access import resolve_access
from organizations.models import ProductType, Role, User
from tests.factories import PASSWORD, OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member

NECESSARY_ONLY = "1:00:1764168000"
IBAN = "CH93 0076 2011 6238 5295 7"


def consented(page: Page, live_server) -> Page:
    page.context.add_cookies([{"url": live_server.url, "name": CONSENT_COOKIE, "value": NECESSARY_ONLY}])
    return page


@pytest.fixture
def partner(catalog):
    partner = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(organization=partner, cashback_rate=Decimal("0.100"))
    legal = member(partner, Role.LEGAL_REPRESENTATIVE, email="lena@leman.example", full_name="Lena Léman")
    client = OrganizationFactory(name="Helvetia Web AG", country="CH")
    member(client, Role.LEGAL_REPRESENTATIVE, email="owner@helvetia.example")
    PartnershipFactory(client=client, partner=partner, access="full", payment_method="client")
    hosting = ProductType.objects.get(slug="web-hosting")
    for name in ("shop.helvetia.ch", "blog.helvetia.ch"):
        services.product_order(access=resolve_access(legal, client), product_type=hosting, name=name)
    assert Wallet.objects.get(organization=partner).balance == Decimal("13.80")
    return partner


@pytest.fixture
def staff(db):
    staff = member(
        OrganizationFactory(name="Platform"), Role.LEGAL_REPRESENTATIVE, email="sam@platform.example"
    )
    User.objects.filter(pk=staff.pk).update(is_staff=True, is_superuser=True)
    return staff


def test_a_payout_approved_by_staff_leaves_the_wallet_once(
    new_page, sign_in, screenshot, partner, staff, live_server
):
    page = consented(new_page("light"), live_server)
    sign_in(page, "lena@leman.example", PASSWORD)

    # Billing → Wallet → Cashback payouts
    page.goto(f"/o/{partner.pk}/billing/wallet/")
    page.get_by_role("link", name="Cashback payouts").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cashback payouts")
    expect(page.get_by_test_id("payable-amount")).to_contain_text("13.80")

    # A mistyped IBAN is named on its field; nothing leaves the wallet.
    page.get_by_label("IBAN").fill("CH93 0076 2011 6238 5295 8")
    page.get_by_label("Account holder").fill("Léman Digital SA")
    page.get_by_role("button", name="Request a payout").click()
    expect(page.get_by_text("Enter a valid IBAN")).to_be_visible()
    screenshot(page, "light-payout-form-error")
    assert not Payout.objects.exists()

    page.get_by_label("IBAN").fill(IBAN)
    page.get_by_role("button", name="Request a payout").click()
    expect(page.get_by_role("status").filter(has_text=re.compile("has been requested"))).to_be_visible()
    expect(page.get_by_test_id("wallet-balance")).to_contain_text("0.00")
    expect(page.get_by_test_id("payouts")).to_contain_text("Requested")
    screenshot(page, "light-payouts-requested")

    # Staff approve it in the admin, twice: the second time changes nothing.
    admin = consented(new_page("light"), live_server)
    sign_in(admin, staff.email, PASSWORD)
    for attempt in range(2):
        admin.goto("/admin/billing/payout/")
        admin.locator("input[name=_selected_action]").first.check()
        admin.locator("select[name=action]").select_option("approve_payouts")
        admin.get_by_role("button", name=re.compile("Go|Run")).click()
        expected = "is paid out." if attempt == 0 else "already decided"
        expect(admin.locator(".messagelist")).to_contain_text(expected)
    screenshot(admin, "light-admin-payouts")

    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.PAID
    movements = LedgerEntry.objects.filter(wallet__organization=partner, kind=EntryKind.PAYOUT)
    assert [entry.amount for entry in movements] == [Decimal("-13.80")]
    assert Wallet.objects.get(organization=partner).balance == Decimal("0.00")

    page.reload()
    expect(page.get_by_test_id("payouts")).to_contain_text("Paid out")
    expect(page.get_by_test_id("wallet-balance")).to_contain_text("0.00")

    dark = consented(new_page("dark"), live_server)
    User.objects.filter(email="lena@leman.example").update(theme="dark")
    sign_in(dark, "lena@leman.example", PASSWORD)
    dark.goto(f"/o/{partner.pk}/billing/payouts/")
    expect(dark.get_by_test_id("payouts")).to_contain_text("Paid out")
    screenshot(dark, "dark-payouts-paid")
    dark.goto(f"/o/{partner.pk}/billing/wallet/")
    expect(dark.get_by_role("cell", name=re.compile("Cashback payout to CH93"))).to_be_visible()
    screenshot(dark, "dark-wallet-with-payout")
