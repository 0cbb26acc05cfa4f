"""Money: one rounding helper (to the cent, half up) and a taxed amount that cannot lie about its total."""

from decimal import Decimal

import pytest

from billing.money import TaxedAmount, round_money


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("0.0049999", "0.00"),
        ("1.015", "1.02"),
        ("2.675", "2.68"),
        ("10.005", "10.01"),
        ("10.995", "11.00"),
        ("-0.005", "-0.01"),
        ("-1.015", "-1.02"),
        ("-0.004", "0.00"),
        ("10", "10.00"),
        ("1e2", "100.00"),
        (7, "7.00"),
        (Decimal("69.00") * Decimal("0.155"), "10.70"),
        (Decimal("69.00") * Decimal("0.845"), "58.31"),
        (Decimal("19.20") * Decimal("0.081"), "1.56"),
    ],
)
def test_round_money_rounds_to_the_cent_half_up_away_from_zero(amount, rounded):
    result = round_money(amount)

    assert result == Decimal(rounded)
    assert result.as_tuple().exponent == -2, "always two decimal places"


def test_a_taxed_amount_refuses_net_plus_tax_different_from_gross():
    with pytest.raises(ValueError, match="!= gross"):
        TaxedAmount(net=Decimal("10.00"), tax=Decimal("0.81"), gross=Decimal("10.82"))


def test_a_taxed_amount_whose_parts_add_up_is_accepted_and_frozen():
    amount = TaxedAmount(net=Decimal("10.00"), tax=Decimal("0.81"), gross=Decimal("10.81"))

    with pytest.raises(AttributeError):
        amount.gross = Decimal("0")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("net", "rate", "expected"),
    [
        ("100", "0.081", ("100.00", "8.10", "108.10")),
        ("69.00", "0.081", ("69.00", "5.59", "74.59")),  # 5.589
        ("69.00", "0.077", ("69.00", "5.31", "74.31")),  # 5.313
        ("19.20", "0.081", ("19.20", "1.56", "20.76")),  # 1.5552
        ("58.65", "0.081", ("58.65", "4.75", "63.40")),  # 4.75065
        ("69.00", "0.19", ("69.00", "13.11", "82.11")),
        ("69.00", "0.255", ("69.00", "17.60", "86.60")),  # 17.595, half up
        ("10.005", "0.19", ("10.01", "1.90", "11.91")),  # net rounded first, tax from the rounded net
        ("0.02", "0.255", ("0.02", "0.01", "0.03")),  # 0.0051
        ("0.01", "0.19", ("0.01", "0.00", "0.01")),  # 0.0019
        ("69.00", "0", ("69.00", "0.00", "69.00")),
        ("0", "0.081", ("0.00", "0.00", "0.00")),
        ("-69.00", "0.081", ("-69.00", "-5.59", "-74.59")),  # a credit note mirrors the invoice
        ("-69.00", "0.255", ("-69.00", "-17.60", "-86.60")),
    ],
)
def test_from_net_rounds_net_then_tax_and_adds_them_up(net, rate, expected):
    amount = TaxedAmount.from_net(Decimal(net), Decimal(rate))

    assert (amount.net, amount.tax, amount.gross) == tuple(Decimal(value) for value in expected)
    assert amount.net + amount.tax == amount.gross


def test_from_net_of_a_negative_amount_is_the_exact_opposite_of_the_positive_one():
    for net in ("0.05", "1.11", "58.65", "69.00", "333.33"):
        for rate in ("0.077", "0.081", "0.19", "0.255"):
            positive = TaxedAmount.from_net(Decimal(net), Decimal(rate))
            negative = TaxedAmount.from_net(-Decimal(net), Decimal(rate))
            assert (negative.net, negative.tax, negative.gross) == (
                -positive.net,
                -positive.tax,
                -positive.gross,
            )
