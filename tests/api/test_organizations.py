"""The user, their organizations, and an organization's legal data through the API."""

import pytest

from core.models import AuditEvent
from organizations.models import Organization, Role, VatNumberChange
from organizations.services import VAT_TERMS_REQUIRED
from tests.factories import OrganizationFactory, member

WRONG_CHECK_DIGIT = "This VAT number is not valid: its check digit is wrong."


@pytest.fixture
def url(organization):
    return f"/api/v1/organizations/{organization.pk}"


def test_me_gives_the_user_and_their_organizations_with_role(client_of, organization, legal_representative):
    second = OrganizationFactory(name="Another SA")
    member(second, Role.EXTERNAL, email=legal_representative.email)
    legal_representative.full_name = "Anna Muster"
    legal_representative.save()

    response = client_of(legal_representative).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": legal_representative.pk,
        "email": "legal@helvetia.example",
        "full_name": "Anna Muster",
        "theme": "auto",
        "organizations": [
            {"id": second.pk, "name": "Another SA", "role": "external"},
            {"id": organization.pk, "name": "Helvetia Web AG", "role": "legal_representative"},
        ],
    }


def test_my_organizations_lists_only_mine_with_my_role(client_of, organization, plain_user, outsider):
    response = client_of(plain_user).get("/api/v1/organizations")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {"id": organization.pk, "name": "Helvetia Web AG", "country": "CH", "currency": "CHF", "role": "user"}
    ]


def test_the_organization_shows_its_legal_data(client_of, organization, administrator, url):
    response = client_of(administrator).get(url)

    assert response.status_code == 200
    body = response.json()
    assert body.pop("created_at")
    assert body == {
        "id": organization.pk,
        "name": "Helvetia Web AG",
        "entity_type": "company",
        "country": "CH",
        "currency": "CHF",
        "vat_number": "CHE116281710MWST",
        "vat_number_formatted": "CHE-116.281.710 MWST",
        "terms_accepted_at": None,
        "two_factor_required": False,
        "role": "administrator",
    }


def test_an_unknown_organization_id_is_a_404(client_of, legal_representative):
    response = client_of(legal_representative).get("/api/v1/organizations/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such organization."}


def test_renaming_saves_the_name_and_answers_the_organization(
    client_of, organization, legal_representative, url
):
    response = client_of(legal_representative).patch(url, {"name": "  Helvetia Hosting AG "}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Helvetia Hosting AG"
    organization.refresh_from_db()
    assert organization.name == "Helvetia Hosting AG"
    assert AuditEvent.objects.filter(organization=organization, action="organization.updated").count() == 1


def test_fields_outside_the_input_change_nothing(client_of, organization, legal_representative, url):
    response = client_of(legal_representative).patch(
        url,
        {
            "name": "Renamed AG",
            "currency": "EUR",
            "is_referenced_partner": True,
            "terms_accepted_at": "2020-01-01T00:00:00Z",
            "created_at": "2000-01-01T00:00:00Z",
            "id": organization.pk + 1000,
        },
        format="json",
    )

    assert response.status_code == 200
    fresh = Organization.objects.get(pk=organization.pk)
    assert fresh.name == "Renamed AG"
    assert fresh.currency == "CHF"
    assert fresh.is_referenced_partner is False
    assert fresh.terms_accepted_at is None
    assert fresh.created_at == organization.created_at
    assert response.json()["currency"] == "CHF"


def test_changing_the_country_keeps_the_currency(client_of, organization, legal_representative, url):
    response = client_of(legal_representative).patch(
        url, {"country": "DE", "vat_number": "DE136695976", "accept_terms": True}, format="json"
    )

    assert response.status_code == 200, response.json()
    organization.refresh_from_db()
    assert (organization.country.code, organization.currency) == ("DE", "CHF")


def test_a_new_vat_number_without_the_terms_is_refused_and_nothing_saved(
    client_of, organization, legal_representative, url
):
    response = client_of(legal_representative).patch(
        url, {"name": "Renamed AG", "vat_number": "CHE-107.787.577 MWST"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"accept_terms": [VAT_TERMS_REQUIRED]}
    assert str(VAT_TERMS_REQUIRED) == "Read and accept the terms and conditions to save a VAT number."
    fresh = Organization.objects.get(pk=organization.pk)
    assert (fresh.name, fresh.vat_number) == ("Helvetia Web AG", "CHE116281710MWST")
    assert not VatNumberChange.objects.filter(organization=organization).exists()
    assert not AuditEvent.objects.filter(organization=organization).exists()


def test_a_new_vat_number_with_the_terms_is_stored_compact_and_dated(
    client_of, organization, legal_representative, url
):
    response = client_of(legal_representative).patch(
        url, {"vat_number": "CHE-107.787.577 MWST", "accept_terms": True}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["vat_number"] == "CHE107787577MWST"
    assert body["vat_number_formatted"] == "CHE-107.787.577 MWST"
    assert body["terms_accepted_at"] is not None
    change = VatNumberChange.objects.get(organization=organization)
    assert (change.previous_number, change.new_number, change.changed_by) == (
        "CHE116281710MWST",
        "CHE107787577MWST",
        legal_representative,
    )


def test_the_same_vat_number_in_another_spelling_needs_no_terms(
    client_of, organization, legal_representative, url
):
    response = client_of(legal_representative).patch(
        url, {"vat_number": "CHE-116.281.710 MWST"}, format="json"
    )

    assert response.status_code == 200
    assert not VatNumberChange.objects.filter(organization=organization).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"vat_number": "CHE-116.281.711 MWST", "accept_terms": True}, "vat_number", WRONG_CHECK_DIGIT),
        (
            {"vat_number": "DE136695976", "accept_terms": True},
            "vat_number",
            "This is a VAT number of Germany, but the organization is in Switzerland.",
        ),
        (
            {"entity_type": "individual"},
            "vat_number",
            "An individual has no VAT number; choose Company to enter one.",
        ),
        ({"name": "   "}, "name", "Enter the name of the organization."),
        ({"country": "XX"}, "country", "Choose a country."),
        ({"entity_type": "cooperative"}, "entity_type", '"cooperative" is not a valid choice.'),
        ({"accept_terms": "maybe"}, "accept_terms", "Must be a valid boolean."),
    ],
)
def test_bad_input_is_a_400_on_the_field_and_nothing_is_saved(
    client_of, organization, legal_representative, url, body, field, message
):
    response = client_of(legal_representative).patch(url, body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    fresh = Organization.objects.get(pk=organization.pk)
    assert (fresh.name, fresh.entity_type, fresh.country.code, fresh.vat_number) == (
        "Helvetia Web AG",
        "company",
        "CH",
        "CHE116281710MWST",
    )


def test_a_user_cannot_edit_and_is_told_why(client_of, organization, plain_user, url):
    response = client_of(plain_user).patch(url, {"name": "Mine now"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role (User) does not allow you to edit the organization."}
    assert Organization.objects.get(pk=organization.pk).name == "Helvetia Web AG"


def test_a_denied_caller_learns_nothing_about_its_input(client_of, plain_user, url):
    """The permission is checked before the input, so a 403 never reveals validation messages."""
    response = client_of(plain_user).patch(url, {"entity_type": "nonsense"}, format="json")

    assert response.status_code == 403


def test_options_answers_after_the_organization_check(client_of, plain_user, outsider, url):
    assert client_of(plain_user).options(url).status_code == 200
    assert client_of(outsider).options(url).status_code == 404


def test_a_method_not_offered_is_a_405_for_members_and_a_404_for_others(
    client_of, legal_representative, outsider, url
):
    assert client_of(legal_representative).put(url, {"name": "X"}, format="json").status_code == 405
    assert client_of(outsider).put(url, {"name": "X"}, format="json").status_code == 404
