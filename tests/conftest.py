import pytest

from organizations.access import resolve_access
from organizations.models import Role
from tests.factories import PASSWORD, OrganizationFactory, member


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MAILERS = {"default": {"BACKEND": "console.mailbox.MailboxBackend"}}


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Helvetia Web AG", country="CH", vat_number="CHE116281710MWST")


@pytest.fixture
def legal_representative(organization):
    return member(organization, Role.LEGAL_REPRESENTATIVE, email="legal@helvetia.example")


@pytest.fixture
def administrator(organization):
    return member(organization, Role.ADMINISTRATOR, email="admin@helvetia.example")


@pytest.fixture
def plain_user(organization):
    return member(organization, Role.USER, email="user@helvetia.example")


@pytest.fixture
def external_user(organization):
    return member(organization, Role.EXTERNAL, email="external@helvetia.example")


@pytest.fixture
def outsider(db):
    """A user of another organization, with no access to `organization`."""
    return member(OrganizationFactory(name="Elsewhere GmbH", country="DE"), Role.LEGAL_REPRESENTATIVE)


@pytest.fixture
def access_of(organization):
    def _access_of(user, org=None):
        return resolve_access(user, org or organization)

    return _access_of
