"""The billing pages and the invoice in the reader's language: amounts as the language writes them, dates in
its short format, the same invoice numbers and totals; the English pages as they were."""

import re

import pytest
from django.utils import formats, timezone, translation

from billing.pdf import render_invoice_html
from core.templatetags.money import format_money
from tests.billing_pages.support import invoice_of, order, url


@pytest.fixture
def invoice(organization, legal_representative):
    return invoice_of(order(legal_representative, organization, name="shop.helvetia.example"))


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_the_invoice_pdf_writes_amounts_and_dates_as_its_language_does(invoice, language):
    with translation.override(language):
        html = render_invoice_html(invoice)
        issued = formats.date_format(timezone.localtime(invoice.issued_at).date(), "SHORT_DATE_FORMAT")

    assert f'<html lang="{language}">' in html
    assert invoice.display_number in html
    assert issued in html
    for amount in (invoice.net_amount, invoice.tax_amount, invoice.gross_amount):
        assert format_money(amount, "CHF", language) in html
    assert "shop.helvetia.example" in html


def test_the_english_invoice_pdf_keeps_its_amounts(invoice):
    with translation.override("en"):
        html = render_invoice_html(invoice)

    assert '<html lang="en">' in html
    assert f"CHF {invoice.gross_amount}" in html
    assert "Total before tax" in html


def test_the_wallet_shows_its_movements_and_balance(client, organization, legal_representative, invoice):
    client.force_login(legal_representative)

    response = client.post(url("wallet", organization), {"amount": "500.00", "idempotency_key": "k-1"})
    page = client.get(url("wallet", organization))

    assert response.status_code == 302
    assert "Top-up by card (simulated)" in page.text
    assert f"Payment of invoice {invoice.display_number}" in page.text
    balance = re.search(r'data-testid="wallet-balance">([^<]*)<', page.text).group(1)
    assert balance == f"CHF {page.context['wallet'].balance}"
