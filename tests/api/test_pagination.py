"""Lists are paginated with `?page=` and `?page_size=` (at most 200)."""

from organizations.models import Product, ProductType


def site(number: int) -> str:
    return f"site{number:03}.example.ch"


def test_page_size_is_honoured_and_capped_at_200(client_of, organization, plain_user):
    web_hosting = ProductType.objects.get(slug="web-hosting")
    Product.objects.bulk_create(
        Product(organization=organization, product_type=web_hosting, name=site(n)) for n in range(205)
    )
    client = client_of(plain_user)
    url = f"/api/v1/organizations/{organization.pk}/products"

    default = client.get(url).json()
    second_page = client.get(url, {"page": 2, "page_size": 10}).json()
    capped = client.get(url, {"page_size": 1000}).json()

    assert (default["count"], len(default["results"])) == (205, 50)
    assert [row["name"] for row in second_page["results"]] == [site(n) for n in range(10, 20)]
    assert second_page["previous"]
    assert second_page["next"]
    assert len(capped["results"]) == 200


def test_a_page_past_the_end_is_a_404(client_of, organization, plain_user):
    response = client_of(plain_user).get(f"/api/v1/organizations/{organization.pk}/products", {"page": 9})

    assert response.status_code == 404
