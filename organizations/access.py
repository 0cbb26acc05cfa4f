"""The access resolver: the one place that answers "what may this user do in this organization?".

Every view, selector and API endpoint asks `resolve_access()` (one organization) or `accesses_of()` (all
of the user's at once, by the same rule); nothing else reads memberships to decide access. A user with no
access at all gets `None` (callers answer 404); a member without a permission gets an `Access` whose `can()`
is false (callers answer 403 with a clear refusal); a partner acting for a client is answered 404 for
everything outside its grant (`hides_refusals`). Callers ask `can(permission)`, never how the access came
about: what only members may do is a permission that no partnership gives (`MEMBER_ONLY_PERMISSIONS`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy

from organizations.models import Membership, Organization, Product, Role, User

# Ids beyond a 64-bit integer cannot exist; asking the database for one would be an error, not a miss.
MAX_DATABASE_ID = 2**63


class Permission(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_PRODUCTS = "view_products"
    MANAGE_PRODUCTS = "manage_products"
    # New products, not only the ones given: members other than external users, and Full access partners.
    ORDER_PRODUCTS = "order_products"
    VIEW_SETTINGS = "view_settings"
    EDIT_ORGANIZATION = "edit_organization"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_LEGAL_REPRESENTATIVES = "manage_legal_representatives"
    # Invoices, wallet and cashback live with the organization that pays them: never a partner's.
    VIEW_BILLING = "view_billing"
    # The invoices one may read here: a member's are the organization's own; a Billing partner's are those it
    # paid for this client (billing.selectors.invoices_visible_to), never the client's.
    VIEW_INVOICES = "view_invoices"
    TOP_UP_WALLET = "top_up_wallet"
    MANAGE_BILLING_ADDRESSES = "manage_billing_addresses"
    VIEW_ACTIVITY = "view_activity"
    VIEW_PARTNERS = "view_partners"
    MANAGE_PARTNERS = "manage_partners"
    DPA_CERTIFICATE = "dpa_certificate"
    # Reseller Area: only in an organization that is a referenced partner.
    VIEW_MANAGED_CLIENTS = "view_managed_clients"
    ANSWER_INVITATIONS = "answer_invitations"
    MANAGE_CLIENTS = "manage_clients"
    # Cashback payouts to a bank account: a partner's legal representatives and administrators.
    REQUEST_PAYOUTS = "request_payouts"


RESELLER_PERMISSIONS = frozenset(
    {
        Permission.VIEW_MANAGED_CLIENTS,
        Permission.ANSWER_INVITATIONS,
        Permission.MANAGE_CLIENTS,
        Permission.REQUEST_PAYOUTS,
    }
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
        Permission.ORDER_PRODUCTS,
        Permission.VIEW_SETTINGS,
        Permission.VIEW_MEMBERS,
        Permission.VIEW_BILLING,
        Permission.VIEW_INVOICES,
        Permission.TOP_UP_WALLET,
        Permission.VIEW_MANAGED_CLIENTS,
    },
    # Read-only billing: invoices, credit notes, PDFs, the wallet's balance and exports; no top-up, no
    # products, no users, no settings.
    Role.ACCOUNTANT: frozenset(
        {Permission.VIEW_DASHBOARD, Permission.VIEW_BILLING, Permission.VIEW_INVOICES}
    ),
    Role.EXTERNAL: _PRODUCTS,
}
LIMITED_ACCESS = "limited"
# How a partner's people are named in a client's console, by the partnership's access.
PARTNER_ROLE_LABELS = {
    "full": gettext_lazy("Partner (Full access)"),
    LIMITED_ACCESS: gettext_lazy("Partner (Limited access)"),
    "technical": gettext_lazy("Partner (Technical)"),
    "read_only": gettext_lazy("Partner (Read-only)"),
    "billing": gettext_lazy("Partner (Billing)"),
}
# A partner acting for a client: full access is the client's administrator for products, users and settings
# (read-only legal data), never for billing, partners or the activity log; limited access sees only the
# granted products and orders nothing new; technical manages and orders products, nothing else; read-only
# sees what full access sees and changes nothing; billing sees only the invoices the partner paid for the
# client. The words the client reads before granting each: `partners.models.ACCESS_DESCRIPTIONS`.
PARTNER_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "full": _PRODUCTS
    | {
        Permission.ORDER_PRODUCTS,
        Permission.VIEW_SETTINGS,
        Permission.VIEW_MEMBERS,
        Permission.MANAGE_MEMBERS,
    },
    LIMITED_ACCESS: _PRODUCTS,
    "technical": _PRODUCTS | {Permission.ORDER_PRODUCTS},
    "read_only": frozenset(
        {
            Permission.VIEW_DASHBOARD,
            Permission.VIEW_PRODUCTS,
            Permission.VIEW_SETTINGS,
            Permission.VIEW_MEMBERS,
        }
    ),
    "billing": frozenset({Permission.VIEW_DASHBOARD, Permission.VIEW_INVOICES}),
}
# Grants by role, chosen by the client with what each allows in plain words: what the role does not allow
# is refused with a 403 naming it, where Limited and Full partners are answered "not found"
# (`hides_refusals`).
ROLE_GRANTS = frozenset({"technical", "read_only", "billing"})
# What only the organization's own people may do: billing, partners, the activity log, the Reseller Area of
# the partner organization itself, legal data. A partnership never gives these, so `can()` alone refuses them
# to a partner; no caller needs to ask whether the access comes from a partnership.
MEMBER_ONLY_PERMISSIONS = frozenset(Permission) - frozenset().union(*PARTNER_PERMISSIONS.values())
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
    def acts_for_partner(self) -> bool:
        """Whether the user acts for a partner organization that manages this one, rather than as a member."""
        return self.partnership is not None

    @property
    def on_behalf_of(self) -> Organization | None:
        return self.partnership.partner if self.acts_for_partner else None

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.acts_for_partner:
            return PARTNER_PERMISSIONS[self.partnership.access] & ROLE_PERMISSIONS[self.partner_role]
        permissions = ROLE_PERMISSIONS[self.role]
        if not self.organization.is_referenced_partner:
            permissions = permissions - RESELLER_PERMISSIONS
        return permissions

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def hides_refusals(self) -> bool:
        """A Limited or Full partner is refused with "not found": what lies outside its grant is not even
        shown to exist. A partner granted a role (Technical, Read-only, Billing) is told what its role does
        not allow, as a member is (403)."""
        return self.acts_for_partner and self.partnership.access not in ROLE_GRANTS

    def can_see_product(self, product) -> bool:
        if product.organization_id != self.organization.pk or not self.can(Permission.VIEW_PRODUCTS):
            return False
        return self.product_ids is None or product.pk in self.product_ids

    @property
    def role_label(self) -> str:
        if self.acts_for_partner:
            return str(PARTNER_ROLE_LABELS[self.partnership.access])
        return str(Role(self.role).label)


def _partnership_model():
    # Partnerships live in the partners app, which builds on this one; read them without importing it.
    return apps.get_model("partners", "Partnership")


def _signed_in(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _decide(
    user: User,
    membership: Membership | None,
    partnership,
    partner_role: str | None,
    granted: Callable[[object], frozenset[int]],
) -> Access | None:
    """The rule, written once for `resolve_access` and `accesses_of`: an own membership other than external
    wins; else the partnership through which one of the user's partner organizations manages the client (the
    first active one by precedence), acting with the user's `partner_role` there; else an external
    membership. `granted(row)` reads the products of a limited partnership or an external membership."""
    if membership is not None and membership.role != Role.EXTERNAL:
        return Access(user=user, organization=membership.organization, role=membership.role)
    if partnership is not None:
        return Access(
            user=user,
            organization=partnership.client,
            role=None,
            product_ids=granted(partnership) if partnership.access == LIMITED_ACCESS else None,
            partnership=partnership,
            partner_role=partner_role,
        )
    if membership is not None:
        return Access(
            user=user,
            organization=membership.organization,
            role=membership.role,
            product_ids=granted(membership),
        )
    return None


def _granted_one(row) -> frozenset[int]:
    """The products on one membership or partnership that belong to its organization."""
    organization_id = row.organization_id if isinstance(row, Membership) else row.client_id
    return frozenset(row.products.filter(organization_id=organization_id).values_list("pk", flat=True))


def _active_partnership(user: User, organization_id: int):
    """The active partnership through which one of the user's partner organizations manages the client and
    lets the user act for it (`open_to`: legal representatives, or members when the client is open to all
    or assigned to them), and the user's role in that partner organization."""
    partner_roles = _partner_roles(user)
    if not partner_roles:
        return None, None
    partnership = (
        _partnership_model()
        .objects.active()
        .open_to(user, partner_roles)
        .filter(client_id=organization_id)
        .select_related("client", "partner")
        .by_precedence()
        .first()
    )
    return partnership, partner_roles.get(partnership.partner_id) if partnership is not None else None


def resolve_access(user: User, organization: Organization | int | str) -> Access | None:
    """The user's access to the organization, or None when the user has nothing to do with it.

    An own membership (other than external) wins; else an active partnership of one of the user's partner
    organizations; else an external membership (`_decide`).
    """
    if not _signed_in(user):
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
    partnership = partner_role = None
    if membership is None or membership.role == Role.EXTERNAL:  # an own membership wins without asking
        partnership, partner_role = _active_partnership(user, organization_id)
    return _decide(user, membership, partnership, partner_role, _granted_one)


def _granted_many(through, owner: str, organization: str, owner_ids: list[int]) -> dict[int, frozenset[int]]:
    """The products on many memberships or partnerships at once, each limited to its own organization."""
    if not owner_ids:
        return {}
    rows = through.objects.filter(
        **{f"{owner}_id__in": owner_ids, "product__organization_id": F(f"{owner}__{organization}")}
    ).values_list(f"{owner}_id", "product_id")
    granted: dict[int, set[int]] = {}
    for owner_id, product_id in rows:
        granted.setdefault(owner_id, set()).add(product_id)
    return {owner_id: frozenset(product_ids) for owner_id, product_ids in granted.items()}


def accesses_of(user: User) -> dict[int, Access]:
    """The user's access to every organization they can act in, by organization id (ordered by name).

    The same rules as `resolve_access` (`_decide`), for all organizations at once in four queries at most,
    however many there are: the memberships, the active partnerships of the user's partner organizations,
    and the products of the limited partnerships and external memberships that decide.
    """
    if not _signed_in(user):
        return {}
    memberships = {
        membership.organization_id: membership
        for membership in Membership.objects.select_related("organization").filter(user=user)
    }
    partner_roles = {
        organization_id: membership.role
        for organization_id, membership in memberships.items()
        if membership.role in PARTNER_ACTING_ROLES
    }
    partnerships = {}
    if partner_roles:
        own = [org_id for org_id, membership in memberships.items() if membership.role != Role.EXTERNAL]
        candidates = (
            _partnership_model()
            .objects.active()
            .open_to(user, partner_roles)
            .exclude(client_id__in=own)  # an own membership wins: its partnerships are not read
            .select_related("client", "partner")
            .by_precedence()
        )
        for partnership in candidates:
            partnerships.setdefault(partnership.client_id, partnership)
    partnership_model = _partnership_model()
    granted_by_partnership = _granted_many(
        partnership_model.products.through,
        "partnership",
        "client_id",
        [p.pk for p in partnerships.values() if p.access == LIMITED_ACCESS],
    )
    granted_by_membership = _granted_many(
        Membership.products.through,
        "membership",
        "organization_id",
        [
            membership.pk
            for org_id, membership in memberships.items()
            if membership.role == Role.EXTERNAL and org_id not in partnerships
        ],
    )

    def granted(row) -> frozenset[int]:
        grants = granted_by_membership if isinstance(row, Membership) else granted_by_partnership
        return grants.get(row.pk, frozenset())

    accesses = []
    for organization_id in memberships.keys() | partnerships.keys():
        partnership = partnerships.get(organization_id)
        partner_role = partner_roles.get(partnership.partner_id) if partnership is not None else None
        access = _decide(user, memberships.get(organization_id), partnership, partner_role, granted)
        if access is not None:
            accesses.append(access)
    accesses.sort(key=lambda access: (access.organization.name, access.organization.pk))
    return {access.organization.pk: access for access in accesses}


def visible_products(user: User) -> QuerySet[Product]:
    """Every product the user may see, in every organization they can act in (`Access.can_see_product` for
    all of them at once)."""
    everything: list[int] = []
    granted: set[int] = set()
    for organization_id, access in accesses_of(user).items():
        if not access.can(Permission.VIEW_PRODUCTS):
            continue
        if access.product_ids is None:
            everything.append(organization_id)
        else:
            granted |= access.product_ids
    if not everything and not granted:
        return Product.objects.none()
    return Product.objects.filter(Q(organization_id__in=everything) | Q(pk__in=granted))


def _partner_roles(user: User) -> dict[int, str]:
    """The user's role in each organization through which they may act for clients, by organization id."""
    return dict(
        Membership.objects.filter(user=user, role__in=PARTNER_ACTING_ROLES).values_list(
            "organization_id", "role"
        )
    )


def managed_clients_of(
    user: User, *, partner_roles: dict[int, str] | None = None, limit: int
) -> list[Organization]:
    """The first `limit` organizations by name that the user reaches only through an active partnership of
    one of their partner organizations (`partner_roles`, organization id → the user's role there, when the
    caller knows them), among the clients that let the user act for them (`open_to`): one read of the
    partnerships' (partner, status, client name) index, however many clients the partner has."""
    if user is None or not user.is_authenticated:
        return []
    if partner_roles is None:
        partner_roles = _partner_roles(user)
    if not partner_roles:
        return []
    partnerships = (
        _partnership_model()
        .objects.active()
        .open_to(user, partner_roles)
        .exclude(client_id__in=Membership.objects.filter(user=user).values("organization_id"))
        .select_related("client")
        .only("client__name")
        .order_by("client_name", "client_id")[:limit]
    )
    # A client managed by two of the user's partner organizations is listed once.
    return list({partnership.client_id: partnership.client for partnership in partnerships}.values())


def organizations_of(user: User) -> QuerySet[Organization]:
    """The organizations the user can switch to: their own, and the clients their partners manage that the
    user acts for."""
    if user is None or not user.is_authenticated:
        return Organization.objects.none()
    own = Membership.objects.filter(user=user).values("organization_id")
    managed = _partnership_model().objects.active().open_to(user)
    return Organization.objects.filter(Q(pk__in=own) | Q(pk__in=managed.values("client_id"))).order_by(
        "name", "pk"
    )
