"""A client organization (Helvetia Web AG, from the root conftest) and a referenced partner (Léman Digital
SA), each with a legal representative, an administrator and a user; two products in the client."""

import pytest

from organizations.access import resolve_access
from organizations.models import ProductType, Role
from tests.factories import OrganizationFactory, PartnerProfileFactory, ProductFactory, member


@pytest.fixture
def client_org(organization):
    return organization


@pytest.fixture
def client_legal(legal_representative):
    return legal_representative


@pytest.fixture
def client_admin(administrator):
    return administrator


@pytest.fixture
def client_user(plain_user):
    return plain_user


@pytest.fixture
def partner_org(db):
    organization = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(
        organization=organization, public_name="Léman Digital", contact_email="hello@leman.example"
    )
    return organization


@pytest.fixture
def partner_legal(partner_org):
    return member(partner_org, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example", full_name="Lena Léman")


@pytest.fixture
def partner_admin(partner_org):
    return member(partner_org, Role.ADMINISTRATOR, email="admin@leman.example")


@pytest.fixture
def partner_user(partner_org):
    return member(partner_org, Role.USER, email="user@leman.example")


@pytest.fixture
def granted_product(client_org):
    return ProductFactory(organization=client_org, name="shop.helvetia.example")


@pytest.fixture
def other_product(client_org):
    return ProductFactory(
        organization=client_org,
        name="mail.helvetia-group.example",
        product_type=ProductType.objects.get(slug="mail-service"),
    )


@pytest.fixture
def acting():
    """The access of `user` in `organization`, as the views compute it."""

    def _acting(user, organization):
        access = resolve_access(user, organization)
        assert access is not None, f"{user} has no access to {organization}"
        return access

    return _acting


@pytest.fixture
def mail_on_commit(django_capture_on_commit_callbacks):
    """Run a call and send the emails it queued on commit, as a committed request would."""

    def _run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _run
