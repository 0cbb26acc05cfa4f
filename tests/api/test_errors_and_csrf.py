"""How the API answers the services' errors, and session authentication's CSRF check."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from core.api.exceptions import exception_handler
from core.errors import InvalidTransition
from organizations.models import Organization

CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (ValidationError({"vat_number": "Wrong."}), 400, {"vat_number": ["Wrong."]}),
        (
            ValidationError({"name": ["Too long.", "Too odd."], "city": "Enter the city."}),
            400,
            {"name": ["Too long.", "Too odd."], "city": ["Enter the city."]},
        ),
        (ValidationError({"__all__": "Both are wrong."}), 400, {"non_field_errors": ["Both are wrong."]}),
        (ValidationError("Keep one."), 400, {"non_field_errors": ["Keep one."]}),
        (PermissionDenied("Only legal representatives."), 403, {"detail": "Only legal representatives."}),
        # A move the object's state refuses, whichever service raises it.
        (
            InvalidTransition("Only an active partnership can be stopped."),
            409,
            {"detail": "Only an active partnership can be stopped."},
        ),
    ],
)
def test_django_errors_become_drf_answers_with_the_same_fields(error, status, body):
    response = exception_handler(error, {})

    assert (response.status_code, response.data) == (status, body)


def test_other_errors_are_left_to_django():
    assert exception_handler(ZeroDivisionError(), {}) is None


def test_a_session_write_needs_the_csrf_token(organization, legal_representative):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(legal_representative)
    url = f"/api/v1/organizations/{organization.pk}"

    without = client.patch(url, {"name": "Forged AG"}, format="json")
    client.cookies["csrftoken"] = CSRF_SECRET
    with_token = client.patch(
        url, {"name": "Renamed AG"}, format="json", headers={"X-CSRFToken": CSRF_SECRET}
    )

    assert without.status_code == 403
    assert without.json()["detail"].startswith("CSRF Failed")
    assert with_token.status_code == 200
    assert Organization.objects.get(pk=organization.pk).name == "Renamed AG"


@pytest.mark.parametrize("org_id", ["9223372036854775808", "99999999999999999999999"])
def test_ids_no_database_can_hold_are_404(client_of, legal_representative, org_id):
    client = client_of(legal_representative)
    assert client.get(f"/api/v1/organizations/{org_id}").status_code == 404
    assert client.get(f"/api/v1/organizations/{org_id}/members/1").status_code == 404


def test_a_null_character_in_a_query_is_a_400_naming_the_parameter(client_of, legal_representative):
    """PostgreSQL refuses NUL in any text: a search holding one is refused by name, not a server error."""
    response = client_of(legal_representative).get("/api/v1/partners?search=pixel%00")

    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}
