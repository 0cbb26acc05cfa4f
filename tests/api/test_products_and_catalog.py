"""Products (as the access resolver lets each role see them) and the public catalog."""

from organizations.models import ProductType
from tests.factories import ProductFactory


def test_an_external_member_lists_only_the_products_given(
    client_of, organization, callers, granted_product, other_product
):
    response = client_of(callers["external"]).get(f"/api/v1/organizations/{organization.pk}/products")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [granted_product.pk]


def test_a_product_shows_its_type_status_and_dates(
    client_of, organization, plain_user, granted_product, other_product
):
    response = client_of(plain_user).get(
        f"/api/v1/organizations/{organization.pk}/products/{granted_product.pk}"
    )

    assert response.status_code == 200
    body = response.json()
    assert body.pop("created_at")
    # Installed without an order, it ends one period (a year) after its installation.
    assert body.pop("expires_at") == granted_product.expires_at.astimezone().isoformat()
    assert body == {
        "id": granted_product.pk,
        "product_type": {"slug": "web-hosting", "name": "Web hosting", "category": "web-hosting"},
        "name": "granted.example.ch",
        "status": "active",
        "auto_renew": True,
        "cancelled_at": None,
    }


def test_a_product_of_another_organization_is_a_404(client_of, organization, legal_representative, outsider):
    foreign = ProductFactory(organization=outsider.memberships.get().organization)

    response = client_of(legal_representative).get(
        f"/api/v1/organizations/{organization.pk}/products/{foreign.pk}"
    )

    assert response.status_code == 404


def test_the_catalog_lists_categories_with_the_types_on_sale_and_their_prices(client_of, outsider):
    ProductType.objects.filter(slug="cloud-server").update(is_active=False)

    response = client_of(outsider).get("/api/v1/catalog")

    assert response.status_code == 200
    categories = response.json()["results"]
    assert [category["slug"] for category in categories][:3] == ["web-hosting", "mail-service", "domain"]
    web_hosting = categories[0]
    assert set(web_hosting) == {"slug", "name", "icon", "product_types"}
    assert [product_type["slug"] for product_type in web_hosting["product_types"]] == [
        "web-hosting-starter",
        "web-hosting",
    ]
    assert web_hosting["product_types"][1] == {
        "slug": "web-hosting",
        "name": "Web hosting",
        "description": "Up to 20 sites, 250 GB SSD, PHP, MySQL.",
        "period": "year",
        "price_chf": "69.00",
        "price_eur": "69.00",
    }
