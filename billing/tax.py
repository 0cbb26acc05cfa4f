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
from decimal import Decimal

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
    wording: str  # printed on the invoice line


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
        rate = standard_rate("CH", on)
        return TaxDecision(TaxRule.CH_VAT, rate, "CH", f"Swiss VAT {rate * 100:.1f} %")
    if country in EU_MEMBER_STATES:
        if buyer_vat_number:
            return TaxDecision(
                TaxRule.REVERSE_CHARGE,
                Decimal("0"),
                "",
                "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)",
            )
        rate = standard_rate(country, on)
        return TaxDecision(TaxRule.EU_DESTINATION, rate, country, f"VAT {country} {rate * 100:.1f} %")
    return TaxDecision(TaxRule.OUTSIDE_SCOPE, Decimal("0"), "", "Outside the scope of VAT")
