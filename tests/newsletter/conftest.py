import pytest

from organizations.models import ProductType
from tests.factories import ProductFactory
from tests.tokens.conftest import bearer, make_token  # noqa: F401


@pytest.fixture
def newsletter(organization):
    return ProductFactory(
        organization=organization,
        name="news.helvetia.example",
        product_type=ProductType.objects.get(slug="newsletter"),
    )
