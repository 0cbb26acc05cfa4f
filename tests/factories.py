"""Factories for test data; they build through the models, services are exercised by the tests themselves."""

import secrets
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from organizations.models import (
    BillingAddress,
    Currency,
    EntityType,
    Membership,
    Organization,
    Product,
    ProductType,
    Role,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    # Every factory user signs in with PASSWORD (hashed with the fast test hasher set in conftest).
    password = factory.LazyFunction(lambda: make_password(PASSWORD))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    entity_type = EntityType.COMPANY
    country = "CH"
    currency = factory.LazyAttribute(
        lambda o: Currency.CHF if str(o.country) in {"CH", "LI"} else Currency.EUR
    )
    vat_number = ""


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.LEGAL_REPRESENTATIVE


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    organization = factory.SubFactory(OrganizationFactory)
    product_type = factory.LazyFunction(lambda: ProductType.objects.get(slug="web-hosting"))
    name = factory.Sequence(lambda n: f"site{n}.example.ch")


class BillingAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingAddress

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.LazyAttribute(lambda a: a.organization.name)
    street = "Rue du Marché 1"
    postal_code = "1204"
    city = "Genève"
    country = "CH"


def member(organization: Organization, role: str = Role.LEGAL_REPRESENTATIVE, **user_fields) -> User:
    """A user with `role` in `organization`."""
    return MembershipFactory(organization=organization, role=role, user=UserFactory(**user_fields)).user


# The partner program


class PartnerProfileFactory(factory.django.DjangoModelFactory):
    """A referenced partner's directory entry; its organization becomes a referenced partner."""

    class Meta:
        model = "partners.PartnerProfile"
        django_get_or_create = ("organization",)
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory, is_referenced_partner=True)
    public_name = factory.LazyAttribute(lambda p: p.organization.name)
    contact_email = factory.Sequence(lambda n: f"contact{n}@partner.example")
    country = factory.LazyAttribute(lambda p: p.organization.country)
    reseller_discount_rate = Decimal("0.150")
    cashback_rate = Decimal("0.100")

    @factory.post_generation
    def referenced(self, create, extracted, **kwargs):
        if create and not self.organization.is_referenced_partner:
            self.organization.is_referenced_partner = True
            self.organization.save(update_fields=["is_referenced_partner"])


class PartnershipFactory(factory.django.DjangoModelFactory):
    """A partnership in any status (built directly, not through the services); `products=[...]` grants."""

    class Meta:
        model = "partners.Partnership"
        skip_postgeneration_save = True

    client = factory.SubFactory(OrganizationFactory)
    partner = factory.LazyFunction(lambda: PartnerProfileFactory().organization)
    access = "full"
    payment_method = "client"
    status = "active"
    initiated_by = "client"
    invitation_nonce = factory.LazyFunction(lambda: secrets.token_hex(16))
    answered_at = factory.LazyAttribute(
        lambda p: timezone.now() if p.status in ("active", "refused", "stopped") else None
    )
    ended_at = factory.LazyAttribute(
        lambda p: timezone.now() if p.status in ("cancelled", "stopped", "expired") else None
    )

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)


class ClientRequestFactory(factory.django.DjangoModelFactory):
    """A partner's "Add a client" request, as the partner typed it (matched to no one)."""

    class Meta:
        model = "partners.ClientRequest"

    partner = factory.LazyFunction(lambda: PartnerProfileFactory().organization)
    client_email = factory.Sequence(lambda n: f"someone{n}@example.com")
    access = "limited"
    payment_method = "client"
