"""Billing addresses through the API: create, change, default switching, delete, and bad input."""

import pytest

from organizations.models import BillingAddress
from tests.factories import BillingAddressFactory, OrganizationFactory

ZURICH = {
    "name": "Helvetia Zürich",
    "street": "Bahnhofstrasse 1",
    "postal_code": "8001",
    "city": "Zürich",
    "country": "CH",
}


@pytest.fixture
def url(organization):
    return f"/api/v1/organizations/{organization.pk}/billing-addresses"


def test_an_address_shows_every_listed_field(client_of, plain_user, address, url):
    address.vat_number = "CHE116281710MWST"
    address.email = "billing@helvetia.example"
    address.save()

    response = client_of(plain_user).get(f"{url}/{address.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": address.pk,
        "name": "Helvetia Web AG",
        "street": "Rue du Marché 1",
        "postal_code": "1204",
        "city": "Genève",
        "country": "CH",
        "email": "billing@helvetia.example",
        "vat_number": "CHE116281710MWST",
        "vat_number_formatted": "CHE-116.281.710 MWST",
        "is_default": True,
    }


def test_the_first_address_becomes_the_default(client_of, organization, administrator, url):
    response = client_of(administrator).post(url, ZURICH, format="json")

    assert response.status_code == 201
    assert response.json()["is_default"] is True
    assert BillingAddress.objects.get(organization=organization).is_default


def test_a_new_default_address_takes_over_from_the_old_one(client_of, administrator, address, url):
    response = client_of(administrator).post(
        url, {**ZURICH, "vat_number": "CHE-107.787.577 MWST", "is_default": True}, format="json"
    )

    assert response.status_code == 201
    new = BillingAddress.objects.get(pk=response.json()["id"])
    assert (new.is_default, new.vat_number) == (True, "CHE107787577MWST")
    address.refresh_from_db()
    assert address.is_default is False


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {**ZURICH, "vat_number": "CHE-116.281.711 MWST"},
            {"vat_number": ["This VAT number is not valid: its check digit is wrong."]},
        ),
        ({**ZURICH, "email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        (
            {**ZURICH, "name": " ", "city": ""},
            {"name": ["Enter a name or company."], "city": ["Enter the city."]},
        ),
        ({**ZURICH, "country": "XX"}, {"country": ["Choose a country."]}),
        (
            {"name": "Only a name"},
            {field: ["This field is required."] for field in ["street", "postal_code", "city", "country"]},
        ),
    ],
)
def test_bad_input_names_the_fields_and_saves_nothing(
    client_of, organization, administrator, url, body, errors
):
    response = client_of(administrator).post(url, body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not BillingAddress.objects.filter(organization=organization).exists()


def test_patch_changes_only_the_given_fields(client_of, administrator, address, url):
    response = client_of(administrator).patch(f"{url}/{address.pk}", {"city": "Carouge"}, format="json")

    assert response.status_code == 200
    address.refresh_from_db()
    assert (address.name, address.street, address.city) == ("Helvetia Web AG", "Rue du Marché 1", "Carouge")


def test_patch_with_a_bad_vat_number_changes_nothing(client_of, administrator, address, url):
    response = client_of(administrator).patch(
        f"{url}/{address.pk}", {"city": "Carouge", "vat_number": "DE136695976"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "vat_number": ["This is a VAT number of Germany, but the organization is in Switzerland."]
    }
    address.refresh_from_db()
    assert (address.city, address.vat_number) == ("Genève", "")


def test_fields_outside_the_input_change_nothing(client_of, organization, administrator, address, url):
    other = OrganizationFactory()

    response = client_of(administrator).patch(
        f"{url}/{address.pk}",
        {"organization": other.pk, "id": address.pk + 100, "name": "Renamed"},
        format="json",
    )

    assert response.status_code == 200
    address.refresh_from_db()
    assert (address.organization, address.name) == (organization, "Renamed")


def test_deleting_the_default_makes_the_oldest_remaining_one_default(
    client_of, organization, administrator, address, url
):
    older = BillingAddressFactory(organization=organization, name="Older")
    BillingAddressFactory(organization=organization, name="Newer")

    response = client_of(administrator).delete(f"{url}/{address.pk}")

    assert response.status_code == 204
    assert not BillingAddress.objects.filter(pk=address.pk).exists()
    assert list(BillingAddress.objects.filter(organization=organization, is_default=True)) == [older]


def test_an_address_of_another_organization_is_a_404_and_stays_untouched(
    client_of, legal_representative, url
):
    foreign = BillingAddressFactory(organization=OrganizationFactory(), city="Bern")
    client = client_of(legal_representative)

    responses = [
        client.get(f"{url}/{foreign.pk}"),
        client.patch(f"{url}/{foreign.pk}", {"city": "Basel"}, format="json"),
        client.delete(f"{url}/{foreign.pk}"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    foreign.refresh_from_db()
    assert foreign.city == "Bern"
