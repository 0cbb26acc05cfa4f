"""A client organization (Helvetia Web AG, CH, from the root conftest) with its members, a referenced partner
(Léman Digital SA) with its members, and helpers to issue invoices quickly for the list pages."""

from decimal import Decimal

import pytest

from organizations.models import ProductType, Role
from tests.factories import (
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
    member,
)


@pytest.fixture
def partner_org(db):
    organization = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(
        organization=organization,
        public_name="Léman Digital",
        reseller_discount_rate=Decimal("0.150"),
        cashback_rate=Decimal("0.100"),
    )
    return organization


@pytest.fixture
def partner_legal(partner_org):
    return member(partner_org, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example")


@pytest.fixture
def product(organization):
    return ProductFactory(organization=organization, name="shop.helvetia.example")


@pytest.fixture
def other_product(organization):
    return ProductFactory(organization=organization, name="blog.helvetia.example")


@pytest.fixture
def web_hosting(db):
    return ProductType.objects.get(slug="web-hosting")


@pytest.fixture
def eu_business(db):
    """A German company with a valid VAT number: its invoices are reverse charge."""
    return OrganizationFactory(
        name="Berlin Shop GmbH", country="DE", vat_number="DE136695976", entity_type="company"
    )


@pytest.fixture
def full_partnership(organization, partner_org):
    return PartnershipFactory(
        client=organization, partner=partner_org, access="full", payment_method="client"
    )
