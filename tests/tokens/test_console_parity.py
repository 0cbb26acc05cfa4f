"""What the console does, a script does with a token: the actions that had no endpoint before."""

from rest_framework.test import APIClient

from core.models import AuditEvent
from organizations.models import Membership, Organization, Role

NEW_ORGANIZATION = {
    "name": "Script e.V.",
    "entity_type": "association",
    "country": "DE",
    "accept_terms": True,
}


def test_a_token_creates_an_organization_with_its_user_as_legal_representative(
    bearer, make_token, plain_user
):
    _, plaintext = make_token(plain_user, scopes_=["organizations:read", "organizations:write"])
    client = bearer(plaintext)

    response = client.post("/api/v1/organizations", NEW_ORGANIZATION, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Script e.V."
    assert (body["currency"], body["role"]) == ("EUR", "legal_representative")
    organization = Organization.objects.get(pk=body["id"])
    assert (
        Membership.objects.get(organization=organization, user=plain_user).role == Role.LEGAL_REPRESENTATIVE
    )
    assert AuditEvent.objects.filter(organization=organization, action="organization.created").count() == 1
    listed = client.get("/api/v1/organizations").json()["results"]
    assert body["id"] in [row["id"] for row in listed]


def test_creating_an_organization_without_the_terms_or_a_valid_country_is_a_400(
    bearer, make_token, plain_user
):
    _, plaintext = make_token(plain_user)
    client = bearer(plaintext)
    before = Organization.objects.count()

    no_terms = client.post(
        "/api/v1/organizations", {**NEW_ORGANIZATION, "accept_terms": False}, format="json"
    )
    bad_country = client.post("/api/v1/organizations", {**NEW_ORGANIZATION, "country": "XX"}, format="json")
    empty = client.post("/api/v1/organizations", {}, format="json")

    assert no_terms.status_code == 400
    assert "accept_terms" in no_terms.json()
    assert bad_country.status_code == 400
    assert "country" in bad_country.json()
    assert empty.status_code == 400
    assert {"name", "entity_type", "country", "accept_terms"} <= set(empty.json())
    assert Organization.objects.count() == before


def test_creating_an_organization_needs_the_write_scope_and_credentials(bearer, make_token, plain_user):
    _, read_only = make_token(plain_user, scopes_=["organizations:read"])
    before = Organization.objects.count()

    refused = bearer(read_only).post("/api/v1/organizations", NEW_ORGANIZATION, format="json")
    anonymous = APIClient().post("/api/v1/organizations", NEW_ORGANIZATION, format="json")

    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token does not have the scope `organizations:write`."}
    assert anonymous.status_code == 401
    assert Organization.objects.count() == before


def test_a_token_exports_the_activity_log_as_the_console_does(
    bearer, make_token, legal_representative, plain_user, organization
):
    AuditEvent.objects.create(
        organization=organization, action="product.installed", target_repr="site.example"
    )
    AuditEvent.objects.create(organization=organization, action="member.added", target_repr="new@example.com")
    _, plaintext = make_token(legal_representative, scopes_=["compliance:read"])
    _, billing_only = make_token(legal_representative, scopes_=["billing:read"])
    _, users = make_token(plain_user, scopes_=["compliance:read"])
    url = f"/api/v1/organizations/{organization.pk}/activity/export"

    response = bearer(plaintext).get(url, {"action": "product."})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"activity-{organization.pk}.csv" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert "product.installed" in lines[1]
    assert "site.example" in lines[1]
    assert bearer(billing_only).get(url).status_code == 403
    assert bearer(users).get(url).status_code == 403  # a user's role does not see the activity log
    assert bearer(plaintext).get(url, {"from": "2026-03-20", "to": "2026-03-01"}).status_code == 400
    assert APIClient().get(url).status_code == 401
