"""Billing in a browser: a partner that pays orders for its client; a client tops up its wallet and pays.

The data is built through the services, as the console itself would: a Swiss client company and a referenced
Swiss partner agency (20 % reseller discount, 10 % cashback), each with a default billing address, in a
Full partnership where the partner pays. The expected amounts are computed here from the catalog price and
the Swiss VAT rate, independently of billing.money.
"""

import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry, Order, Wallet
from organizations.access import resolve_access
from organizations.models import Organization, Product, ProductType, User
from partners import services as partner_services
from partners.models import Access as AccessLevel
from partners.models import PaymentMethod
from tests.e2e.conftest import signed_up

CLIENT = "Client AG"
CLIENT_EMAIL = "lea.keller@client-ag.example"
CLIENT_PASSWORD = "client-ag-passphrase-2026"
PARTNER = "Pixel Agency GmbH"
PARTNER_EMAIL = "nora.brunner@pixel-agency.example"
PARTNER_PASSWORD = "pixel-agency-passphrase-2026"
RESELLER_DISCOUNT = Decimal("0.20")
CASHBACK = Decimal("0.10")
SWISS_VAT = Decimal("0.081")  # the standard rate since 2024-01-01
PRODUCT_TYPE = "Web hosting"
PRODUCT_SLUG = "web-hosting"


def money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def with_swiss_vat(net: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    net = money(net)
    tax = money(net * SWISS_VAT)
    return net, tax, net + tax


@dataclass
class Billing:
    client: Organization
    client_user: User
    partner: Organization
    partner_user: User
    public_price: Decimal


@pytest.fixture
def billing(catalog, settings, live_server) -> Billing:
    """Client AG and Pixel Agency (a referenced partner), each in CH with a default billing address, in a
    Full partnership where the partner pays, accepted."""
    settings.SITE_URL = live_server.url
    client_vat, partner_vat = "CHE-107.787.577 MWST", "CHE-109.322.551 MWST"
    client_user, client = signed_up(
        email=CLIENT_EMAIL,
        password=CLIENT_PASSWORD,
        full_name="Lea Keller",
        organization=CLIENT,
        vat_number=client_vat,
        address={
            "street": "Bahnhofstrasse 10",
            "postal_code": "8001",
            "city": "Zürich",
            "email": "billing@client-ag.example",
            "vat_number": client_vat,
        },
    )
    partner_user, partner = signed_up(
        email=PARTNER_EMAIL,
        password=PARTNER_PASSWORD,
        full_name="Nora Brunner",
        organization=PARTNER,
        vat_number=partner_vat,
        address={
            "street": "Limmatquai 3",
            "postal_code": "8001",
            "city": "Zürich",
            "email": "accounts@pixel-agency.example",
            "vat_number": partner_vat,
        },
    )
    partner_services.partner_profile_save(
        organization=partner,
        by=None,
        public_name=PARTNER,
        contact_email="hello@pixel-agency.example",
        description="Websites and mail for Swiss SMEs.",
        reseller_discount_rate=RESELLER_DISCOUNT,
        cashback_rate=CASHBACK,
    )
    partner.refresh_from_db()
    partnership = partner_services.partnership_invite(
        access=resolve_access(client_user, client),
        partner=partner,
        access_level=AccessLevel.FULL,
        payment_method=PaymentMethod.PARTNER,
        password_confirmed=True,
    )
    partner_services.partnership_accept(access=resolve_access(partner_user, partner), partnership=partnership)
    return Billing(
        client=client,
        client_user=client_user,
        partner=partner,
        partner_user=partner_user,
        public_price=ProductType.objects.get(slug=PRODUCT_SLUG).price_chf,
    )


def sidebar(page: Page):
    return page.get_by_role("navigation", name="Main menu")


def billing_nav(page: Page):
    return page.get_by_role("navigation", name="Billing")


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def status_message(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"\S"))


def switch_organization(page: Page, name: str) -> None:
    """The organization switcher at the top of the sidebar, then the organization's name."""
    sidebar(page).locator(".org-switcher").click()
    sidebar(page).get_by_role("link", name=name, exact=True).click()
    expect(heading(page)).to_have_text(name)


def open_invoices(page: Page) -> None:
    sidebar(page).get_by_role("link", name="Billing").click()
    expect(heading(page)).to_have_text("Invoices")
    expect(billing_nav(page).get_by_role("link", name="Invoices")).to_have_attribute("aria-current", "page")


def open_wallet(page: Page) -> None:
    open_invoices(page)
    billing_nav(page).get_by_role("link", name="Wallet").click()
    expect(heading(page)).to_have_text("Wallet")


def order_product(
    page: Page, screenshot, *, name: str, expected_card_text: list[str], struck: str | None, shot: str
) -> None:
    """Products → Order a product → the Web hosting card (its price; `struck`, the public price struck
    through, if any) → a name → Order."""
    sidebar(page).get_by_role("link", name="Products").click()
    expect(heading(page)).to_have_text("Products")
    page.get_by_role("link", name="Order a product").click()
    expect(heading(page)).to_have_text("Order a product")
    card = page.locator("label.choice-card").filter(has=page.get_by_text(PRODUCT_TYPE, exact=True))
    expect(card).to_have_count(1)
    for text in expected_card_text:
        expect(card).to_contain_text(text)
    if struck is None:
        expect(card.locator("s")).to_have_count(0)
    else:
        expect(card.locator("s")).to_have_text(struck)
    card.click()
    expect(page.get_by_role("radio", name=re.compile(rf"^{PRODUCT_TYPE}\b"))).to_be_checked()
    page.get_by_role("textbox", name="Name").fill(name)
    screenshot(page, shot)
    page.get_by_role("button", name="Order").click()
    expect(heading(page)).to_have_text(f"{name} has been ordered")


def invoice_row(page: Page, invoice: Invoice):
    return page.get_by_role("row").filter(
        has=page.get_by_role("link", name=invoice.display_number, exact=True)
    )


def expect_invoice_row(row, *, net: Decimal, tax: Decimal, total: Decimal, status: str) -> None:
    cells = row.get_by_role("cell")
    expect(cells.nth(2)).to_have_text(str(net))
    expect(cells.nth(3)).to_have_text(str(tax))
    expect(cells.nth(4)).to_have_text(f"CHF {total}")
    expect(cells.nth(5)).to_have_text(status)


def test_a_partner_that_pays_orders_for_its_client_at_the_reseller_price(
    new_page, sign_in, screenshot, browser_errors, billing: Billing
):
    net, tax, total = with_swiss_vat(billing.public_price * (1 - RESELLER_DISCOUNT))
    assert (net, tax, total) == (Decimal("55.20"), Decimal("4.47"), Decimal("59.67"))
    product_name = "shop.client-ag.ch"

    # The partner's legal representative opens the client from Reseller Area → Managed Clients.
    page = new_page()
    sign_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
    sidebar(page).get_by_role("link", name="Reseller Area").click()
    expect(heading(page)).to_have_text("Managed Clients")
    client_row = page.get_by_role("row").filter(has_text=CLIENT)
    expect(client_row.get_by_role("cell").nth(2)).to_have_text("The partner pays")
    client_row.get_by_role("link", name=CLIENT, exact=True).click()
    expect(heading(page)).to_have_text(CLIENT)
    expect(sidebar(page)).to_contain_text(f"on behalf of {PARTNER}")

    # The order page shows the reseller price, the public one struck through, and who is invoiced.
    order_product(
        page,
        screenshot,
        name=product_name,
        expected_card_text=[f"CHF {net}", f"Invoiced to {PARTNER}"],
        struck=f"CHF {billing.public_price}",
        shot="billing-order-partner",
    )
    outcome = page.get_by_test_id("order-outcome")
    invoice = Invoice.objects.get(organization=billing.partner)
    expect(outcome).to_contain_text(
        f"Invoice {invoice.display_number} of CHF {total} has been issued to {PARTNER}."
    )
    expect(outcome).to_contain_text(f"It is due: the wallet of {PARTNER} does not cover it.")
    screenshot(page, "billing-order-done-partner")
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (net, tax, total)
    assert invoice.status == InvoiceStatus.DUE
    order = Order.objects.get(product__name=product_name)
    assert order.organization == billing.client
    assert order.payer == billing.partner
    assert order.cashback_amount == 0  # the partner gets its discount, not cashback
    assert not LedgerEntry.objects.filter(kind=EntryKind.CASHBACK).exists()

    # In the partner's own organization, Billing → Invoices lists the discounted invoice.
    switch_organization(page, PARTNER)
    open_invoices(page)
    expect(page.get_by_test_id("invoice-count")).to_have_text("1 invoice")
    row = invoice_row(page, invoice)
    expect_invoice_row(row, net=net, tax=tax, total=total, status="Due")
    expect(row).to_contain_text(f"Web hosting “{product_name}” for {CLIENT}")
    screenshot(page, "billing-invoices-partner")

    # Its PDF link returns a PDF with the same total, billed to the partner.
    pdf_link = row.get_by_role("link", name=f"Download {invoice.display_number} as PDF")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    text = "\n".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(body)).pages)
    assert invoice.display_number in text
    assert f"CHF {total}" in text
    assert PARTNER in text

    # The invoice page: billed to the partner, with Swiss VAT on the discounted price.
    row.get_by_role("link", name=invoice.display_number, exact=True).click()
    expect(heading(page)).to_have_text(f"Invoice {invoice.display_number}")
    expect(page.get_by_role("region", name="Billed to")).to_contain_text(PARTNER)
    expect(page.get_by_role("region", name="Billed to")).to_contain_text("Limmatquai 3")
    expect(page.locator("tbody")).to_contain_text("Swiss VAT 8.1 %")
    totals = page.locator("tfoot").get_by_role("row")
    for index, (label, amount) in enumerate([("Total before tax", net), ("Tax", tax), ("Total", total)]):
        expect(totals.nth(index).get_by_role("rowheader")).to_have_text(label)
        expect(totals.nth(index).get_by_role("cell")).to_have_text(f"CHF {amount}")
    screenshot(page, "billing-invoice-partner")

    # The client's legal representative sees the new product, but not the partner's invoice.
    client_page = new_page()
    sign_in(client_page, CLIENT_EMAIL, CLIENT_PASSWORD)
    sidebar(client_page).get_by_role("link", name="Products").click()
    expect(heading(client_page)).to_have_text("Products")
    expect(client_page.locator("#main").get_by_role("link", name=product_name, exact=True)).to_be_visible()
    open_invoices(client_page)
    expect(client_page.get_by_test_id("invoice-count")).to_have_text("0 invoices")
    expect(client_page.get_by_text(invoice.display_number)).to_have_count(0)
    expect(client_page.get_by_text("No invoice yet.")).to_be_visible()
    screenshot(client_page, "billing-invoices-client-partner-pays")

    # Typing the invoice's address under the client's organization finds nothing either.
    url = f"/o/{billing.client.pk}/billing/invoices/{invoice.pk}/"
    browser_errors.allow(rf"status of 404 .*{re.escape(url)}")
    response = client_page.goto(url)
    assert response is not None
    assert response.status == 404
    expect(client_page.get_by_text(str(total))).to_have_count(0)


def test_the_client_tops_up_its_wallet_and_an_order_is_paid_from_it(
    new_page, sign_in, screenshot, billing: Billing
):
    net, tax, total = with_swiss_vat(billing.public_price)
    assert (net, tax, total) == (Decimal("69.00"), Decimal("5.59"), Decimal("74.59"))
    top_up = Decimal("100.00")
    balance = top_up - total
    product_name = "www.client-ag.ch"

    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    open_wallet(page)
    expect(page.get_by_test_id("wallet-balance")).to_have_text("CHF 0.00")

    # A negative amount is refused, and nothing changes.
    page.get_by_label("Amount (CHF)").fill("-5")
    page.get_by_role("button", name="Top up").click()
    expect(page.locator("#group-amount")).to_contain_text("Enter an amount above zero.")
    expect(page.get_by_label("Amount (CHF)")).to_have_value("-5")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("CHF 0.00")
    expect(page.get_by_text("No movement yet.")).to_be_visible()
    screenshot(page, "billing-wallet-error")
    assert not LedgerEntry.objects.exists()
    assert not Wallet.objects.filter(organization=billing.client, balance__gt=0).exists()

    # 100.00 is added to the balance.
    page.get_by_label("Amount (CHF)").fill("100.00")
    page.get_by_role("button", name="Top up").click()
    expect(status_message(page)).to_contain_text(
        f"Your wallet has been topped up with CHF {top_up}. Balance: CHF {top_up}."
    )
    expect(page.get_by_test_id("wallet-balance")).to_have_text(f"CHF {top_up}")
    top_up_row = page.get_by_role("row").filter(has_text="Top-up by card (simulated)")
    expect(top_up_row).to_contain_text(f"+{top_up}")

    # The client orders for itself: the public price, invoiced to itself, although its partner pays for the
    # partner's own orders.
    order_product(
        page,
        screenshot,
        name=product_name,
        expected_card_text=[f"CHF {billing.public_price}"],
        struck=None,
        shot="billing-order-client",
    )
    invoice = Invoice.objects.get(organization=billing.client)
    outcome = page.get_by_test_id("order-outcome")
    expect(outcome).to_contain_text(
        f"Invoice {invoice.display_number} of CHF {total} has been issued to {CLIENT}. "
        f"It has been paid from the wallet of {CLIENT}."
    )
    screenshot(page, "billing-order-done-client")
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (net, tax, total)
    assert invoice.status == InvoiceStatus.PAID
    assert not Invoice.objects.filter(organization=billing.partner).exists()
    # The partner earns its cashback on the public price.
    cashback = LedgerEntry.objects.get(kind=EntryKind.CASHBACK)
    assert cashback.wallet.organization == billing.partner
    assert cashback.amount == money(billing.public_price * CASHBACK)

    # Billing → Invoices: the invoice is Paid.
    open_invoices(page)
    expect_invoice_row(invoice_row(page, invoice), net=net, tax=tax, total=total, status="Paid")
    screenshot(page, "billing-invoices-client")

    # Wallet: the payment and the new balance.
    billing_nav(page).get_by_role("link", name="Wallet").click()
    expect(heading(page)).to_have_text("Wallet")
    expect(page.get_by_test_id("wallet-balance")).to_have_text(f"CHF {balance}")
    payment = page.get_by_role("row").filter(has_text=f"Payment of invoice {invoice.display_number}")
    expect(payment.get_by_role("cell").nth(1)).to_have_text("Payment")
    expect(payment.get_by_role("cell").nth(3)).to_have_text(f"-{total}")
    expect(payment.get_by_role("cell").nth(4)).to_have_text(str(balance))
    screenshot(page, "billing-wallet")

    # The invoice page, from the payment's link.
    payment.get_by_role("link", name=f"Payment of invoice {invoice.display_number}").click()
    expect(heading(page)).to_have_text(f"Invoice {invoice.display_number}")
    expect(page.locator(".invoice-facts")).to_contain_text("Paid from the wallet on")
    expect(page.get_by_role("region", name="Billed to")).to_contain_text("Bahnhofstrasse 10")
    screenshot(page, "billing-invoice-client")
    assert Product.objects.get(name=product_name).organization == billing.client

    # The same pages in dark mode.
    dark = new_page("dark")
    sign_in(dark, CLIENT_EMAIL, CLIENT_PASSWORD)
    expect(dark.locator("html")).to_have_attribute("data-bs-theme", "dark")
    open_wallet(dark)
    expect(dark.get_by_test_id("wallet-balance")).to_have_text(f"CHF {balance}")
    screenshot(dark, "billing-wallet-dark")
    open_invoices(dark)
    invoice_row(dark, invoice).get_by_role("link", name=invoice.display_number, exact=True).click()
    expect(heading(dark)).to_have_text(f"Invoice {invoice.display_number}")
    screenshot(dark, "billing-invoice-dark")
