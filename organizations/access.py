"""The access resolver: the one place that answers "what may this user do in this organization?".

Every view, selector and API endpoint asks `resolve_access()`; nothing else reads memberships to decide
access. A user with no access at all gets `None` (callers answer 404); a member without a permission gets an
`Access` whose `can()` is false (callers answer 403 with a clear refusal); a partner acting for a client is
answered 404 for everything outside its grant (`hides_refusals`).
"""

from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.db.models import Q

from organizations.models import Membership, Organization, Role, User

# Ids beyond a 64-bit integer cannot exist; asking the database for one would be an error, not a miss.
MAX_DATABASE_ID = 2**63


class Permission(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_PRODUCTS = "view_products"
    MANAGE_PRODUCTS = "manage_products"
    VIEW_SETTINGS = "view_settings"
    EDIT_ORGANIZATION = "edit_organization"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_LEGAL_REPRESENTATIVES = "manage_legal_representatives"
    VIEW_BILLING = "view_billing"
    MANAGE_BILLING_ADDRESSES = "manage_billing_addresses"
    VIEW_ACTIVITY = "view_activity"
    VIEW_PARTNERS = "view_partners"
    MANAGE_PARTNERS = "manage_partners"
    DPA_CERTIFICATE = "dpa_certificate"
    # Reseller Area: only in an organization that is a referenced partner.
    VIEW_MANAGED_CLIENTS = "view_managed_clients"
    ANSWER_INVITATIONS = "answer_invitations"
    MANAGE_CLIENTS = "manage_clients"


RESELLER_PERMISSIONS = frozenset(
    {Permission.VIEW_MANAGED_CLIENTS, Permission.ANSWER_INVITATIONS, Permission.MANAGE_CLIENTS}
)
_ADMINISTRATOR = frozenset(Permission) - {
    Permission.MANAGE_PARTNERS,
    Permission.MANAGE_LEGAL_REPRESENTATIVES,
    Permission.MANAGE_CLIENTS,
}
_PRODUCTS = frozenset({Permission.VIEW_DASHBOARD, Permission.VIEW_PRODUCTS, Permission.MANAGE_PRODUCTS})
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.LEGAL_REPRESENTATIVE: frozenset(Permission),
    Role.ADMINISTRATOR: _ADMINISTRATOR,
    Role.USER: _PRODUCTS
    | {
        Permission.VIEW_SETTINGS,
        Permission.VIEW_MEMBERS,
        Permission.VIEW_BILLING,
        Permission.VIEW_MANAGED_CLIENTS,
    },
    Role.EXTERNAL: _PRODUCTS,
}
# A partner acting for a client: full access is the client's administrator for products, users and settings
# (read-only legal data), never for billing, partners or the activity log; limited access sees only the
# granted products.
PARTNER_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "full": _PRODUCTS | {Permission.VIEW_SETTINGS, Permission.VIEW_MEMBERS, Permission.MANAGE_MEMBERS},
    "limited": _PRODUCTS,
}
# Members of a partner organization in these roles act for its clients.
PARTNER_ACTING_ROLES = (Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER)


@dataclass(frozen=True)
class Access:
    """What one user may do in one organization, as a member or for a partner."""

    user: User
    organization: Organization
    role: str | None
    # None means every product of the organization; otherwise only these product ids.
    product_ids: frozenset[int] | None = None
    # Set when the user acts for a partner organization through an active partnership, with the user's role
    # in the partner organization: nobody does more for a client than their own role allows them at home.
    partnership: object | None = None
    partner_role: str | None = None

    @property
    def on_behalf_of(self) -> Organization | None:
        return self.partnership.partner if self.partnership is not None else None

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.partnership is not None:
            return PARTNER_PERMISSIONS[self.partnership.access] & ROLE_PERMISSIONS[self.partner_role]
        permissions = ROLE_PERMISSIONS[self.role]
        if not self.organization.is_referenced_partner:
            permissions = permissions - RESELLER_PERMISSIONS
        return permissions

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def hides_refusals(self) -> bool:
        """A partner is refused with "not found": what lies outside its grant is not even shown to exist."""
        return self.partnership is not None

    def can_see_product(self, product) -> bool:
        if product.organization_id != self.organization.pk or not self.can(Permission.VIEW_PRODUCTS):
            return False
        return self.product_ids is None or product.pk in self.product_ids

    @property
    def role_label(self) -> str:
        if self.partnership is not None:
            return f"Partner ({self.partnership.get_access_display()} access)"
        return Role(self.role).label


def _partnership_model():
    # Partnerships live in the partners app, which builds on this one; read them without importing it.
    return apps.get_model("partners", "Partnership")


def _active_partnership(user: User, organization_id: int):
    """The active partnership through which one of the user's partner organizations manages the client,
    and the user's role in that partner organization."""
    partner_roles = dict(
        Membership.objects.filter(user=user, role__in=PARTNER_ACTING_ROLES).values_list(
            "organization_id", "role"
        )
    )
    if not partner_roles:
        return None, None
    partnership = (
        _partnership_model()
        .objects.filter(client_id=organization_id, partner_id__in=partner_roles, status="active")
        .select_related("client", "partner")
        .order_by("access", "pk")  # "full" sorts before "limited"
        .first()
    )
    return partnership, partner_roles.get(partnership.partner_id) if partnership is not None else None


def resolve_access(user: User, organization: Organization | int | str) -> Access | None:
    """The user's access to the organization, or None when the user has nothing to do with it.

    An own membership (other than external) wins; else an active partnership of one of the user's partner
    organizations; else an external membership.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    organization_id = organization.pk if isinstance(organization, Organization) else organization
    try:
        organization_id = int(organization_id)
    except (TypeError, ValueError):
        return None
    if not 0 < organization_id < MAX_DATABASE_ID:
        return None
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=organization_id)
        .first()
    )
    if membership is not None and membership.role != Role.EXTERNAL:
        return Access(user=user, organization=membership.organization, role=membership.role)
    partnership, partner_role = _active_partnership(user, organization_id)
    if partnership is not None:
        product_ids = None
        if partnership.access == "limited":
            product_ids = frozenset(partnership.products.values_list("pk", flat=True))
        return Access(
            user=user,
            organization=partnership.client,
            role=None,
            product_ids=product_ids,
            partnership=partnership,
            partner_role=partner_role,
        )
    if membership is None:
        return None
    product_ids = frozenset(membership.products.values_list("pk", flat=True))
    return Access(
        user=user, organization=membership.organization, role=membership.role, product_ids=product_ids
    )


def organizations_of(user: User):
    """The organizations the user can switch to: their own, and the clients their partners manage."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    partner_ids = Membership.objects.filter(user=user, role__in=PARTNER_ACTING_ROLES).values(
        "organization_id"
    )
    managed = Q(partnerships_as_client__partner_id__in=partner_ids, partnerships_as_client__status="active")
    return Organization.objects.filter(Q(memberships__user=user) | managed).distinct().order_by("name", "pk")
