"""Factories for test data; they build through the models, services are exercised by the tests themselves."""

import factory
from django.contrib.auth.hashers import make_password

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
