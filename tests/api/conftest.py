import time

import pytest
from rest_framework.test import APIClient

from core.sudo import SESSION_KEY as SUDO_SESSION_KEY
from organizations.models import Membership, Role
from tests.factories import BillingAddressFactory, ProductFactory, member

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
