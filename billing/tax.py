"""Which VAT applies to a sale, as a pure rule of (seller, buyer, date); the rates themselves are data.

| buyer                                          | rate                                   | rule            |
| in CH or LI                                    | Swiss VAT (standard rate on that date) | ch_vat          |
| in the EU, a business with a valid VAT number  | 0 %, "Reverse charge"                  | reverse_charge  |
| in the EU otherwise                            | that country's standard rate           | eu_destination  |
| elsewhere                                      | 0 %, outside the scope of VAT          | outside_scope   |
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import formats, translation
from django.utils.translation import gettext as _

from organizations.vat import EU_MEMBER_STATES

SWISS_VAT_AREA = frozenset({"CH", "LI"})


class TaxRule:
    CH_VAT = "ch_vat"
    REVERSE_CHARGE = "reverse_charge"
    EU_DESTINATION = "eu_destination"
    OUTSIDE_SCOPE = "outside_scope"


@dataclass(frozen=True)
class TaxDecision:
    rule: str
    rate: Decimal
    rate_country: str  # whose rate applies ("" when none)
    wording: str  # printed on the invoice line, in English (`tax_wording` reads it in another language)


def _percent(rate: Decimal) -> str:
    percent = (Decimal(rate) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
    return f"{formats.number_format(percent, 1)} %"


def tax_wording(rule: str, rate: Decimal, country: str) -> str:
    """What an invoice line says of its tax, in the active language; `country` is whose rate applies."""
    if rule == TaxRule.CH_VAT:
        return _("Swiss VAT %(rate)s") % {"rate": _percent(rate)}
    if rule == TaxRule.REVERSE_CHARGE:
        return _("Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)")
    if rule == TaxRule.EU_DESTINATION:
        return _("VAT %(country)s %(rate)s") % {"country": country, "rate": _percent(rate)}
    return _("Outside the scope of VAT")


def price_shown_with_tax(*, buyer_entity_type: str, decision: TaxDecision) -> bool:
    """Whether prices are shown to this buyer with the VAT they pay: an EU consumer (an individual taxed at
    its country's rate) is shown what it pays; businesses compare prices before tax."""
    return buyer_entity_type == "individual" and decision.rule == TaxRule.EU_DESTINATION


def _decision(rule: str, rate: Decimal, rate_country: str) -> TaxDecision:
    # The invoice keeps the English wording, whatever language the order was placed in.
    with translation.override(None):
        return TaxDecision(rule, rate, rate_country, tax_wording(rule, rate, rate_country))


def tax_for(
    *,
    buyer_country: str,
    buyer_vat_number: str,
    on: date,
    standard_rate: Callable[[str, date], Decimal],
) -> TaxDecision:
    """`buyer_vat_number` is a checked number (organizations only store valid ones) or empty;
    `standard_rate(country, date)` reads the dated rate table."""
    country = (buyer_country or "").upper()
    if country in SWISS_VAT_AREA:
        return _decision(TaxRule.CH_VAT, standard_rate("CH", on), "CH")
    if country in EU_MEMBER_STATES:
        if buyer_vat_number:
            return _decision(TaxRule.REVERSE_CHARGE, Decimal("0"), "")
        return _decision(TaxRule.EU_DESTINATION, standard_rate(country, on), country)
    return _decision(TaxRule.OUTSIDE_SCOPE, Decimal("0"), "")
