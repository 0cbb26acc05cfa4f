"""Billing fixtures: a Swiss client (Helvetia Web AG, from the root conftest) with its members, a referenced
Swiss partner (Léman Digital SA: 15 % reseller discount, 10 % cashback), partnerships built directly, and
helpers to order, top up and read wallets through the services.

`shared_database` lets real threads race on one database (see its docstring)."""

from decimal import Decimal

import pytest

from billing import services
from billing.models import LedgerEntry, Wallet
from organizations.access import resolve_access
from organizations.models import Membership, ProductType, Role
from tests.factories import OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member


@pytest.fixture
def client_org(organization):
    return organization


@pytest.fixture
def client_legal(legal_representative):
    return legal_representative


@pytest.fixture
def client_admin(administrator):
    return administrator


@pytest.fixture
def client_user(plain_user):
    return plain_user


@pytest.fixture
def client_external(external_user):
    return external_user


@pytest.fixture
def partner_org(db):
    organization = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(
        organization=organization,
        public_name="Léman Digital",
        contact_email="hello@leman.example",
        reseller_discount_rate=Decimal("0.150"),
        cashback_rate=Decimal("0.100"),
    )
    return organization


@pytest.fixture
def partner_legal(partner_org):
    return member(partner_org, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example", full_name="Lena Léman")


@pytest.fixture
def partner_user(partner_org):
    return member(partner_org, Role.USER, email="user@leman.example")


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
def acting():
    """The access of `user` in `organization`, as the views compute it."""

    def _acting(user, organization):
        access = resolve_access(user, organization)
        assert access is not None, f"{user} has no access to {organization}"
        return access

    return _acting


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
