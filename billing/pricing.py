"""Who pays an order or a renewal, how much before tax, and what the partner earns: a pure rule.

| placed by          | payment method | invoiced to | amount before tax       | partner earns          |
| partner for client | client         | client      | P                       | cashback P x rate      |
| partner for client | partner        | partner     | P x (1 - discount)      | —                      |
| client itself      | either         | client      | P                       | cashback P x rate      |

A client without an active partnership pays the public price and earns no one cashback.
"""

from dataclasses import dataclass
from decimal import Decimal

from billing.money import round_money

CLIENT = "client"
PARTNER = "partner"


@dataclass(frozen=True)
class Price:
    payer: str  # "client" or "partner"
    net: Decimal  # before tax, in the order's currency
    discount_rate: Decimal
    cashback: Decimal  # credited to the partner's wallet
    cashback_rate: Decimal


def price_for(
    *,
    public_price: Decimal,
    placed_by_partner: bool,
    has_partner: bool,
    payment_method: str,
    reseller_discount_rate: Decimal = Decimal("0"),
    cashback_rate: Decimal = Decimal("0"),
) -> Price:
    public_price = round_money(public_price)
    zero = Decimal("0")
    if not has_partner:
        return Price(
            payer=CLIENT, net=public_price, discount_rate=zero, cashback=round_money(0), cashback_rate=zero
        )
    if placed_by_partner and payment_method == PARTNER:
        net = round_money(public_price * (Decimal("1") - reseller_discount_rate))
        return Price(
            payer=PARTNER,
            net=net,
            discount_rate=reseller_discount_rate,
            cashback=round_money(0),
            cashback_rate=zero,
        )
    return Price(
        payer=CLIENT,
        net=public_price,
        discount_rate=zero,
        cashback=round_money(public_price * cashback_rate),
        cashback_rate=cashback_rate,
    )
