"""Money invariants over many generated amounts and rates (hypothesis): rounding happens once, to the cent,
and net + tax == gross for every amount an invoice can carry."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing.money import CENT, TaxedAmount, round_money
from billing.pricing import PARTNER, price_for

amounts = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=4, allow_nan=False)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2, allow_nan=False)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.9"), places=3, allow_nan=False)


@given(amounts)
def test_rounding_gives_cents_and_is_stable(amount):
    rounded = round_money(amount)
    assert rounded == rounded.quantize(CENT)
    assert abs(rounded - amount) <= Decimal("0.005")
    assert round_money(rounded) == rounded


@given(amounts, rates)
def test_net_plus_tax_is_gross_for_any_amount_and_rate(net, rate):
    taxed = TaxedAmount.from_net(net, rate)
    assert taxed.net + taxed.tax == taxed.gross
    assert taxed.net == round_money(net)
    assert taxed.tax == round_money(taxed.net * rate)


@given(prices, rates, rates, st.booleans(), st.sampled_from(["client", "partner"]))
def test_a_price_is_never_above_the_public_price_and_cashback_never_above_it(
    public_price, discount, cashback, placed_by_partner, payment_method
):
    price = price_for(
        public_price=public_price,
        placed_by_partner=placed_by_partner,
        has_partner=True,
        payment_method=payment_method,
        reseller_discount_rate=discount,
        cashback_rate=cashback,
    )
    assert Decimal("0") <= price.net <= public_price
    assert Decimal("0") <= price.cashback <= public_price
    assert price.net == price.net.quantize(CENT)
    if price.payer == PARTNER:
        assert price.cashback == 0
