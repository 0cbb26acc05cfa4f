"""Role by endpoint: who may do what, and every denial answered with the right status and nothing changed.

Roles are those of `organization`: legal representative, administrator, user, external (given one product),
accountant (billing, read-only);
an outsider belongs to another organization only (404: the organization is not revealed); anonymous callers
send no credentials (401 with `WWW-Authenticate: Bearer`).
"""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from organizations.models import BillingAddress, Membership, Organization, Role

from .conftest import ROLES


def _statuses(legal_representative, administrator, user, external, accountant, outsider=404, anonymous=401):
    return dict(
        zip(
            ROLES,
            [legal_representative, administrator, user, external, accountant, outsider, anonymous],
            strict=True,
        )
    )


SIGNED_IN = _statuses(200, 200, 200, 200, 200, outsider=200)
SEES_PRODUCTS = _statuses(200, 200, 200, 200, 403)
SEES_SETTINGS = _statuses(200, 200, 200, 403, 403)
# Billing addresses are read with the invoices: the accountant reads them, changes none.
SEES_BILLING = _statuses(200, 200, 200, 403, 200)
MANAGES = _statuses(200, 200, 403, 403, 403)
CREATES = _statuses(201, 201, 403, 403, 403)
DELETES = _statuses(204, 204, 403, 403, 403)


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Any  # world -> str
    expected: dict
    body: dict | None = None
    state: Any = None  # world -> a value that a successful write changes and a denied one does not


def org(world):
    return f"/api/v1/organizations/{world.organization.pk}"


CASES = [
    Case("me", "get", lambda w: "/api/v1/me", SIGNED_IN),
    Case("my organizations", "get", lambda w: "/api/v1/organizations", SIGNED_IN),
    Case("catalog", "get", lambda w: "/api/v1/catalog", SIGNED_IN),
    Case(
        "vat check",
        "post",
        lambda w: "/api/v1/vat/check",
        SIGNED_IN,
        {"country": "CH", "number": "CHE116281710MWST"},
    ),
    Case("my two-factor sign-in", "get", lambda w: "/api/v1/me/two-factor", SIGNED_IN),
    Case(
        "sign out everywhere",
        "post",
        lambda w: "/api/v1/me/sign-out-everywhere",
        _statuses(204, 204, 204, 204, 204, outsider=204),
    ),
    Case(
        "password compromised, with a wrong current password",
        "post",
        lambda w: "/api/v1/me/password-compromised",
        _statuses(400, 400, 400, 400, 400, outsider=400),
        {"old_password": "not-the-password", "new_password": "a-fresh-and-long-passphrase-2026"},
    ),
    Case("organization", "get", org, SEES_SETTINGS),
    Case(
        "organization two-factor requirement",
        "patch",
        org,
        MANAGES,
        {"two_factor_required": False},
    ),
    Case(
        "organization rename",
        "patch",
        org,
        MANAGES,
        {"name": "Renamed AG"},
        lambda w: Organization.objects.get(pk=w.organization.pk).name,
    ),
    Case("members", "get", lambda w: f"{org(w)}/members", SEES_SETTINGS),
    Case("member", "get", lambda w: f"{org(w)}/members/{w.target_member.pk}", SEES_SETTINGS),
    Case(
        "member add",
        "post",
        lambda w: f"{org(w)}/members",
        CREATES,
        {"email": "new@helvetia.example", "role": "user"},
        lambda w: Membership.objects.filter(organization=w.organization).count(),
    ),
    Case(
        "member role change",
        "patch",
        lambda w: f"{org(w)}/members/{w.target_member.pk}",
        MANAGES,
        {"role": "administrator"},
        lambda w: Membership.objects.get(pk=w.target_member.pk).role,
    ),
    Case(
        "member removal",
        "delete",
        lambda w: f"{org(w)}/members/{w.target_member.pk}",
        DELETES,
        None,
        lambda w: Membership.objects.filter(pk=w.target_member.pk).exists(),
    ),
    Case("billing addresses", "get", lambda w: f"{org(w)}/billing-addresses", SEES_BILLING),
    Case("billing address", "get", lambda w: f"{org(w)}/billing-addresses/{w.address.pk}", SEES_BILLING),
    Case(
        "billing address add",
        "post",
        lambda w: f"{org(w)}/billing-addresses",
        CREATES,
        {
            "name": "Branch",
            "street": "Bahnhofstrasse 1",
            "postal_code": "8001",
            "city": "Zürich",
            "country": "CH",
        },
        lambda w: BillingAddress.objects.filter(organization=w.organization).count(),
    ),
    Case(
        "billing address change",
        "patch",
        lambda w: f"{org(w)}/billing-addresses/{w.address.pk}",
        MANAGES,
        {"city": "Lausanne"},
        lambda w: BillingAddress.objects.get(pk=w.address.pk).city,
    ),
    Case(
        "billing address deletion",
        "delete",
        lambda w: f"{org(w)}/billing-addresses/{w.address.pk}",
        DELETES,
        None,
        lambda w: BillingAddress.objects.filter(pk=w.address.pk).exists(),
    ),
    Case("products", "get", lambda w: f"{org(w)}/products", SEES_PRODUCTS),
    Case("granted product", "get", lambda w: f"{org(w)}/products/{w.granted_product.pk}", SEES_PRODUCTS),
    Case(
        "product not granted to the external member",
        "get",
        lambda w: f"{org(w)}/products/{w.other_product.pk}",
        _statuses(200, 200, 200, 404, 403),
    ),
]


@pytest.fixture
def world(organization, callers, target_member, address, granted_product, other_product):
    return SimpleNamespace(
        organization=organization,
        target_member=target_member,
        address=address,
        granted_product=granted_product,
        other_product=other_product,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_role_gets_exactly_what_it_may(case, role, world, callers, client_of):
    client = client_of(callers[role])
    before = case.state(world) if case.state else None

    response = getattr(client, case.method)(case.path(world), case.body, format="json")

    expected = case.expected[role]
    assert response.status_code == expected, response.content
    if case.state:
        changed = case.state(world) != before
        assert changed == (expected < 300), f"{case.name} as {role}: changed={changed}"
    if role == "anonymous":
        assert response.json() == {"detail": "Authentication credentials were not provided."}
    elif expected == 403:
        label = Role(role).label
        assert response.json()["detail"].startswith(f"Your role ({label}) does not allow you to ")
    elif expected == 404 and role == "outsider":
        assert response.json() == {"detail": "No such organization."}
    elif expected == 404:
        assert "detail" in response.json()
