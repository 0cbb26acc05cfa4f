"""Billing fixtures: partnerships between the root conftest's client (Helvetia Web AG) and partner (Léman
Digital SA: 15 % reseller discount, 10 % cashback), built directly, and helpers to order, top up and read
wallets through the services."""

from decimal import Decimal

import pytest

from billing import services
from billing.models import LedgerEntry, Wallet
from organizations.models import Membership, ProductType, Role
from tests.factories import OrganizationFactory, PartnershipFactory, member


@pytest.fixture
def staff(db):
    return member(OrganizationFactory(name="Platform staff"), Role.LEGAL_REPRESENTATIVE, is_staff=True)


@pytest.fixture
def partnership(client_org, partner_org):
    """An active partnership of the client with the partner (full, the client pays, unless told)."""

    def _partnership(access="full", payment_method="client", status="active", products=(), **fields):
        return PartnershipFactory(
            client=fields.pop("client", client_org),
            partner=fields.pop("partner", partner_org),
            access=access,
            payment_method=payment_method,
            status=status,
            products=list(products),
            **fields,
        )

    return _partnership


@pytest.fixture
def product_type(db):
    return lambda slug: ProductType.objects.get(slug=slug)


@pytest.fixture
def web_hosting(product_type):
    """69.00 CHF / 69.00 EUR a year."""
    return product_type("web-hosting")


@pytest.fixture
def order(acting, web_hosting):
    """`user` orders a product in `organization` (as a member, or for a partner when they act as one)."""

    def _order(user, organization, product_type=None, name="shop.example.ch"):
        return services.product_order(
            access=acting(user, organization), product_type=product_type or web_hosting, name=name
        )

    return _order


@pytest.fixture
def renew(acting):
    def _renew(user, product):
        return services.product_renew(access=acting(user, product.organization), product=product)

    return _renew


def legal_representative_of(organization):
    membership = (
        Membership.objects.filter(organization=organization, role=Role.LEGAL_REPRESENTATIVE)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else member(organization, Role.LEGAL_REPRESENTATIVE)


@pytest.fixture
def top_up(acting):
    """The organization's legal representative tops its wallet up (which settles due invoices)."""

    def _top_up(organization, amount):
        user = legal_representative_of(organization)
        return services.wallet_top_up(access=acting(user, organization), amount=amount)

    return _top_up


@pytest.fixture
def balance(db):
    def _balance(organization) -> Decimal:
        wallet = Wallet.objects.filter(organization=organization).first()
        return wallet.balance if wallet else Decimal("0.00")

    return _balance


@pytest.fixture
def ledger(db):
    """The organization's ledger entries in the order they were written."""

    def _ledger(organization, kind=None) -> list[LedgerEntry]:
        entries = LedgerEntry.objects.filter(wallet__organization=organization).order_by("pk")
        if kind is not None:
            entries = entries.filter(kind=kind)
        return list(entries)

    return _ledger


# The billing-history export of managed clients


@pytest.fixture
def alpine(partner_org):
    """A client that pays its own orders (the partner earns cashback)."""
    client = OrganizationFactory(name="Alpine Shop", country="CH")
    member(client, Role.LEGAL_REPRESENTATIVE, email="owner@alpine.example")
    PartnershipFactory(client=client, partner=partner_org, access="full", payment_method="client")
    return client


@pytest.fixture
def helvetia(client_org, partner_org):
    """A client for which the partner pays (at the reseller discount)."""
    PartnershipFactory(client=client_org, partner=partner_org, access="full", payment_method="partner")
    return client_org


@pytest.fixture
def export_world(alpine, helvetia, partner_org, partner_legal, acting, web_hosting, client_legal):
    """Three orders of Web hosting: the partner orders for each client, and Alpine's owner orders itself."""
    alpine_owner = alpine.memberships.get().user
    for_alpine = services.product_order(
        access=acting(partner_legal, alpine), product_type=web_hosting, name="alpine.example"
    )
    for_helvetia = services.product_order(
        access=acting(partner_legal, helvetia), product_type=web_hosting, name="helvetia.example"
    )
    by_alpine = services.product_order(
        access=acting(alpine_owner, alpine), product_type=web_hosting, name="own.alpine.example"
    )
    return {"for_alpine": for_alpine, "for_helvetia": for_helvetia, "by_alpine": by_alpine}
