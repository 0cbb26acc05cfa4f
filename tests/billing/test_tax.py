"""`tax_for`, the VAT of a sale by (buyer, date), as tables: once with the real dated rates the migration
loaded (which proves the data), once as a pure function with a fake rate table."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.buyers import standard_rate as _standard_rate
from billing.models import TaxRate
from billing.tax import TaxRule, price_shown_with_tax, tax_for
from organizations.vat import EU_MEMBER_STATES

ON = date(2026, 6, 1)
VAT_NUMBER = "DE136695976"  # any checked number: the rule does not look at which one

# The standard rates in force on 2026-06-01, from the member states' own publications.
EU_STANDARD_RATES = {
    "AT": "0.20",
    "BE": "0.21",
    "BG": "0.20",
    "CY": "0.19",
    "CZ": "0.21",
    "DE": "0.19",
    "DK": "0.25",
    "EE": "0.24",
    "ES": "0.21",
    "FI": "0.255",
    "FR": "0.20",
    "GR": "0.24",
    "HR": "0.25",
    "HU": "0.27",
    "IE": "0.23",
    "IT": "0.22",
    "LT": "0.21",
    "LU": "0.17",
    "LV": "0.21",
    "MT": "0.18",
    "NL": "0.21",
    "PL": "0.23",
    "PT": "0.23",
    "RO": "0.21",
    "SE": "0.25",
    "SI": "0.22",
    "SK": "0.23",
}
REVERSE_CHARGE_WORDING = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)"
)


def decide(country, vat_number="", on=ON, standard_rate=_standard_rate):
    return tax_for(buyer_country=country, buyer_vat_number=vat_number, on=on, standard_rate=standard_rate)


def test_the_table_covers_the_27_member_states():
    assert set(EU_STANDARD_RATES) == EU_MEMBER_STATES
    assert len(EU_MEMBER_STATES) == 27


# With the migrated rate table


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "vat_number", "on", "rate", "wording"),
    [
        ("CH", "", ON, "0.081", "Swiss VAT 8.1 %"),
        ("CH", "CHE116281710", ON, "0.081", "Swiss VAT 8.1 %"),  # a Swiss VAT number changes nothing
        ("LI", "", ON, "0.081", "Swiss VAT 8.1 %"),  # Liechtenstein is in the Swiss VAT area
        ("LI", "50112", ON, "0.081", "Swiss VAT 8.1 %"),
        ("CH", "", date(2023, 7, 1), "0.077", "Swiss VAT 7.7 %"),
        ("LI", "", date(2023, 7, 1), "0.077", "Swiss VAT 7.7 %"),
        ("CH", "", date(2023, 12, 31), "0.077", "Swiss VAT 7.7 %"),
        ("CH", "", date(2024, 1, 1), "0.081", "Swiss VAT 8.1 %"),
        ("ch", "", ON, "0.081", "Swiss VAT 8.1 %"),
    ],
)
def test_buyers_in_switzerland_and_liechtenstein_pay_swiss_vat_of_the_day(
    country, vat_number, on, rate, wording
):
    decision = decide(country, vat_number, on)

    assert decision.rule == TaxRule.CH_VAT
    assert decision.rate == Decimal(rate)
    assert decision.rate_country == "CH"
    assert decision.wording == wording


@pytest.mark.django_db
@pytest.mark.parametrize(("country", "rate"), sorted(EU_STANDARD_RATES.items()))
def test_an_eu_consumer_pays_the_standard_rate_of_its_country(country, rate):
    decision = decide(country)

    assert decision.rule == TaxRule.EU_DESTINATION
    assert decision.rate == Decimal(rate)
    assert decision.rate_country == country
    assert decision.wording == f"VAT {country} {Decimal(rate) * 100:.1f} %"


@pytest.mark.django_db
@pytest.mark.parametrize("country", sorted(EU_STANDARD_RATES))
def test_an_eu_business_with_a_vat_number_is_reverse_charged_at_zero(country):
    decision = decide(country, vat_number=VAT_NUMBER)

    assert decision.rule == TaxRule.REVERSE_CHARGE
    assert decision.rate == 0
    assert decision.rate_country == ""
    assert decision.wording == REVERSE_CHARGE_WORDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "on", "rate", "wording"),
    [
        ("FI", date(2024, 8, 31), "0.24", "VAT FI 24.0 %"),
        ("FI", date(2024, 9, 1), "0.255", "VAT FI 25.5 %"),
        ("EE", date(2024, 1, 1), "0.22", "VAT EE 22.0 %"),
        ("EE", date(2025, 6, 30), "0.22", "VAT EE 22.0 %"),
        ("EE", date(2025, 7, 1), "0.24", "VAT EE 24.0 %"),
        ("RO", date(2025, 7, 31), "0.19", "VAT RO 19.0 %"),
        ("RO", date(2025, 8, 1), "0.21", "VAT RO 21.0 %"),
        ("SK", date(2024, 12, 31), "0.20", "VAT SK 20.0 %"),
        ("SK", date(2025, 1, 1), "0.23", "VAT SK 23.0 %"),
        ("LU", date(2024, 1, 1), "0.17", "VAT LU 17.0 %"),
        ("DE", date(2021, 1, 1), "0.19", "VAT DE 19.0 %"),
    ],
)
def test_a_rate_change_applies_from_its_first_day(country, on, rate, wording):
    decision = decide(country, on=on)

    assert decision.rate == Decimal(rate)
    assert decision.wording == wording


@pytest.mark.django_db
@pytest.mark.parametrize("country", ["US", "GB", "NO", "JP", "XK", ""])
@pytest.mark.parametrize("vat_number", ["", "GB980780684"])
def test_buyers_elsewhere_are_outside_the_scope_of_vat(country, vat_number):
    decision = decide(country, vat_number)

    assert decision.rule == TaxRule.OUTSIDE_SCOPE
    assert decision.rate == 0
    assert decision.wording == "Outside the scope of VAT"


@pytest.mark.django_db
def test_every_rate_period_is_closed_by_the_next_one_without_gap_or_overlap():
    for country in EU_STANDARD_RATES.keys() | {"CH"}:
        periods = list(TaxRate.objects.filter(country=country).order_by("valid_from"))
        assert periods, f"no rate for {country}"
        assert periods[-1].valid_until is None, f"{country} has no rate in force"
        for earlier, later in itertools.pairwise(periods):
            assert (later.valid_from - earlier.valid_until).days == 1, f"{country}: {earlier} / {later}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "on"), [("EE", date(2023, 6, 1)), ("CH", date(2017, 12, 31)), ("US", ON)]
)
def test_a_missing_rate_is_a_validation_error_not_a_crash(country, on):
    with pytest.raises(ValidationError, match="No VAT rate is known"):
        _standard_rate(country, on)


@pytest.mark.django_db
def test_an_eu_consumer_of_a_country_without_a_rate_is_refused_with_a_validation_error():
    TaxRate.objects.filter(country="AT").delete()

    with pytest.raises(ValidationError, match=f"No VAT rate is known for AT on {ON}"):
        decide("AT")

    assert decide("AT", vat_number=VAT_NUMBER).rule == TaxRule.REVERSE_CHARGE, "no rate needed"


# As a pure function


class FakeRates:
    """A rate table in memory that remembers what was asked."""

    def __init__(self, rates):
        self.rates = {country: Decimal(rate) for country, rate in rates.items()}
        self.asked = []

    def __call__(self, country, on):
        self.asked.append((country, on))
        if country not in self.rates:
            raise ValidationError(f"No VAT rate is known for {country} on {on}.")
        return self.rates[country]


@pytest.mark.parametrize(
    ("country", "vat_number", "rule", "rate", "rate_country", "wording", "asked"),
    [
        ("CH", "", TaxRule.CH_VAT, "0.5", "CH", "Swiss VAT 50.0 %", ["CH"]),
        ("LI", "", TaxRule.CH_VAT, "0.5", "CH", "Swiss VAT 50.0 %", ["CH"]),
        ("CH", VAT_NUMBER, TaxRule.CH_VAT, "0.5", "CH", "Swiss VAT 50.0 %", ["CH"]),
        ("DE", "", TaxRule.EU_DESTINATION, "0.125", "DE", "VAT DE 12.5 %", ["DE"]),
        ("de", "", TaxRule.EU_DESTINATION, "0.125", "DE", "VAT DE 12.5 %", ["DE"]),
        ("FR", "", TaxRule.EU_DESTINATION, "0.3", "FR", "VAT FR 30.0 %", ["FR"]),
        ("DE", VAT_NUMBER, TaxRule.REVERSE_CHARGE, "0", "", REVERSE_CHARGE_WORDING, []),
        ("IT", "IT00743110157", TaxRule.REVERSE_CHARGE, "0", "", REVERSE_CHARGE_WORDING, []),
        ("US", "", TaxRule.OUTSIDE_SCOPE, "0", "", "Outside the scope of VAT", []),
        ("GB", "GB980780684", TaxRule.OUTSIDE_SCOPE, "0", "", "Outside the scope of VAT", []),
        ("NO", "", TaxRule.OUTSIDE_SCOPE, "0", "", "Outside the scope of VAT", []),
        ("JP", "", TaxRule.OUTSIDE_SCOPE, "0", "", "Outside the scope of VAT", []),
    ],
)
def test_tax_for_reads_only_the_rate_it_needs_from_the_table_it_is_given(
    country, vat_number, rule, rate, rate_country, wording, asked
):
    rates = FakeRates({"CH": "0.5", "DE": "0.125", "FR": "0.3", "IT": "0.2"})

    decision = decide(country, vat_number, ON, standard_rate=rates)

    assert (decision.rule, decision.rate, decision.rate_country, decision.wording) == (
        rule,
        Decimal(rate),
        rate_country,
        wording,
    )
    assert rates.asked == [(asked_country, ON) for asked_country in asked]


def test_a_rate_table_without_the_buyers_country_refuses_with_a_validation_error():
    with pytest.raises(ValidationError):
        decide("PT", standard_rate=FakeRates({"CH": "0.081"}))


@pytest.mark.parametrize(
    ("entity_type", "country", "vat_number", "with_tax"),
    [
        ("individual", "DE", "", True),  # an EU consumer is shown what it pays
        ("individual", "FR", "", True),
        ("company", "DE", "DE136695976", False),  # reverse charge: prices before tax
        ("association", "DE", "", False),  # taxed, but a business compares prices before tax
        ("individual", "CH", "", False),
        ("individual", "US", "", False),
    ],
)
def test_prices_are_shown_with_vat_to_eu_consumers_only(entity_type, country, vat_number, with_tax):
    decision = tax_for(
        buyer_country=country, buyer_vat_number=vat_number, on=ON, standard_rate=lambda c, d: Decimal("0.2")
    )
    assert price_shown_with_tax(buyer_entity_type=entity_type, decision=decision) is with_tax
