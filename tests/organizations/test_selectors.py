"""Selectors return only what the caller's access allows, in a bounded number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from organizations import selectors
from organizations.models import Membership, ProductType, Role, VatNumberChange
from tests.factories import BillingAddressFactory, OrganizationFactory, ProductFactory, member


@pytest.fixture
def products(organization):
    """Two web hostings, a mail service and a domain in `organization`, and one product elsewhere."""
    hosting = ProductType.objects.get(slug="web-hosting")
    return {
        "site_a": ProductFactory(organization=organization, product_type=hosting, name="a.example.ch"),
        "site_b": ProductFactory(organization=organization, product_type=hosting, name="b.example.ch"),
        "mail": ProductFactory(
            organization=organization,
            product_type=ProductType.objects.get(slug="mail-service"),
            name="example.ch",
        ),
        "domain": ProductFactory(
            organization=organization,
            product_type=ProductType.objects.get(slug="domain-ch"),
            name="example.ch",
        ),
        "elsewhere": ProductFactory(
            organization=OrganizationFactory(), product_type=hosting, name="z.example.de"
        ),
    }


def grant(user, organization, *products):
    Membership.objects.get(user=user, organization=organization).products.add(*products)


# Products


@pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER])
def test_members_see_every_product_of_their_organization_only(organization, products, access_of, role):
    user = member(organization, role)

    visible = set(selectors.products_visible_to(access_of(user)))

    assert visible == {products[name] for name in ("site_a", "site_b", "mail", "domain")}


def test_an_external_user_sees_only_the_granted_products(organization, products, external_user, access_of):
    grant(external_user, organization, products["site_b"], products["mail"])

    visible = set(selectors.products_visible_to(access_of(external_user)))

    assert visible == {products["site_b"], products["mail"]}


def test_an_external_user_granted_a_product_of_another_organization_does_not_see_it(
    organization, products, external_user, access_of
):
    grant(external_user, organization, products["site_a"], products["elsewhere"])

    visible = list(selectors.products_visible_to(access_of(external_user)))

    assert visible == [products["site_a"]]


def test_an_external_user_without_products_sees_none(organization, products, external_user, access_of):
    assert list(selectors.products_visible_to(access_of(external_user))) == []


def test_categories_group_the_visible_products(organization, products, legal_representative, access_of):
    categories = selectors.product_categories_with_products(access_of(legal_representative))

    assert [category.slug for category in categories] == ["web-hosting", "mail-service", "domain"]
    grouped = {category.slug: category.visible_products for category in categories}
    assert grouped == {
        "web-hosting": [products["site_a"], products["site_b"]],
        "mail-service": [products["mail"]],
        "domain": [products["domain"]],
    }


def test_categories_of_an_external_user_hold_only_the_granted_products(
    organization, products, external_user, access_of
):
    grant(external_user, organization, products["site_b"], products["domain"])

    categories = selectors.product_categories_with_products(access_of(external_user))

    assert [(category.slug, category.visible_products) for category in categories] == [
        ("web-hosting", [products["site_b"]]),
        ("domain", [products["domain"]]),
    ]


def test_an_external_user_without_products_has_no_categories(
    organization, products, external_user, access_of
):
    assert selectors.product_categories_with_products(access_of(external_user)) == []


def test_an_organization_without_products_has_no_categories(organization, legal_representative, access_of):
    ProductFactory(organization=OrganizationFactory())

    assert selectors.product_categories_with_products(access_of(legal_representative)) == []


@pytest.mark.parametrize("count", [5, 50])
def test_categories_with_products_take_a_bounded_number_of_queries(
    organization, legal_representative, access_of, django_assert_max_num_queries, count
):
    product_types = list(ProductType.objects.all())
    for index in range(count):
        ProductFactory(organization=organization, product_type=product_types[index % len(product_types)])
    access = access_of(legal_representative)

    with django_assert_max_num_queries(3):
        categories = selectors.product_categories_with_products(access)
        shown = [
            (category.name, product.name, product.product_type.name)
            for category in categories
            for product in category.visible_products
        ]

    assert len(shown) == count


@pytest.mark.parametrize("count", [5, 50])
def test_the_product_list_takes_one_query_whatever_its_length(
    organization, external_user, access_of, django_assert_max_num_queries, count
):
    granted = [ProductFactory(organization=organization) for _ in range(count)]
    grant(external_user, organization, *granted)
    access = access_of(external_user)

    with django_assert_max_num_queries(1):
        shown = [
            (product.name, product.product_type.category.name)
            for product in selectors.products_visible_to(access)
        ]

    assert len(shown) == count


# Members


def test_members_are_listed_by_email_with_their_product_count(organization, products, access_of):
    member(organization, Role.LEGAL_REPRESENTATIVE, email="b-legal@helvetia.example")
    external = member(organization, Role.EXTERNAL, email="c-external@helvetia.example")
    user = member(organization, Role.USER, email="a-user@helvetia.example")
    member(OrganizationFactory(), Role.USER, email="0-elsewhere@example.com")
    grant(external, organization, products["site_a"], products["mail"])

    members = list(selectors.members_visible_to(access_of(user)))

    assert [(m.user.email, m.role, m.product_count) for m in members] == [
        ("a-user@helvetia.example", Role.USER, 0),
        ("b-legal@helvetia.example", Role.LEGAL_REPRESENTATIVE, 0),
        ("c-external@helvetia.example", Role.EXTERNAL, 2),
    ]


def test_an_external_user_sees_no_members(organization, legal_representative, external_user, access_of):
    assert list(selectors.members_visible_to(access_of(external_user))) == []


@pytest.mark.parametrize("count", [5, 50])
def test_the_member_list_takes_one_query_whatever_its_length(
    organization, legal_representative, access_of, django_assert_max_num_queries, count
):
    for _ in range(count):
        member(organization, Role.USER)
    access = access_of(legal_representative)

    with django_assert_max_num_queries(1):
        shown = [
            (m.user.email, m.get_role_display(), m.product_count)
            for m in selectors.members_visible_to(access)
        ]

    assert len(shown) == count + 1


# Billing addresses


@pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER])
def test_members_see_the_billing_addresses_of_their_organization_only(
    organization, outsider, access_of, role
):
    user = member(organization, role)
    mine = [
        BillingAddressFactory(organization=organization, is_default=True),
        BillingAddressFactory(organization=organization),
    ]
    BillingAddressFactory(organization=Membership.objects.get(user=outsider).organization)

    assert set(selectors.billing_addresses_visible_to(access_of(user))) == set(mine)


def test_an_external_user_sees_no_billing_address(organization, external_user, access_of):
    BillingAddressFactory(organization=organization, is_default=True)

    assert list(selectors.billing_addresses_visible_to(access_of(external_user))) == []


# VAT number history


def test_the_vat_number_history_lists_the_organization_s_changes_newest_first(
    organization, legal_representative, outsider, access_of
):
    now = timezone.now()
    first = VatNumberChange.objects.create(
        organization=organization, new_number="CHE107787577IVA", effective_from=now - timedelta(days=400)
    )
    second = VatNumberChange.objects.create(
        organization=organization,
        previous_number="CHE107787577IVA",
        new_number="CHE116281710MWST",
        effective_from=now - timedelta(days=10),
        changed_by=legal_representative,
    )
    VatNumberChange.objects.create(
        organization=Membership.objects.get(user=outsider).organization, new_number="DE136695976"
    )

    assert list(selectors.vat_number_history(access_of(legal_representative))) == [second, first]


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.USER])
def test_members_who_see_the_settings_see_the_vat_number_history(organization, access_of, role):
    change = VatNumberChange.objects.create(organization=organization, new_number="CHE116281710MWST")

    assert list(selectors.vat_number_history(access_of(member(organization, role)))) == [change]


def test_an_external_user_sees_no_vat_number_history(organization, external_user, access_of):
    VatNumberChange.objects.create(organization=organization, new_number="CHE116281710MWST")

    assert list(selectors.vat_number_history(access_of(external_user))) == []
