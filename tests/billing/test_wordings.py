"""Billing records keep their wordings in English, whatever language the person placing an order speaks, and
show them in the reader's language: the tax of an invoice line, its description, a wallet movement. A wording
of a form the console does not know is shown as it was stored."""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from billing.tax import TaxRule, tax_for
from billing.wordings import (
    line_description,
    line_tax_wording,
    movement_description,
    stored_order_line_description,
)

ON = date(2026, 6, 1)


def rates(country, on):
    return {"CH": Decimal("0.081"), "DE": Decimal("0.19"), "FI": Decimal("0.255")}[country]


def line(rule, rate, wording):
    return SimpleNamespace(tax_rule=rule, tax_rate=Decimal(rate), tax_wording=wording)


@pytest.mark.parametrize("language", ["en", "fr", "de", "it"])
@pytest.mark.parametrize(
    ("country", "vat_number", "wording"),
    [
        ("CH", "", "Swiss VAT 8.1 %"),
        ("DE", "", "VAT DE 19.0 %"),
        ("FI", "", "VAT FI 25.5 %"),
        (
            "DE",
            "DE136695976",
            "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)",
        ),
        ("US", "", "Outside the scope of VAT"),
    ],
)
def test_an_invoice_line_stores_its_tax_wording_in_english_whatever_the_language(
    language, country, vat_number, wording
):
    with translation.override(language):
        decision = tax_for(buyer_country=country, buyer_vat_number=vat_number, on=ON, standard_rate=rates)

    assert decision.wording == wording


@pytest.mark.parametrize(
    ("rule", "rate", "stored", "country", "german_rate"),
    [
        (TaxRule.CH_VAT, "0.0810", "Swiss VAT 8.1 %", "CH", "8,1 %"),
        (TaxRule.EU_DESTINATION, "0.1900", "VAT DE 19.0 %", "DE", "19,0 %"),
    ],
)
def test_a_tax_wording_is_read_with_the_readers_number_format(rule, rate, stored, country, german_rate):
    with translation.override("de"):
        shown = line_tax_wording(line(rule, rate, stored), country)

    assert german_rate in shown
    assert shown != stored


def test_a_tax_wording_reads_as_stored_in_english():
    with translation.override("en"):
        assert line_tax_wording(line(TaxRule.CH_VAT, "0.0810", "Swiss VAT 8.1 %"), "CH") == "Swiss VAT 8.1 %"


@pytest.mark.parametrize(
    ("rule", "rate", "stored"),
    [
        (TaxRule.CH_VAT, "0.0810", "MWST 8.1 % (typed by staff)"),
        (TaxRule.EU_DESTINATION, "0.1900", "VAT FR 19.0 %"),  # not the buyer's country: not rebuilt
        ("a_rule_of_tomorrow", "0.0500", "Some new tax 5 %"),
    ],
)
def test_a_tax_wording_the_rule_does_not_rebuild_is_shown_as_stored(rule, rate, stored):
    with translation.override("de"):
        assert line_tax_wording(line(rule, rate, stored), "DE") == stored


def order_line(kind="new", product="shop.example “2”"):
    return stored_order_line_description(
        kind=kind,
        product_type="Web hosting",
        product=product,
        organization="Helvetia Web AG, Zürich",
        start=datetime(2026, 2, 1, 9, 30, tzinfo=UTC),
        end=datetime(2027, 2, 1, 9, 30, tzinfo=UTC),
    )


def test_an_order_line_is_stored_in_english_with_iso_days_whatever_the_language():
    with translation.override("de"):
        stored = order_line()

    assert (
        stored
        == "New product: Web hosting “shop.example “2”” for Helvetia Web AG, Zürich, 2026-02-01 to 2027-02-01"
    )
    assert order_line(kind="renewal").startswith("Renewal: Web hosting ")


@pytest.mark.parametrize("kind", ["new", "renewal"])
def test_an_order_line_is_read_with_the_readers_dates_keeping_its_names(kind):
    stored = order_line(kind=kind)

    with translation.override("de"):
        shown = line_description(stored)
        credit = line_description(f"Credit for {stored}")

    for part in ("Web hosting", "shop.example “2”", "Helvetia Web AG, Zürich", "01.02.2026", "01.02.2027"):
        assert part in shown
        assert part in credit
    assert "2026-02-01" not in shown


def test_a_line_description_of_another_form_is_shown_as_stored():
    with translation.override("de"):
        assert line_description("Web hosting") == "Web hosting"
        assert (
            line_description("Setup fee, 2026-02-01 to 2026-03-01") == "Setup fee, 2026-02-01 to 2026-03-01"
        )


@pytest.mark.parametrize(
    "stored",
    [
        "Top-up by card (simulated)",
        "Payment of invoice INV2026-000042",
        "Refund of invoice INV2026-000042 (CN2026-000003)",
        "Cashback: new product of shop.example for Helvetia Web AG",
        "Cashback: renewal of shop.example for Helvetia for Business AG",
        "Cashback reversed: CN2026-000003 credits INV2026-000042",
    ],
)
def test_a_wallet_movement_written_by_the_services_reads_the_same_in_english(stored):
    with translation.override("en"):
        assert movement_description(stored) == stored


def test_a_wallet_movement_of_another_form_is_shown_as_stored():
    with translation.override("fr"):
        assert movement_description("Goodwill credit from support") == "Goodwill credit from support"
