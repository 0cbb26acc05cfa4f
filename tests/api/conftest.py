import time

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient

from core.audit import audit_record
from core.sudo import SESSION_KEY as SUDO_SESSION_KEY
from organizations.models import Membership, ProductType, Role
from tests.factories import (
    BillingAddressFactory,
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
    member,
)
from tokens import scopes, services

ROLES = ["legal_representative", "administrator", "user", "external", "accountant", "outsider", "anonymous"]


@pytest.fixture
def client_of():
    """An API client signed in as `user` (or anonymous for None); CSRF is checked only where a test asks.
    The password was confirmed just now (the sudo window is open; see tests/tokens/test_api_sudo.py)."""

    def _client_of(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
            session = client.session
            session[SUDO_SESSION_KEY] = time.time()
            session.save()
        return client

    return _client_of


@pytest.fixture
def granted_product(organization):
    """A product the external member was given."""
    return ProductFactory(organization=organization, name="granted.example.ch")


@pytest.fixture
def other_product(organization):
    """A product of the organization the external member was not given."""
    return ProductFactory(organization=organization, name="other.example.ch")


@pytest.fixture
def callers(
    organization,
    legal_representative,
    administrator,
    plain_user,
    external_user,
    accountant,
    outsider,
    granted_product,
):
    """One user per role in `organization`, an outsider with no membership there, and nobody (anonymous)."""
    Membership.objects.get(user=external_user, organization=organization).products.set([granted_product])
    return {
        "legal_representative": legal_representative,
        "administrator": administrator,
        "user": plain_user,
        "external": external_user,
        "accountant": accountant,
        "outsider": outsider,
        "anonymous": None,
    }


@pytest.fixture
def target_member(organization):
    """A member with the user role, for changes and removals."""
    return Membership.objects.get(user=member(organization, Role.USER, email="target@helvetia.example"))


@pytest.fixture
def address(organization):
    return BillingAddressFactory(organization=organization, name="Helvetia Web AG", is_default=True)


# Schema fuzzing and schema checks: schemathesis calls the WSGI application in-process.


@pytest.fixture
def in_process_wsgi():
    """Calls go straight to the WSGI application, whose request signals would close the test's database
    connection (and its transaction) on PostgreSQL; Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(organization, legal_representative):
    """An organization with data that is also a referenced partner managing one client (so that the Reseller
    Area answers, and an organization is reached through a partnership), and `token(application, scopes)`:
    a token of its legal representative, made once per set of scopes."""
    organization.is_referenced_partner = True
    organization.save(update_fields=["is_referenced_partner"])
    PartnerProfileFactory(organization=organization)
    BillingAddressFactory(organization=organization, is_default=True)
    ProductFactory(organization=organization)
    newsletter = ProductFactory(
        organization=organization, product_type=ProductType.objects.get(slug="newsletter")
    )
    managed_client = OrganizationFactory(name="Jura Atelier Sàrl")
    member(managed_client, Role.LEGAL_REPRESENTATIVE, email="legal@jura.example")
    ProductFactory(organization=managed_client, name="jura.example.ch")
    PartnershipFactory(client=managed_client, partner=organization, access="full")
    # The activity log holds an event done as a member and one done for the partner.
    audit_record(actor=legal_representative, organization=organization, action="organization.update")
    audit_record(
        actor=legal_representative,
        organization=managed_client,
        action="organization.update",
        on_behalf_of=organization,
        counterparty=organization,
    )
    made = {}

    def token(application: str, token_scopes: tuple[str, ...] | None = None) -> str:
        token_scopes = tuple(scopes.all_scopes(application)) if token_scopes is None else token_scopes
        if (application, token_scopes) not in made:
            _, made[application, token_scopes] = services.token_create(
                user=legal_representative,
                name=f"Fuzz {application} {len(made)}",
                application=application,
                scopes=list(token_scopes),
                password_confirmed=True,
            )
        return made[application, token_scopes]

    return {
        "organization": organization,
        "managed_client": managed_client,
        "newsletter": newsletter,
        "token": token,
        "manager": token(scopes.MANAGER_API),
        "newsletter_token": token("newsletter"),
    }
