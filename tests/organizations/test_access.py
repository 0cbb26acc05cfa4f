"""The access resolver: the role-by-permission matrix and who gets no access at all."""

import pytest
from django.contrib.auth.models import AnonymousUser

from organizations.access import (
    MEMBER_ONLY_PERMISSIONS,
    PARTNER_PERMISSIONS,
    Permission,
    accesses_of,
    organizations_of,
    resolve_access,
)
from organizations.models import Membership, Organization, Role
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PartnershipFactory,
    ProductFactory,
    UserFactory,
    member,
)

P = Permission

RESELLER = {P.VIEW_MANAGED_CLIENTS, P.ANSWER_INVITATIONS, P.MANAGE_CLIENTS, P.REQUEST_PAYOUTS}
# What each role may do in a referenced partner's organization, written out rather than read from the code.
MAY = {
    Role.LEGAL_REPRESENTATIVE: set(Permission),
    Role.ADMINISTRATOR: set(Permission)
    - {P.MANAGE_PARTNERS, P.MANAGE_LEGAL_REPRESENTATIVES, P.MANAGE_CLIENTS},
    Role.USER: {
        P.VIEW_DASHBOARD,
        P.VIEW_PRODUCTS,
        P.MANAGE_PRODUCTS,
        P.ORDER_PRODUCTS,
        P.VIEW_SETTINGS,
        P.VIEW_MEMBERS,
        P.VIEW_BILLING,
        P.VIEW_INVOICES,
        P.TOP_UP_WALLET,
        P.VIEW_MANAGED_CLIENTS,
    },
    # Read-only billing: invoices, credit notes, PDFs, the wallet's balance and exports; no top-up.
    Role.ACCOUNTANT: {P.VIEW_DASHBOARD, P.VIEW_BILLING, P.VIEW_INVOICES},
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


# Every organization at once: `accesses_of` follows the same rule as `resolve_access`


def _a_user_with_every_kind_of_access(role_at_partner: str):
    """A user who is a member in each role, an external user (alone, and where a partner of theirs also
    manages the organization), and acts through Full, Limited, ended and competing partnerships."""
    user = UserFactory()
    for role in (Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER):
        MembershipFactory(user=user, role=role)
    partner = OrganizationFactory(is_referenced_partner=True)
    other_partner = OrganizationFactory(is_referenced_partner=True)
    MembershipFactory(user=user, organization=partner, role=role_at_partner)
    MembershipFactory(user=user, organization=other_partner, role=Role.ADMINISTRATOR)

    external = MembershipFactory(user=user, role=Role.EXTERNAL)
    external.products.set(
        [
            ProductFactory(organization=external.organization),
            ProductFactory(organization=OrganizationFactory()),
        ]
    )
    ProductFactory(organization=external.organization)
    covered = MembershipFactory(user=user, role=Role.EXTERNAL)
    covered.products.set([ProductFactory(organization=covered.organization)])
    PartnershipFactory(client=covered.organization, partner=partner, access="full")

    limited_client = OrganizationFactory()
    granted = ProductFactory(organization=limited_client)
    ProductFactory(organization=limited_client)
    PartnershipFactory(client=limited_client, partner=partner, access="limited", products=[granted])
    PartnershipFactory(partner=partner, access="full")
    PartnershipFactory(partner=partner, access="full", status="stopped")
    PartnershipFactory(partner=partner, access="limited", status="pending")
    # Managed by both partners: the Full partnership wins over the older Limited one.
    both = OrganizationFactory()
    PartnershipFactory(
        client=both, partner=partner, access="limited", products=[ProductFactory(organization=both)]
    )
    PartnershipFactory(client=both, partner=other_partner, access="full")
    # A member of the organization is not acting for a partner there, even where a partner manages it.
    own = MembershipFactory(user=user, role=Role.USER).organization
    PartnershipFactory(client=own, partner=partner, access="full")
    OrganizationFactory()  # nothing to do with the user
    return user


@pytest.mark.parametrize(
    "role_at_partner", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER, Role.EXTERNAL]
)
def test_accesses_of_agrees_with_resolve_access_for_every_organization(db, role_at_partner):
    """Members, external users, Full and Limited partners, competing and ended partnerships: the bulk answer
    is the resolver's, organization by organization, and names no organization the resolver refuses."""
    user = _a_user_with_every_kind_of_access(role_at_partner)

    accesses = accesses_of(user)

    for organization in Organization.objects.all():
        assert accesses.get(organization.pk) == resolve_access(user, organization), organization
    assert all(access is not None for access in accesses.values())
    assert any(access.acts_for_partner for access in accesses.values())
    names = [(access.organization.name, pk) for pk, access in accesses.items()]
    assert names == sorted(names)


def test_accesses_of_a_visitor_or_an_inactive_user_is_empty(organization, legal_representative):
    legal_representative.is_active = False
    legal_representative.save()

    assert accesses_of(legal_representative) == {}
    assert accesses_of(AnonymousUser()) == {}
    assert accesses_of(None) == {}


def _manage_more_clients(partner, count: int) -> None:
    for number in range(count):
        access = "full" if number % 2 else "limited"
        client = OrganizationFactory()
        products = [ProductFactory(organization=client)] if access == "limited" else []
        PartnershipFactory(client=client, partner=partner, access=access, products=products)
        external = MembershipFactory(user=partner.memberships.get().user, role=Role.EXTERNAL)
        external.products.set([ProductFactory(organization=external.organization)])


def test_accesses_of_costs_the_same_queries_for_three_organizations_as_for_thirty(
    db, django_assert_max_num_queries
):
    partner = OrganizationFactory(is_referenced_partner=True)
    user = member(partner, Role.ADMINISTRATOR)
    _manage_more_clients(partner, 3)
    with django_assert_max_num_queries(4) as few:
        assert len(accesses_of(user)) == 7

    _manage_more_clients(partner, 27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(accesses_of(user)) == 61


def test_a_partnership_never_gives_what_only_members_may_do():
    """Billing, the wallet, partners, the activity log and the Reseller Area stay with the organization's own
    people: callers ask `can()`, and a partner is refused without asking how the access came about."""
    P = Permission
    member_only = {
        P.VIEW_BILLING,
        P.TOP_UP_WALLET,
        P.MANAGE_BILLING_ADDRESSES,
        P.VIEW_ACTIVITY,
        P.VIEW_PARTNERS,
        P.MANAGE_PARTNERS,
        P.EDIT_ORGANIZATION,
        P.DPA_CERTIFICATE,
        P.MANAGE_LEGAL_REPRESENTATIVES,
        P.VIEW_MANAGED_CLIENTS,
        P.ANSWER_INVITATIONS,
        P.MANAGE_CLIENTS,
        P.REQUEST_PAYOUTS,
    }
    assert member_only <= MEMBER_ONLY_PERMISSIONS
    for permissions in PARTNER_PERMISSIONS.values():
        assert not permissions & MEMBER_ONLY_PERMISSIONS
    assert P.ORDER_PRODUCTS in PARTNER_PERMISSIONS["full"]
    assert P.ORDER_PRODUCTS not in PARTNER_PERMISSIONS["limited"]


# What each partner grant lets the partner's people do in the client, written out rather than read from the
# code (then narrowed by their own role at home).
PARTNER_MAY = {
    "full": {
        P.VIEW_DASHBOARD,
        P.VIEW_PRODUCTS,
        P.MANAGE_PRODUCTS,
        P.ORDER_PRODUCTS,
        P.VIEW_SETTINGS,
        P.VIEW_MEMBERS,
        P.MANAGE_MEMBERS,
    },
    "limited": {P.VIEW_DASHBOARD, P.VIEW_PRODUCTS, P.MANAGE_PRODUCTS},
    "technical": {P.VIEW_DASHBOARD, P.VIEW_PRODUCTS, P.MANAGE_PRODUCTS, P.ORDER_PRODUCTS},
    "read_only": {P.VIEW_DASHBOARD, P.VIEW_PRODUCTS, P.VIEW_SETTINGS, P.VIEW_MEMBERS},
    "billing": {P.VIEW_DASHBOARD, P.VIEW_INVOICES},
}
PARTNER_ROLES = [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER]


@pytest.mark.django_db
@pytest.mark.parametrize("grant", list(PARTNER_MAY))
@pytest.mark.parametrize("role", PARTNER_ROLES)
def test_each_partner_grant_gives_exactly_its_permissions_within_the_partner_s_own_role(
    organization, grant, role
):
    partner = OrganizationFactory(is_referenced_partner=True)
    PartnershipFactory(
        client=organization,
        partner=partner,
        access=grant,
        payment_method="partner" if grant == "billing" else "client",
    )
    user = member(partner, role)

    access = resolve_access(user, organization)

    assert access.acts_for_partner
    assert access.permissions == PARTNER_MAY[grant] & MAY[role]
    # A role grant is told what its role does not allow (403); Limited and Full are answered "not found".
    assert access.hides_refusals is (grant in ("full", "limited"))


@pytest.mark.django_db
def test_a_partner_s_accountant_or_external_member_acts_for_no_client(organization):
    partner = OrganizationFactory(is_referenced_partner=True)
    PartnershipFactory(client=organization, partner=partner, access="billing", payment_method="partner")

    for role in (Role.ACCOUNTANT, Role.EXTERNAL):
        assert resolve_access(member(partner, role), organization) is None
