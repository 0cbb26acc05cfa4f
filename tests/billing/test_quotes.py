"""The price shown before ordering or renewing is the price charged: for each row of the "who pays" table
(DESIGN, Billing), the quote of the order and renewal pages equals the order recorded, its invoice and the
cashback credited to the partner."""

from decimal import Decimal

import pytest

from billing import selectors, services
from billing.models import EntryKind, LedgerEntry, Order
from billing.pricing import CLIENT, PARTNER, Quote
from organizations.models import EntityType, ProductType
from partners import services as partner_services
from tests.factories import OrganizationFactory, member


def assert_charged_as_quoted(shown: Quote, placed: Order) -> None:
    invoice = placed.invoice_lines.get().invoice
    assert (invoice.organization, invoice.currency, invoice.net_amount) == (
        shown.payer,
        shown.currency,
        shown.net,
    )
    assert (placed.payer, placed.currency, placed.public_price, placed.discount_rate, placed.net_amount) == (
        shown.payer,
        shown.currency,
        shown.public_price,
        shown.discount_rate,
        shown.net,
    )
    assert (placed.partner, placed.placed_by_partner, placed.payment_method) == (
        shown.partner,
        shown.placed_by_partner,
        shown.payment_method,
    )
    assert (placed.cashback_rate, placed.cashback_amount) == (shown.cashback_rate, shown.cashback)
    credited = LedgerEntry.objects.filter(order=placed, kind=EntryKind.CASHBACK)
    assert [(entry.wallet.organization, entry.amount) for entry in credited] == (
        [(shown.partner, shown.cashback_credited)] if shown.cashback else []
    )


BY_PARTNER, BY_CLIENT = "partner", "client"
NO_PARTNER = None


@pytest.mark.parametrize(
    ("placed_by", "payment_method", "paid_by", "net", "cashback"),
    [
        pytest.param(BY_PARTNER, "client", CLIENT, "69.00", "6.90", id="partner-for-client,client-pays"),
        pytest.param(BY_PARTNER, "partner", PARTNER, "58.65", "0.00", id="partner-for-client,partner-pays"),
        pytest.param(BY_CLIENT, "partner", CLIENT, "69.00", "6.90", id="client-itself,with-a-partner"),
        pytest.param(BY_CLIENT, NO_PARTNER, CLIENT, "69.00", "0.00", id="client-without-a-partner"),
    ],
)
def test_an_order_is_charged_the_price_the_order_page_shows(
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    partnership,
    acting,
    web_hosting,
    placed_by,
    payment_method,
    paid_by,
    net,
    cashback,
):
    if payment_method is not NO_PARTNER:
        partnership(access="full", payment_method=payment_method)
    access = acting(partner_legal if placed_by == BY_PARTNER else client_legal, client_org)

    shown = selectors.new_order_quotes(access, [web_hosting])[web_hosting.pk]
    placed = services.product_order(access=access, product_type=web_hosting, name="shop.example.ch")

    assert (shown.paid_by, shown.currency, shown.net, shown.cashback_credited) == (
        paid_by,
        "CHF",
        Decimal(net),
        Decimal(cashback),
    )
    assert shown.payer == (partner_org if paid_by == PARTNER else client_org)
    assert_charged_as_quoted(shown, placed)


@pytest.mark.parametrize(
    ("method_at_order", "method_at_renewal", "paid_by", "net", "cashback"),
    [
        pytest.param("client", "partner", PARTNER, "58.65", "0.00", id="now-the-partner-pays"),
        pytest.param("partner", "client", CLIENT, "69.00", "6.90", id="now-the-client-pays"),
    ],
)
def test_a_renewal_first_ordered_by_the_partner_is_charged_the_price_the_renewal_page_shows(
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    partnership,
    acting,
    order,
    method_at_order,
    method_at_renewal,
    paid_by,
    net,
    cashback,
):
    link = partnership(access="full", payment_method=method_at_order)
    first = order(partner_legal, client_org)
    access = acting(client_legal, client_org)
    partner_services.partnership_change_payment_method(
        access=access, partnership=link, payment_method=method_at_renewal, password_confirmed=True
    )

    shown = selectors.renewal_quote(access, first.product)
    renewal = services.product_renew(access=access, product=first.product)

    assert (shown.placed_by_partner, shown.paid_by, shown.net, shown.cashback_credited) == (
        partner_org,
        paid_by,
        Decimal(net),
        Decimal(cashback),
    )
    assert_charged_as_quoted(shown, renewal)


@pytest.mark.parametrize(
    ("payment_method", "currency", "net", "cashback", "credited"),
    [
        pytest.param("client", "EUR", "15.50", "1.55", "1.60", id="client-pays-in-eur,partner-earns-in-chf"),
        pytest.param("partner", "CHF", "13.60", "0.00", "0.00", id="partner-pays-in-chf"),
    ],
)
def test_a_partner_in_another_currency_is_charged_and_credited_as_quoted(
    partner_org,
    partner_legal,
    partnership,
    acting,
    product_type,
    payment_method,
    currency,
    net,
    cashback,
    credited,
):
    """A German client (EUR) and the Swiss partner (CHF): a .com domain costs 16.00 CHF or 15.50 EUR."""
    client = OrganizationFactory(country="DE", entity_type=EntityType.INDIVIDUAL)
    member(client)
    domain = product_type("domain-com")
    partnership(client=client, payment_method=payment_method)
    access = acting(partner_legal, client)

    shown = selectors.new_order_quotes(access, [domain])[domain.pk]
    placed = services.product_order(access=access, product_type=domain, name="beispiel.com")

    assert (shown.currency, shown.net, shown.cashback, shown.cashback_credited) == (
        currency,
        Decimal(net),
        Decimal(cashback),
        Decimal(credited),
    )
    assert_charged_as_quoted(shown, placed)


def test_the_order_page_prices_the_whole_catalog_with_one_read_of_the_partnership(
    client_org, partner_legal, partnership, acting, django_assert_num_queries
):
    partnership(access="full", payment_method="partner")
    access = acting(partner_legal, client_org)
    product_types = list(ProductType.objects.all())

    with django_assert_num_queries(1):
        quotes = selectors.new_order_quotes(access, product_types)

    assert len(quotes) == len(product_types) > 1
    assert {quote.paid_by for quote in quotes.values()} == {PARTNER}


def test_the_renewal_page_prices_with_the_first_order_and_the_partnership_read_once_each(
    client_org, client_legal, partner_legal, partnership, acting, order, django_assert_num_queries
):
    partnership(access="full", payment_method="partner")
    product = order(partner_legal, client_org).product
    access = acting(client_legal, client_org)

    with django_assert_num_queries(2):
        shown = selectors.renewal_quote(access, product)

    assert shown.paid_by == PARTNER
