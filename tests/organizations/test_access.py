"""The access resolver: the role-by-permission matrix and who gets no access at all."""

import pytest
from django.contrib.auth.models import AnonymousUser

from organizations.access import Permission, organizations_of, resolve_access
from organizations.models import Membership, Role
from tests.factories import OrganizationFactory, ProductFactory, UserFactory, member

P = Permission

RESELLER = {P.VIEW_MANAGED_CLIENTS, P.ANSWER_INVITATIONS, P.MANAGE_CLIENTS}
# What each role may do in a referenced partner's organization, written out rather than read from the code.
MAY = {
    Role.LEGAL_REPRESENTATIVE: set(Permission),
    Role.ADMINISTRATOR: set(Permission)
    - {P.MANAGE_PARTNERS, P.MANAGE_LEGAL_REPRESENTATIVES, P.MANAGE_CLIENTS},
    Role.USER: {
        P.VIEW_DASHBOARD,
        P.VIEW_PRODUCTS,
        P.MANAGE_PRODUCTS,
        P.VIEW_SETTINGS,
        P.VIEW_MEMBERS,
        P.VIEW_BILLING,
        P.VIEW_MANAGED_CLIENTS,
    },
    Role.EXTERNAL: {P.VIEW_DASHBOARD, P.VIEW_PRODUCTS, P.MANAGE_PRODUCTS},
}

MATRIX = [
    pytest.param(
        role,
        permission,
        referenced,
        permission in MAY[role] and (referenced or permission not in RESELLER),
        id=f"{role}-{permission}-{'partner' if referenced else 'plain'}",
    )
    for role in Role
    for permission in Permission
    for referenced in (True, False)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "permission", "referenced", "allowed"), MATRIX)
def test_each_role_may_do_exactly_what_the_roles_table_says(
    organization, role, permission, referenced, allowed
):
    """The Reseller Area's permissions exist only in an organization that is a referenced partner."""
    organization.is_referenced_partner = referenced
    organization.save()
    user = member(organization, role)

    access = resolve_access(user, organization)

    assert access is not None
    assert access.role == role
    assert access.can(permission) is allowed


def test_the_matrix_covers_every_role_and_permission():
    assert len(MATRIX) == len(Role) * len(Permission) * 2
    assert set(MAY) == set(Role)


def test_the_administrator_may_not_manage_partners_or_legal_representatives(administrator, access_of):
    access = access_of(administrator)

    assert not access.can(Permission.MANAGE_PARTNERS)
    assert not access.can(Permission.MANAGE_LEGAL_REPRESENTATIVES)
    assert access.can(Permission.DPA_CERTIFICATE)


def test_the_access_names_the_user_organization_and_role(organization, legal_representative, access_of):
    access = access_of(legal_representative)

    assert access.user == legal_representative
    assert access.organization == organization
    assert access.role_label == "Legal representative"
    assert access.product_ids is None


@pytest.mark.parametrize("as_id", [int, str])
def test_the_organization_may_be_given_as_its_id(organization, plain_user, as_id):
    access = resolve_access(plain_user, as_id(organization.pk))

    assert access is not None
    assert access.organization == organization
    assert access.role == Role.USER


def test_a_user_of_another_organization_has_no_access(organization, outsider):
    assert resolve_access(outsider, organization) is None


def test_an_inactive_member_has_no_access(organization, legal_representative):
    legal_representative.is_active = False
    legal_representative.save()

    assert resolve_access(legal_representative, organization) is None


def test_an_anonymous_visitor_has_no_access(organization):
    assert resolve_access(AnonymousUser(), organization) is None


def test_nobody_has_no_access(organization):
    assert resolve_access(None, organization) is None


@pytest.mark.parametrize(
    "organization_id",
    [987654, "987654", -1, "abc", "1; DROP TABLE", "", None, "1.5", [1], 2**63, "99999999999999999999999"],
)
def test_an_unknown_or_non_numeric_organization_id_gives_no_access(legal_representative, organization_id):
    assert resolve_access(legal_representative, organization_id) is None


def test_a_removed_member_loses_access_at_once(organization, administrator):
    Membership.objects.filter(user=administrator, organization=organization).delete()

    assert resolve_access(administrator, organization) is None


# External users


def test_an_external_user_sees_only_the_products_on_the_membership(organization, external_user):
    granted = ProductFactory(organization=organization, name="granted.example.ch")
    other = ProductFactory(organization=organization, name="other.example.ch")
    elsewhere = ProductFactory(organization=OrganizationFactory(), name="elsewhere.example.ch")
    Membership.objects.get(user=external_user, organization=organization).products.add(granted)

    access = resolve_access(external_user, organization)

    assert access.product_ids == frozenset({granted.pk})
    assert access.can_see_product(granted)
    assert not access.can_see_product(other)
    assert not access.can_see_product(elsewhere)


def test_an_external_user_without_products_sees_none(organization, external_user):
    product = ProductFactory(organization=organization)

    access = resolve_access(external_user, organization)

    assert access.product_ids == frozenset()
    assert not access.can_see_product(product)


def test_an_external_user_granted_a_product_elsewhere_cannot_see_it_here(organization, external_user):
    """A product id on the membership does not open a product of another organization."""
    elsewhere = ProductFactory(organization=OrganizationFactory())
    Membership.objects.get(user=external_user, organization=organization).products.add(elsewhere)

    access = resolve_access(external_user, organization)

    assert not access.can_see_product(elsewhere)


@pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER])
def test_other_roles_see_every_product_of_the_organization_and_none_elsewhere(organization, role):
    user = member(organization, role)
    here = [ProductFactory(organization=organization) for _ in range(3)]
    elsewhere = ProductFactory(organization=OrganizationFactory())

    access = resolve_access(user, organization)

    assert access.product_ids is None
    assert all(access.can_see_product(product) for product in here)
    assert not access.can_see_product(elsewhere)


# The organization switcher


def test_organizations_of_lists_the_user_s_organizations_by_name(organization, legal_representative):
    zurich = OrganizationFactory(name="Zurich Hosting")
    alpine = OrganizationFactory(name="Alpine Sites")
    OrganizationFactory(name="Not Mine")
    Membership.objects.create(user=legal_representative, organization=zurich, role=Role.EXTERNAL)
    Membership.objects.create(user=legal_representative, organization=alpine, role=Role.USER)

    assert list(organizations_of(legal_representative)) == [alpine, organization, zurich]


def test_organizations_of_a_user_without_memberships_is_empty(db):
    OrganizationFactory()

    assert list(organizations_of(UserFactory())) == []


def test_organizations_of_an_anonymous_visitor_is_empty(organization):
    assert list(organizations_of(AnonymousUser())) == []
    assert list(organizations_of(None)) == []
