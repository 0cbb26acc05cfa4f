"""The access resolver: the one place that answers "what may this user do in this organization?".

Every view, selector and API endpoint asks `resolve_access()`; nothing else reads memberships to decide
access. A user with no access at all gets `None` (callers answer 404); a user with access but without a
permission gets an `Access` whose `can()` is false (callers answer 403 with a clear refusal).
"""

from dataclasses import dataclass
from enum import StrEnum

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
    MANAGE_PARTNERS = "manage_partners"
    DPA_CERTIFICATE = "dpa_certificate"


_ADMINISTRATOR = frozenset(Permission) - {Permission.MANAGE_PARTNERS, Permission.MANAGE_LEGAL_REPRESENTATIVES}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.LEGAL_REPRESENTATIVE: frozenset(Permission),
    Role.ADMINISTRATOR: _ADMINISTRATOR,
    Role.USER: frozenset(
        {
            Permission.VIEW_DASHBOARD,
            Permission.VIEW_PRODUCTS,
            Permission.MANAGE_PRODUCTS,
            Permission.VIEW_SETTINGS,
            Permission.VIEW_MEMBERS,
            Permission.VIEW_BILLING,
        }
    ),
    Role.EXTERNAL: frozenset(
        {Permission.VIEW_DASHBOARD, Permission.VIEW_PRODUCTS, Permission.MANAGE_PRODUCTS}
    ),
}


@dataclass(frozen=True)
class Access:
    """What one user may do in one organization."""

    user: User
    organization: Organization
    role: str
    # None means every product of the organization; otherwise only these product ids.
    product_ids: frozenset[int] | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def can_see_product(self, product) -> bool:
        if product.organization_id != self.organization.pk or not self.can(Permission.VIEW_PRODUCTS):
            return False
        return self.product_ids is None or product.pk in self.product_ids

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def resolve_access(user: User, organization: Organization | int | str) -> Access | None:
    """The user's access to the organization, or None when the user has nothing to do with it."""
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
    if membership is None:
        return None
    product_ids = None
    if membership.role == Role.EXTERNAL:
        product_ids = frozenset(membership.products.values_list("pk", flat=True))
    return Access(
        user=user, organization=membership.organization, role=membership.role, product_ids=product_ids
    )


def organizations_of(user: User):
    """The organizations the user can switch to, for the sidebar switcher and `/api/v1/organizations`."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name", "pk")
