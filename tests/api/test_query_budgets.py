"""Every list costs the same number of queries for 5 rows as for 50: no query per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import Membership, ProductCategory, ProductType, Role
from tests.factories import BillingAddressFactory, OrganizationFactory, ProductFactory, member


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context)


def add_members(organization, count, granted):
    for _ in range(count):
        external = member(organization, Role.EXTERNAL)
        Membership.objects.get(user=external, organization=organization).products.set(granted)


def add_organizations(user, count):
    for _ in range(count):
        Membership.objects.create(user=user, organization=OrganizationFactory(), role=Role.USER)


def add_addresses(organization, count):
    for _ in range(count):
        BillingAddressFactory(organization=organization)


def add_products(organization, count, external=None):
    products = [ProductFactory(organization=organization) for _ in range(count)]
    if external is not None:
        Membership.objects.get(user=external, organization=organization).products.add(*products)


def add_product_types(count):
    for _ in range(count):
        category = ProductCategory.objects.create(
            slug=f"category-{ProductCategory.objects.count()}", name="Category"
        )
        for position in range(2):
            ProductType.objects.create(
                category=category,
                slug=f"{category.slug}-{position}",
                name="Type",
                price_chf="1.00",
                price_eur="1.00",
            )


@pytest.mark.parametrize(
    ("caller", "path", "grow", "budget"),
    [
        ("legal_representative", "/api/v1/me", lambda w, n: add_organizations(w.caller, n), 3),
        ("legal_representative", "/api/v1/organizations", lambda w, n: add_organizations(w.caller, n), 4),
        ("outsider", "/api/v1/catalog", lambda w, n: add_product_types(n), 5),
        ("administrator", "{org}/members", lambda w, n: add_members(w.organization, n, [w.product]), 6),
        ("user", "{org}/billing-addresses", lambda w, n: add_addresses(w.organization, n), 5),
        ("administrator", "{org}/products", lambda w, n: add_products(w.organization, n), 5),
        ("external", "{org}/products", lambda w, n: add_products(w.organization, n, w.caller), 7),
    ],
    ids=["me", "organizations", "catalog", "members", "billing-addresses", "products", "products-external"],
)
def test_a_list_costs_the_same_queries_for_5_and_50_rows(
    client_of,
    callers,
    organization,
    granted_product,
    django_assert_max_num_queries,
    caller,
    path,
    grow,
    budget,
):
    world = type(
        "World", (), {"caller": callers[caller], "organization": organization, "product": granted_product}
    )
    client = client_of(world.caller)
    url = path.format(org=f"/api/v1/organizations/{organization.pk}")

    grow(world, 5)
    queries_for(client, url)  # warm caches (content types, session) so both counts compare the same work
    with_5 = queries_for(client, url)
    grow(world, 45)
    with django_assert_max_num_queries(budget):
        with_50 = queries_for(client, url)

    assert with_5 == with_50
    body = client.get(url).json()
    assert len(body["organizations"] if path == "/api/v1/me" else body["results"]) >= 50
