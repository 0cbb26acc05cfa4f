"""Orders and renewals on the database: where the product is installed, who is invoiced at what price and
tax, whether the wallet pays, who earns cashback, and the one audit event each order writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import services
from billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry, Order, OrderKind, TaxRate
from compliance.selectors import audit_events_visible_to
from core.models import AuditEvent
from organizations.models import EntityType, Product, ProductStatus, ProductType, Role
from partners import services as partner_services
from tests.factories import PASSWORD, OrganizationFactory, ProductFactory, member

YEAR = timedelta(days=365)


def invoice_of(order: Order) -> Invoice:
    return order.invoice_lines.get().invoice


def written() -> dict:
    """What an order writes, to check that a refused one wrote nothing."""
    return {
        "products": Product.objects.count(),
        "orders": Order.objects.count(),
        "invoices": Invoice.objects.count(),
        "ledger": LedgerEntry.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def assert_invoiced(order, *, to, net, tax, gross, status=InvoiceStatus.DUE):
    invoice = invoice_of(order)
    assert invoice.organization == to
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (
        Decimal(net),
        Decimal(tax),
        Decimal(gross),
    )
    assert invoice.status == status
    assert order.payer == to
    assert order.net_amount == Decimal(net)
    return invoice


# New orders


@pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER])
def test_a_member_orders_a_product_installed_and_invoiced_in_its_own_organization(
    client_org, order, web_hosting, role
):
    user = member(client_org, role)

    placed = order(user, client_org, name="shop.helvetia.example")

    product = placed.product
    assert (product.organization, product.product_type, product.name) == (
        client_org,
        web_hosting,
        "shop.helvetia.example",
    )
    assert product.status == ProductStatus.ACTIVE
    assert product.expires_at == placed.period_end
    assert placed.period_end - placed.period_start == YEAR
    assert (placed.kind, placed.placed_by, placed.placed_by_partner, placed.partner) == (
        OrderKind.NEW,
        user,
        None,
        None,
    )
    invoice = assert_invoiced(placed, to=client_org, net="69.00", tax="5.59", gross="74.59")
    assert invoice.currency == "CHF"
    line = invoice.lines.get()
    assert (line.tax_rule, line.tax_rate, line.tax_wording) == ("ch_vat", Decimal("0.081"), "Swiss VAT 8.1 %")
    assert line.order == placed
    assert "shop.helvetia.example" in line.description


@pytest.mark.parametrize(
    ("country", "entity_type", "vat_number", "currency", "net", "tax", "wording"),
    [
        ("CH", EntityType.COMPANY, "CHE116281710", "CHF", "69.00", "5.59", "Swiss VAT 8.1 %"),
        ("LI", EntityType.INDIVIDUAL, "", "CHF", "69.00", "5.59", "Swiss VAT 8.1 %"),
        ("DE", EntityType.INDIVIDUAL, "", "EUR", "69.00", "13.11", "VAT DE 19.0 %"),
        ("FI", EntityType.ASSOCIATION, "", "EUR", "69.00", "17.60", "VAT FI 25.5 %"),
        ("DE", EntityType.COMPANY, "DE136695976", "EUR", "69.00", "0.00", "Reverse charge"),
        ("US", EntityType.COMPANY, "", "EUR", "69.00", "0.00", "Outside the scope of VAT"),
    ],
)
def test_an_order_is_invoiced_at_the_public_price_with_the_buyers_tax(
    order, country, entity_type, vat_number, currency, net, tax, wording
):
    buyer = OrganizationFactory(country=country, entity_type=entity_type, vat_number=vat_number)

    placed = order(member(buyer), buyer)

    invoice = assert_invoiced(placed, to=buyer, net=net, tax=tax, gross=str(Decimal(net) + Decimal(tax)))
    assert invoice.currency == currency
    assert invoice.lines.get().tax_wording.startswith(wording)


VAT_COUNTRIES = ["CH", "LI", "DE", "FR", "IT", "IE", "EE", "RO", "LU", "SE", "MT", "HU", "FI", "US"]


def test_every_catalog_product_can_be_ordered_by_a_consumer_in_every_vat_country(order):
    """Whatever the price and the rate, the invoice is issued and its net and tax add up to its gross."""
    failures = []

    for country in VAT_COUNTRIES:
        buyer = OrganizationFactory(country=country, entity_type=EntityType.INDIVIDUAL)
        user = member(buyer)
        for product_type in ProductType.objects.filter(is_active=True).order_by("slug"):
            try:
                with transaction.atomic():
                    placed = order(
                        user, buyer, product_type=product_type, name=f"{product_type.slug}.example"
                    )
            except (ValidationError, IntegrityError) as error:
                failures.append(f"{product_type.slug} to {country}: {error}")
                continue
            invoice = invoice_of(placed)
            assert invoice.net_amount + invoice.tax_amount == invoice.gross_amount

    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("balance_before", "status", "balance_after"),
    [
        (None, InvoiceStatus.DUE, "0.00"),
        ("74.58", InvoiceStatus.DUE, "74.58"),  # one cent short: nothing is taken
        ("74.59", InvoiceStatus.PAID, "0.00"),
        ("100.00", InvoiceStatus.PAID, "25.41"),
    ],
)
def test_an_order_is_paid_from_the_wallet_only_when_the_balance_covers_it(
    client_org, client_legal, order, top_up, balance, ledger, balance_before, status, balance_after
):
    if balance_before:
        top_up(client_org, balance_before)

    invoice = invoice_of(order(client_legal, client_org))

    assert invoice.status == status
    assert (invoice.paid_at is not None) == (status == InvoiceStatus.PAID)
    assert balance(client_org) == Decimal(balance_after)
    payments = ledger(client_org, EntryKind.PAYMENT)
    if status == InvoiceStatus.PAID:
        assert [(entry.amount, entry.invoice) for entry in payments] == [(Decimal("-74.59"), invoice)]
    else:
        assert payments == []


@pytest.mark.parametrize("orderer", ["partner_legal", "partner_user"])
def test_a_full_partner_who_pays_orders_for_the_client_at_its_reseller_discount(
    request, client_org, partner_org, partnership, order, top_up, balance, ledger, orderer
):
    partnership(access="full", payment_method="partner")
    top_up(partner_org, "100.00")

    placed = order(request.getfixturevalue(orderer), client_org, name="client-shop.example")

    assert placed.product.organization == client_org, "installed in the client, whoever pays"
    assert not Product.objects.filter(organization=partner_org).exists()
    # 69.00 less 15 %, with the partner's Swiss VAT
    assert_invoiced(placed, to=partner_org, net="58.65", tax="4.75", gross="63.40", status=InvoiceStatus.PAID)
    assert (placed.placed_by_partner, placed.partner, placed.payment_method) == (
        partner_org,
        partner_org,
        "partner",
    )
    assert placed.discount_rate == Decimal("0.150")
    assert placed.cashback_amount == 0
    assert balance(partner_org) == Decimal("36.60")
    assert ledger(partner_org, EntryKind.CASHBACK) == []
    assert not Invoice.objects.filter(organization=client_org).exists(), "the client is not invoiced"
    assert balance(client_org) == 0


def test_a_full_partner_ordering_while_the_client_pays_earns_cashback(
    client_org, partner_org, partner_legal, partnership, order, balance, ledger
):
    partnership(access="full", payment_method="client")

    placed = order(partner_legal, client_org)

    assert placed.product.organization == client_org
    assert_invoiced(placed, to=client_org, net="69.00", tax="5.59", gross="74.59")
    assert placed.placed_by_partner == partner_org
    assert placed.cashback_amount == Decimal("6.90")
    [cashback] = ledger(partner_org, EntryKind.CASHBACK)
    assert (cashback.amount, cashback.order, cashback.balance_after) == (
        Decimal("6.90"),
        placed,
        Decimal("6.90"),
    )
    assert balance(partner_org) == Decimal("6.90")
    assert not Invoice.objects.filter(organization=partner_org).exists()


@pytest.mark.parametrize(
    ("access", "payment_method"), [("full", "client"), ("full", "partner"), ("limited", "client")]
)
def test_the_client_ordering_itself_earns_its_active_partner_cashback(
    client_org, client_legal, partner_org, partnership, order, balance, access, payment_method
):
    partnership(access=access, payment_method=payment_method)

    placed = order(client_legal, client_org)

    assert_invoiced(placed, to=client_org, net="69.00", tax="5.59", gross="74.59")
    assert (placed.placed_by_partner, placed.partner) == (None, partner_org)
    assert placed.cashback_amount == Decimal("6.90")
    assert balance(partner_org) == Decimal("6.90")


@pytest.mark.parametrize("status", [None, "pending", "refused", "cancelled", "stopped", "expired"])
def test_without_an_active_partnership_the_client_pays_the_public_price_and_nobody_earns(
    client_org, client_legal, partnership, order, status
):
    if status:
        partnership(status=status, payment_method="partner")

    placed = order(client_legal, client_org)

    assert_invoiced(placed, to=client_org, net="69.00", tax="5.59", gross="74.59")
    assert (placed.partner, placed.cashback_amount) == (None, 0)
    assert not LedgerEntry.objects.filter(kind=EntryKind.CASHBACK).exists()


def test_a_partner_in_another_currency_pays_and_earns_in_its_own(
    partner_org, partner_legal, partnership, acting, order, product_type, balance
):
    """A German client (EUR) and the Swiss partner (CHF): a .com domain costs 16.00 CHF or 15.50 EUR."""
    client = OrganizationFactory(country="DE", entity_type=EntityType.INDIVIDUAL)
    client_member = member(client)
    domain = product_type("domain-com")
    link = partnership(client=client, payment_method="client")

    by_client = order(client_member, client, product_type=domain, name="beispiel.com")

    assert (by_client.currency, by_client.net_amount, by_client.cashback_amount) == (
        "EUR",
        Decimal("15.50"),
        Decimal("1.55"),
    )
    cashback = LedgerEntry.objects.get(order=by_client, kind=EntryKind.CASHBACK)
    assert (cashback.wallet.currency, cashback.amount) == ("CHF", Decimal("1.60")), "10 % of 16.00 CHF"
    assert balance(partner_org) == Decimal("1.60")

    partner_services.partnership_change_payment_method(
        access=acting(client_member, client), partnership=link, payment_method="partner", password=PASSWORD
    )
    by_partner = order(partner_legal, client, product_type=domain, name="beispiel.net")

    assert (by_partner.payer, by_partner.currency, by_partner.net_amount) == (
        partner_org,
        "CHF",
        Decimal("13.60"),
    )
    invoice = invoice_of(by_partner)
    assert (invoice.currency, invoice.gross_amount) == ("CHF", Decimal("14.70"))  # 13.60 + 1.10 Swiss VAT


# Refusals


@pytest.fixture
def granted(client_org, client_legal, order):
    """A product the client ordered itself, to grant to a limited partner."""
    return order(client_legal, client_org, name="granted.helvetia.example").product


def test_a_limited_partner_cannot_order_new_products(client_org, partner_legal, partnership, granted, order):
    partnership(access="limited", products=[granted])
    before = written()

    with pytest.raises(PermissionDenied):
        order(partner_legal, client_org, name="not-allowed.example")

    assert written() == before


def test_an_external_member_cannot_order_even_with_products_listed(
    client_org, client_external, granted, order
):
    client_external.memberships.get(organization=client_org).products.add(granted)
    before = written()

    with pytest.raises(PermissionDenied):
        order(client_external, client_org, name="not-allowed.example")

    assert written() == before


def test_a_missing_tax_rate_refuses_the_order_and_writes_nothing(order):
    buyer = OrganizationFactory(country="AT", entity_type=EntityType.INDIVIDUAL)
    buyer_member = member(buyer)
    TaxRate.objects.filter(country="AT").delete()
    before = written()

    with pytest.raises(ValidationError, match="No VAT rate is known for AT"):
        order(buyer_member, buyer)

    assert written() == before


# Renewals


def test_a_limited_partner_renews_a_granted_product_but_not_another(
    client_org, client_legal, partner_org, partner_legal, partnership, granted, order, renew
):
    other = order(client_legal, client_org, name="other.helvetia.example").product
    partnership(access="limited", products=[granted])
    expires = granted.expires_at

    renewal = renew(partner_legal, granted)

    assert (renewal.kind, renewal.product, renewal.placed_by) == (OrderKind.RENEWAL, granted, partner_legal)
    assert renewal.period_start == expires
    granted.refresh_from_db()
    assert granted.expires_at == expires + YEAR
    # The client placed the first order: the client pays, and its active partner earns cashback.
    assert_invoiced(renewal, to=client_org, net="69.00", tax="5.59", gross="74.59")
    assert renewal.cashback_amount == Decimal("6.90")
    before = written()
    with pytest.raises(PermissionDenied):
        renew(partner_legal, other)
    assert written() == before


FIRST_BY_PARTNER, FIRST_BY_CLIENT = "partner", "client"


@pytest.mark.parametrize(
    ("first_by", "method_at_order", "method_at_renewal", "payer", "net", "cashback"),
    [
        (FIRST_BY_PARTNER, "client", "client", "client", "69.00", "6.90"),
        (FIRST_BY_PARTNER, "client", "partner", "partner", "58.65", "0.00"),
        (FIRST_BY_PARTNER, "partner", "partner", "partner", "58.65", "0.00"),
        (FIRST_BY_PARTNER, "partner", "client", "client", "69.00", "6.90"),
        (FIRST_BY_CLIENT, "client", "partner", "client", "69.00", "6.90"),
        (FIRST_BY_CLIENT, "partner", "client", "client", "69.00", "6.90"),
    ],
)
@pytest.mark.parametrize("renewed_by", ["client_legal", "renewals_run"])
def test_a_renewal_counts_as_placed_by_the_first_orderer_under_the_payment_method_of_the_day(
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    partnership,
    acting,
    order,
    renew,
    first_by,
    method_at_order,
    method_at_renewal,
    payer,
    net,
    cashback,
    renewed_by,
):
    link = partnership(access="full", payment_method=method_at_order)
    first = order(partner_legal if first_by == FIRST_BY_PARTNER else client_legal, client_org)
    if method_at_renewal != method_at_order:
        partner_services.partnership_change_payment_method(
            access=acting(client_legal, client_org),
            partnership=link,
            payment_method=method_at_renewal,
            password=PASSWORD,
        )

    if renewed_by == "renewals_run":
        Product.objects.filter(pk=first.product.pk).update(expires_at=timezone.now() + timedelta(hours=1))
        assert services.renewals_run() == 1
        renewal = first.product.orders.get(kind=OrderKind.RENEWAL)
    else:
        renewal = renew(client_legal, first.product)

    payer_org = partner_org if payer == "partner" else client_org
    assert renewal.payer == payer_org
    assert renewal.net_amount == Decimal(net)
    assert renewal.cashback_amount == Decimal(cashback)
    assert renewal.payment_method == method_at_renewal
    assert renewal.placed_by_partner == (partner_org if first_by == FIRST_BY_PARTNER else None)
    assert invoice_of(renewal).organization == payer_org
    assert renewal.product.organization == client_org
    # The first order's invoice is never touched by the change.
    assert invoice_of(first).organization == (
        partner_org if first_by == FIRST_BY_PARTNER and method_at_order == "partner" else client_org
    )


@pytest.mark.parametrize("stopped_from", ["client", "partner"])
@pytest.mark.parametrize("payment_method", ["client", "partner"])
def test_after_stop_collaboration_a_renewal_is_the_clients_alone(
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    partnership,
    acting,
    order,
    renew,
    stopped_from,
    payment_method,
):
    link = partnership(access="full", payment_method=payment_method)
    first = order(partner_legal, client_org)
    cashback_before = LedgerEntry.objects.filter(kind=EntryKind.CASHBACK).count()
    stopper = (client_legal, client_org) if stopped_from == "client" else (partner_legal, partner_org)
    partner_services.partnership_stop(access=acting(*stopper), partnership=link, password=PASSWORD)

    renewal = renew(client_legal, first.product)

    assert_invoiced(renewal, to=client_org, net="69.00", tax="5.59", gross="74.59")
    assert (renewal.partner, renewal.placed_by_partner, renewal.cashback_amount) == (None, None, 0)
    assert LedgerEntry.objects.filter(kind=EntryKind.CASHBACK).count() == cashback_before


def test_renewals_run_renews_what_ends_within_a_day_and_nothing_else_and_can_run_twice(
    client_org, client_legal, order
):
    now = timezone.now()

    def product(name, expires_at, status=ProductStatus.ACTIVE):
        placed = order(client_legal, client_org, name=name).product
        Product.objects.filter(pk=placed.pk).update(expires_at=expires_at, status=status)
        return placed

    ends_tonight = product("ends-tonight.example", now + timedelta(hours=12))
    ended = product("ended.example", now - timedelta(days=3))  # still active: renewed from today
    next_week = product("next-week.example", now + timedelta(days=7))
    in_two_days = product("in-two-days.example", now + timedelta(days=2))
    suspended = product("suspended.example", now + timedelta(hours=1), status=ProductStatus.SUSPENDED)
    expired = product("expired.example", now - timedelta(days=1), status=ProductStatus.EXPIRED)
    never_ordered = ProductFactory(organization=client_org, name="no-period.example")
    invoices_before = Invoice.objects.count()

    assert services.renewals_run() == 2

    renewed = set(Order.objects.filter(kind=OrderKind.RENEWAL).values_list("product__name", flat=True))
    assert renewed == {"ends-tonight.example", "ended.example"}
    ends_tonight.refresh_from_db()
    assert ends_tonight.expires_at == now + timedelta(hours=12) + YEAR
    ended.refresh_from_db()
    assert now + YEAR <= ended.expires_at <= timezone.now() + YEAR
    for untouched in (next_week, in_two_days, suspended, expired, never_ordered):
        assert not untouched.orders.filter(kind=OrderKind.RENEWAL).exists(), untouched.name
    assert Invoice.objects.count() == invoices_before + 2
    assert AuditEvent.objects.filter(action="order.renewal", actor=None).count() == 2

    assert services.renewals_run() == 0
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 2
    assert Invoice.objects.count() == invoices_before + 2


# The audit event of an order


def order_events(action):
    return list(AuditEvent.objects.filter(action=action))


@pytest.mark.parametrize("placed_by", ["client_legal", "partner_legal"])
def test_an_order_writes_one_event_the_client_sees_and_the_partner_only_when_it_placed_it(
    request, client_org, client_legal, partner_org, partner_legal, partnership, acting, order, placed_by
):
    partnership(access="full", payment_method="partner")
    user = request.getfixturevalue(placed_by)

    placed = order(user, client_org)

    [event] = order_events("order.new")
    assert (event.organization, event.actor, event.target_id) == (client_org, user, str(placed.pk))
    assert event.on_behalf_of == (partner_org if placed_by == "partner_legal" else None)
    assert event in audit_events_visible_to(acting(client_legal, client_org))
    # The partner's log shows what its people did, never the client's own orders.
    in_partner_log = event in audit_events_visible_to(acting(partner_legal, partner_org))
    assert in_partner_log == (placed_by == "partner_legal")
    assert event.changes["invoice"] == invoice_of(placed).display_number


def test_a_renewal_writes_one_renewal_event_the_client_sees(client_org, client_legal, acting, order, renew):
    placed = order(client_legal, client_org)

    renewal = renew(client_legal, placed.product)

    [event] = order_events("order.renewal")
    assert (event.organization, event.actor, event.on_behalf_of) == (client_org, client_legal, None)
    assert event.target_id == str(renewal.pk)
    assert event in audit_events_visible_to(acting(client_legal, client_org))
    assert len(order_events("order.new")) == 1


def test_a_renewal_a_partner_user_places_is_recorded_on_behalf_of_the_partner(
    client_org, partner_org, partner_legal, partnership, granted, renew
):
    """The activity log says who acted: a partner's user renewing a product the client once ordered acts for
    the partner, whoever the renewal is priced for."""
    partnership(access="limited", products=[granted])

    renew(partner_legal, granted)

    [event] = order_events("order.renewal")
    assert event.actor == partner_legal
    assert event.on_behalf_of == partner_org


def test_a_renewal_the_client_places_is_not_recorded_on_behalf_of_the_partner(
    client_org, client_legal, partner_org, partner_legal, partnership, order, renew
):
    """…and the client's own member renewing a product the partner first ordered acts for nobody."""
    partnership(access="full", payment_method="client")
    placed = order(partner_legal, client_org)

    renew(client_legal, placed.product)

    [event] = order_events("order.renewal")
    assert event.actor == client_legal
    assert event.on_behalf_of is None
