"""`price_for`, the rule of who pays an order or a renewal, how much before tax, and what the partner earns
(DESIGN, Billing: the "who pays" table), as one table."""

from decimal import Decimal

import pytest

from billing.pricing import CLIENT, PARTNER, price_for

PUBLIC_PRICE = Decimal("69.00")
DISCOUNT = Decimal("0.155")  # 69.00 x 0.845 = 58.305 -> 58.31
CASHBACK = Decimal("0.105")  # 69.00 x 0.105 = 7.245 -> 7.25

BY_PARTNER, BY_CLIENT = True, False
WITH_PARTNER, WITHOUT_PARTNER = True, False


@pytest.mark.parametrize(
    ("placed_by_partner", "payment_method", "has_partner", "payer", "net", "cashback"),
    [
        pytest.param(
            BY_PARTNER, CLIENT, WITH_PARTNER, CLIENT, "69.00", "7.25", id="partner-orders,client-pays"
        ),
        pytest.param(
            BY_PARTNER, PARTNER, WITH_PARTNER, PARTNER, "58.31", "0.00", id="partner-orders,partner-pays"
        ),
        pytest.param(
            BY_CLIENT, CLIENT, WITH_PARTNER, CLIENT, "69.00", "7.25", id="client-orders,client-pays"
        ),
        pytest.param(
            BY_CLIENT, PARTNER, WITH_PARTNER, CLIENT, "69.00", "7.25", id="client-orders,partner-pays"
        ),
        pytest.param(
            BY_CLIENT, CLIENT, WITHOUT_PARTNER, CLIENT, "69.00", "0.00", id="no-partner,client-orders"
        ),
        pytest.param(
            BY_CLIENT, PARTNER, WITHOUT_PARTNER, CLIENT, "69.00", "0.00", id="no-partner,method-partner"
        ),
        pytest.param(
            BY_PARTNER, CLIENT, WITHOUT_PARTNER, CLIENT, "69.00", "0.00", id="no-partner,by-partner"
        ),
        pytest.param(
            BY_PARTNER,
            PARTNER,
            WITHOUT_PARTNER,
            CLIENT,
            "69.00",
            "0.00",
            id="no-partner,by-partner,partner-pays",
        ),
    ],
)
def test_who_pays_how_much_and_what_the_partner_earns(
    placed_by_partner, payment_method, has_partner, payer, net, cashback
):
    price = price_for(
        public_price=PUBLIC_PRICE,
        placed_by_partner=placed_by_partner,
        has_partner=has_partner,
        payment_method=payment_method,
        reseller_discount_rate=DISCOUNT,
        cashback_rate=CASHBACK,
    )

    assert price.payer == payer
    assert str(price.net) == net, "rounded to the cent"
    assert str(price.cashback) == cashback
    assert price.discount_rate == (DISCOUNT if payer == PARTNER else 0)
    assert price.cashback_rate == (CASHBACK if Decimal(cashback) else 0)


@pytest.mark.parametrize(
    ("public_price", "discount", "cashback", "partner_pays_net", "client_pays_cashback"),
    [
        ("69.00", "0.155", "0.155", "58.31", "10.70"),  # 58.305 and 10.695, half up
        ("19.20", "0.150", "0.100", "16.32", "1.92"),
        ("10.05", "0.500", "0.050", "5.03", "0.50"),  # 5.025 and 0.5025
        ("9.99", "0.333", "0.333", "6.66", "3.33"),  # 6.66333 and 3.32667
        ("12.00", "0.125", "0.125", "10.50", "1.50"),
        ("360.00", "0.000", "0.000", "360.00", "0.00"),
        ("0.00", "0.150", "0.100", "0.00", "0.00"),  # a free product earns nothing
        ("68.995", "0.150", "0.100", "58.65", "6.90"),  # the public price itself is rounded first
    ],
)
def test_discounted_price_and_cashback_are_rounded_to_the_cent_half_up(
    public_price, discount, cashback, partner_pays_net, client_pays_cashback
):
    rates = {
        "public_price": Decimal(public_price),
        "has_partner": True,
        "reseller_discount_rate": Decimal(discount),
        "cashback_rate": Decimal(cashback),
    }

    partner_pays = price_for(placed_by_partner=True, payment_method=PARTNER, **rates)
    client_pays = price_for(placed_by_partner=True, payment_method=CLIENT, **rates)

    assert str(partner_pays.net) == partner_pays_net
    assert str(client_pays.cashback) == client_pays_cashback
    assert str(client_pays.net) == str(Decimal(public_price).quantize(Decimal("0.01"), "ROUND_HALF_UP"))
