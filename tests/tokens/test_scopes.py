"""Scope by endpoint: a token reaches an endpoint only with the read (safe methods) or write scope of the
endpoint's resource family, and only for its application; within that, never more than its user may."""

import pytest
from django.urls import URLResolver, get_resolver
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from organizations.models import Membership
from tests.factories import BillingAddressFactory
from tokens import scopes
from tokens.permissions import TokenScopePermission

# (method, path, family); {org} is the organization's id, {address} one of its billing addresses.
ENDPOINTS = [
    ("get", "/api/v1/me", "organizations"),
    ("get", "/api/v1/organizations", "organizations"),
    ("post", "/api/v1/organizations", "organizations"),
    ("get", "/api/v1/organizations/{org}", "organizations"),
    ("patch", "/api/v1/organizations/{org}", "organizations"),
    ("post", "/api/v1/vat/check", "organizations"),
    ("get", "/api/v1/organizations/{org}/members", "members"),
    ("post", "/api/v1/organizations/{org}/members", "members"),
    ("get", "/api/v1/organizations/{org}/billing-addresses", "billing"),
    ("patch", "/api/v1/organizations/{org}/billing-addresses/{address}", "billing"),
    ("get", "/api/v1/organizations/{org}/invoices", "billing"),
    ("get", "/api/v1/organizations/{org}/invoices/export", "billing"),
    ("get", "/api/v1/organizations/{org}/wallet", "billing"),
    ("get", "/api/v1/organizations/{org}/orders", "billing"),
    ("post", "/api/v1/organizations/{org}/orders", "billing"),
    ("get", "/api/v1/organizations/{org}/products", "products"),
    ("get", "/api/v1/catalog", "products"),
    ("get", "/api/v1/partners", "partners"),
    ("get", "/api/v1/organizations/{org}/partnerships", "partners"),
    ("post", "/api/v1/organizations/{org}/partnerships", "partners"),
    ("get", "/api/v1/tokens", "tokens"),
    ("post", "/api/v1/tokens", "tokens"),
    ("get", "/api/v1/organizations/{org}/managed-clients", "partners"),
    ("get", "/api/v1/organizations/{org}/managed-clients/export", "partners"),
    ("post", "/api/v1/organizations/{org}/managed-clients/exports", "partners"),
    ("get", "/api/v1/organizations/{org}/invitations", "partners"),
    ("post", "/api/v1/organizations/{org}/client-requests", "partners"),
    ("post", "/api/v1/organizations/{org}/wallet/top-up", "billing"),
    ("get", "/api/v1/organizations/{org}/activity", "compliance"),
    ("get", "/api/v1/organizations/{org}/activity/export", "compliance"),
    ("post", "/api/v1/organizations/{org}/dpa-certificate", "compliance"),
]
# The Reseller Area answers only in a referenced partner organization.
RESELLER = ("managed-clients", "invitations", "client-requests")
MATRIX = [
    pytest.param(method, path, family, scope, id=f"{method}-{path}-{scope}")
    for method, path, family in ENDPOINTS
    for scope in scopes.all_scopes(scopes.MANAGER_API)
]


@pytest.mark.parametrize(("method", "path", "family", "scope"), MATRIX)
def test_each_scope_opens_exactly_its_family_and_level(
    bearer, make_token, legal_representative, organization, partner_legal, method, path, family, scope
):
    if any(f"/{area}" in path for area in RESELLER):
        legal_representative, organization = partner_legal, partner_legal.memberships.get().organization
    address = BillingAddressFactory(organization=organization)
    _, plaintext = make_token(legal_representative, scopes_=[scope])
    level = "read" if method == "get" else "write"

    response = getattr(bearer(plaintext), method)(
        path.format(org=organization.pk, address=address.pk), {}, format="json"
    )

    if scope == f"{family}:{level}":
        # Past the scope check: the endpoint answers (400 for the empty body of a write).
        assert response.status_code in (200, 400), response.content
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": f"This token does not have the scope `{family}:{level}`."}


def test_a_newsletter_token_cannot_call_the_manager_api(
    bearer, make_token, legal_representative, organization
):
    _, plaintext = make_token(legal_representative, application="newsletter")

    response = bearer(plaintext).get(f"/api/v1/organizations/{organization.pk}/invoices")

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This token is for the Newsletter application; this endpoint belongs to the Manager API application."
    )


def test_an_endpoint_that_names_no_family_is_refused_to_tokens(make_token, plain_user):
    token, _ = make_token(plain_user)
    request = APIRequestFactory().get("/")
    request.auth, request.method = token, "GET"

    with pytest.raises(exceptions.PermissionDenied, match="cannot be used with an API token"):
        TokenScopePermission().has_permission(request, APIView())


def test_a_token_never_does_more_than_its_user(bearer, make_token, plain_user, organization):
    _, plaintext = make_token(plain_user)  # every scope of the Manager API
    client = bearer(plaintext)

    rename = client.patch(f"/api/v1/organizations/{organization.pk}", {"name": "Taken over"}, format="json")
    add = client.post(
        f"/api/v1/organizations/{organization.pk}/members",
        {"email": "friend@example.com", "role": "administrator"},
        format="json",
    )

    assert rename.status_code == 403
    assert rename.json()["detail"].startswith("Your role (User) does not allow you to ")
    assert add.status_code == 403
    assert client.get(f"/api/v1/organizations/{organization.pk}/invoices").status_code == 200


def test_a_token_of_someone_removed_from_an_organization_loses_it(
    bearer, make_token, administrator, organization, outsider
):
    _, plaintext = make_token(administrator)
    _, outsiders = make_token(outsider)
    invoices = f"/api/v1/organizations/{organization.pk}/invoices"
    assert bearer(plaintext).get(invoices).status_code == 200

    Membership.objects.filter(user=administrator, organization=organization).delete()

    assert bearer(plaintext).get(invoices).status_code == 404
    assert bearer(outsiders).get(invoices).status_code == 404
    assert bearer(plaintext).get("/api/v1/organizations").json()["results"] == []


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif (prefix + str(pattern.pattern)).startswith("api/v1/"):
            yield prefix + str(pattern.pattern), pattern.callback.cls


def test_every_endpoint_names_its_token_family_of_its_application(db):
    """A new endpoint that forgets `token_family` would be refused to every token: none may."""
    views = list(_api_views(get_resolver().url_patterns))
    assert len(views) > 40

    for route, view in views:
        application = getattr(view, "token_application", scopes.MANAGER_API)
        assert getattr(view, "token_family", None) in scopes.families_of(application), route
