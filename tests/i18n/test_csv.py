"""CSV exports stay machine-readable in every language: a decimal point, ISO dates (README, Languages)."""

import csv
import io
import re

import pytest
from django.urls import reverse

from billing import services as billing_services
from organizations import services as organization_services
from organizations.access import resolve_access
from organizations.models import ProductType
from tests.factories import PartnershipFactory

LOCALIZED_NUMBER = re.compile(r"^-?\d{1,3}(?:[.\u202f\u00a0’']\d{3})*,\d+$")


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


@pytest.fixture
def managed_order(organization, partner_org, partner_legal):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="client")
    return billing_services.product_order(
        access=resolve_access(partner_legal, organization),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="shop.helvetia.example",
    )


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_the_billing_history_export_keeps_a_decimal_point_and_iso_dates(
    client, partner_org, partner_legal, managed_order, language
):
    client.force_login(partner_legal)

    response = client.get(
        f"/api/v1/organizations/{partner_org.pk}/managed-clients/export?history=orders&period=this_month",
        headers={"accept-language": language},
    )

    assert response.status_code == 200
    _header, *rows = rows_of(response)
    assert rows
    cells = [cell for row in rows for cell in row]
    assert str(managed_order.net_amount) in cells
    assert not [cell for cell in cells if LOCALIZED_NUMBER.match(cell)]
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell) for cell in cells)


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_the_activity_log_export_keeps_iso_dates(client, organization, legal_representative, language):
    organization_services.product_install(
        access=resolve_access(legal_representative, organization),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="shop.helvetia.example",
    )
    client.force_login(legal_representative)
    client.post(reverse("set_language"), {"language": language, "next": "/"})

    response = client.get(reverse("activity_log_export", kwargs={"org_id": organization.pk}))

    assert response.status_code == 200
    _header, *rows = rows_of(response)
    assert rows
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row[0]) for row in rows)
