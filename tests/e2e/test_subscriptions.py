# ruff: noqa: F811
"""Subscriptions in a browser, with the clock moved as the periodic renewal job would meet it: an
auto-renewing product renews on its date and a cancelled one ends; an upgrade issues the prorated invoice
with Swiss VAT; the who-pays preview lists the amounts the renewals then invoice; the client's pages never
show the partner's price. Screenshots of the pages, light and dark.

The world is test_billing's: Client AG and Pixel Agency (20 % reseller discount) in a Full partnership where
the partner pays. Amounts are computed here from the catalog price and the Swiss VAT rate."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from billing import services
from billing.models import Invoice, InvoiceKind, Order, OrderKind
from organizations.access import resolve_access
from organizations.models import Product, ProductStatus, ProductType
from partners.models import Partnership
from tests.e2e.test_billing import (
    CLIENT_EMAIL,
    CLIENT_PASSWORD,
    PARTNER,
    PARTNER_EMAIL,
    PARTNER_PASSWORD,
    RESELLER_DISCOUNT,
    Billing,
    billing,  # noqa: F401
    heading,
    status_message,
    with_swiss_vat,
)

PUBLIC = Decimal("69.00")


def client_order(billing: Billing, name: str, slug: str = "web-hosting") -> Product:
    return services.product_order(
        access=resolve_access(billing.client_user, billing.client),
        product_type=ProductType.objects.get(slug=slug),
        name=name,
    ).product


def partner_order(billing: Billing, name: str) -> Product:
    return services.product_order(
        access=resolve_access(billing.partner_user, billing.client),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name=name,
    ).product


def product_url(billing: Billing, product: Product, tail: str = "") -> str:
    return f"/o/{billing.client.pk}/products/{product.pk}/{tail}"


def test_an_auto_renewing_product_renews_on_its_date_and_a_cancelled_one_ends(
    new_page, sign_in, screenshot, billing: Billing
):
    renewing = client_order(billing, "renewing.client-ag.ch")
    cancelled = client_order(billing, "cancelled.client-ag.ch")
    end = renewing.expires_at

    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    page.goto(product_url(billing, cancelled))
    expect(page.get_by_test_id("product-auto-renew")).to_have_text("On")
    page.get_by_role("link", name="Cancel at the end of the period").click()
    expect(heading(page)).to_contain_text("at the end of its period?")
    screenshot(page, "subscription-cancel")
    page.get_by_role("button", name="Cancel at the end of the period").click()
    expect(status_message(page)).to_contain_text("is not renewed")
    expect(page.get_by_test_id("product-auto-renew")).to_contain_text("Cancelled on")

    # The periodic job, a few hours before the end, then just after it.
    with time_machine.travel(end - timedelta(hours=5), tick=True):
        assert services.renewals_run() == 1
    with time_machine.travel(end + timedelta(hours=1), tick=True):
        assert services.renewals_run() == 0
        page = new_page()
        sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
        page.goto(product_url(billing, renewing))
        renewing.refresh_from_db()
        assert renewing.expires_at == end + timedelta(days=365)
        expect(page.get_by_test_id("product-end")).not_to_have_text("—")
        expect(page.locator("dl")).to_contain_text("Renews on")
        expect(page.locator("dl")).to_contain_text("Active")
        page.goto(product_url(billing, cancelled))
        expect(page.locator("dl")).to_contain_text("Expired")
        expect(page.locator("dl")).to_contain_text("Ended")
        screenshot(page, "subscription-cancelled-ended")

    assert Order.objects.filter(product=renewing, kind=OrderKind.RENEWAL).count() == 1
    assert not Order.objects.filter(product=cancelled, kind=OrderKind.RENEWAL).exists()
    cancelled.refresh_from_db()
    assert cancelled.status == ProductStatus.EXPIRED


def test_an_upgrade_issues_the_prorated_invoice_with_swiss_vat(
    new_page, sign_in, screenshot, billing: Billing
):
    with time_machine.travel("2026-06-01 10:00 +02:00", tick=False):
        product = client_order(billing, "grow.client-ag.ch")
    # Half of the year left: 360.00 / 2 - 69.00 / 2 = 145.50 before tax.
    net, tax, total = with_swiss_vat(Decimal("145.50"))
    with time_machine.travel(product.expires_at - timedelta(days=182, hours=12), tick=False):
        page = new_page()
        sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
        page.goto(product_url(billing, product))
        page.get_by_role("link", name="Change type").click()
        option = page.get_by_test_id("change-option").filter(has_text="Cloud Server")
        expect(option.get_by_test_id("change-amount")).to_contain_text(f"CHF {total}")
        expect(option.get_by_test_id("change-amount")).to_contain_text(f"CHF {net} before tax")
        screenshot(page, "subscription-change-type")
        option.get_by_role("radio").check()
        page.get_by_role("button", name="Change type").click()
        invoice = Invoice.objects.get(organization=billing.client, lines__order__kind=OrderKind.CHANGE)
        expect(status_message(page)).to_contain_text("is now Cloud Server")
        expect(status_message(page)).to_contain_text(invoice.display_number)

        page.goto(f"/o/{billing.client.pk}/billing/invoices/{invoice.pk}/")
        expect(page.locator("body")).to_contain_text(f"CHF {total}")
        expect(page.locator("body")).to_contain_text("Change of type: Cloud Server")
        expect(page.get_by_test_id("pay-now")).to_contain_text("does not cover this invoice yet")
        screenshot(page, "subscription-upgrade-invoice")
    assert invoice.kind == InvoiceKind.INVOICE
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (net, tax, total)
    assert tax == Decimal("11.79")


def test_the_who_pays_preview_lists_the_amounts_the_renewals_then_invoice(
    new_page, sign_in, screenshot, billing: Billing
):
    by_partner = partner_order(billing, "agency.client-ag.ch")
    own = client_order(billing, "own.client-ag.ch", slug="mail-service")
    public_total = with_swiss_vat(PUBLIC)[2]
    partnership = Partnership.objects.get(client=billing.client, partner=billing.partner)

    # The partner sees both choices with every amount.
    page = new_page()
    sign_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
    page.goto(f"/o/{billing.partner.pk}/reseller/clients/{partnership.pk}/who-pays/")
    partner_pays = page.get_by_test_id("preview-partner")
    discounted = with_swiss_vat(PUBLIC * (1 - RESELLER_DISCOUNT))[2]
    expect(partner_pays.get_by_test_id("preview-row").filter(has_text=by_partner.name)).to_contain_text(
        f"CHF {discounted}"
    )
    screenshot(page, "subscription-who-pays-partner")

    # The client compares, without the partner's price, and switches to paying itself.
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    page.goto(f"/o/{billing.client.pk}/partners/{partnership.pk}/payment/")
    page.get_by_label("Password").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    preview = page.get_by_test_id("who-pays-preview")
    expect(preview).to_be_visible()
    expect(preview).not_to_contain_text(str(discounted))
    expect(
        page.get_by_test_id("preview-partner").get_by_test_id("preview-row").filter(has_text=by_partner.name)
    ).to_contain_text("Paid by your partner")
    client_rows = page.get_by_test_id("preview-client").get_by_test_id("preview-row")
    shown = {}
    for index in range(client_rows.count()):
        row = client_rows.nth(index)
        amount = row.get_by_test_id("preview-amount").inner_text()
        shown[(row.get_attribute("data-product"), row.get_attribute("data-date"))] = Decimal(
            re.sub(r"[^\d.]", "", amount)
        )
    assert shown[(by_partner.name, f"{by_partner.expires_at.astimezone():%Y-%m-%d}")] == public_total
    screenshot(page, "subscription-who-pays-client")
    page.locator("label[for=payment-client]").click()
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_contain_text("The payment method has been saved")

    # The renewals, a day before the end: each invoice is the amount previewed, for the client.
    with time_machine.travel(by_partner.expires_at - timedelta(hours=6), tick=True):
        assert services.renewals_run() == 2
    for product in (by_partner, own):
        renewal = Order.objects.get(product=product, kind=OrderKind.RENEWAL)
        invoice = renewal.invoice_lines.get().invoice
        assert invoice.organization == billing.client
        key = (product.name, f"{renewal.period_start.astimezone():%Y-%m-%d}")
        assert invoice.gross_amount == shown[key], (key, shown)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_clients_pages_never_show_the_partners_price(
    new_page, sign_in, screenshot, billing: Billing, color_scheme
):
    product = partner_order(billing, "paid-by-agency.client-ag.ch")
    Product.objects.filter(pk=product.pk).update(expires_at=product.expires_at - timedelta(days=340))
    net, _tax, total = with_swiss_vat(PUBLIC * (1 - RESELLER_DISCOUNT))

    page = new_page(color_scheme)
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    for path, shot in [
        (f"/o/{billing.client.pk}/", "dashboard-ending-soon"),
        (product_url(billing, product), "product-detail"),
        (product_url(billing, product, "renew/"), "product-renew-client"),
        (product_url(billing, product, "change-type/"), "product-change-type-client"),
        (f"/o/{billing.client.pk}/products/", None),
        (f"/o/{billing.client.pk}/billing/invoices/", None),
        (f"/o/{billing.client.pk}/billing/wallet/", None),
    ]:
        page.goto(path)
        body = page.locator("body")
        expect(body).not_to_contain_text(str(net))
        expect(body).not_to_contain_text(str(total))
        expect(body).not_to_contain_text("reseller discount")
        if shot:
            screenshot(page, f"subscription-{shot}-{color_scheme}")
    page.goto(f"/o/{billing.client.pk}/")
    expect(page.get_by_test_id("ending-soon")).to_contain_text(product.name)
    page.goto(product_url(billing, product, "renew/"))
    expect(page.get_by_test_id("renewal-payer")).to_contain_text(PARTNER)
