"""Reads of the partner program, scoped by the caller's access."""

from datetime import timedelta
from itertools import islice

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone

from organizations.access import PARTNER_ACTING_ROLES, Access, Permission
from organizations.models import Membership, Organization, Product
from organizations.selectors import products_visible_to
from partners.invitations import invitation_max_age
from partners.models import (
    ASSIGNABLE_ROLES,
    ClientRequest,
    InitiatedBy,
    PartnerProfile,
    Partnership,
    PartnerTeam,
    Status,
    acting_for_clients,
)
from partners.models import LIVE_STATUSES as LIVE
from partners.models import Access as AccessLevel


def partner_directory(search: str = "") -> QuerySet[PartnerProfile]:
    """Referenced partners, searchable by name or contact email (any signed-in user may search)."""
    profiles = PartnerProfile.objects.filter(
        is_listed=True, organization__is_referenced_partner=True
    ).select_related("organization")
    search = (search or "").strip()
    if search:
        profiles = profiles.filter(
            Q(public_name__icontains=search)
            | Q(contact_email__icontains=search)
            | Q(organization__name__icontains=search)
        )
    return profiles.order_by("public_name", "pk")


def _acted_for_by(access: Access) -> Q:
    """The partner organization's partnerships whose clients the caller acts for (all of them for its legal
    representatives; else those open to all members or assigned to the caller)."""
    return acting_for_clients(access.user, {access.organization.pk: access.role})


def partnerships_of_client(access: Access) -> QuerySet[Partnership]:
    """The client's Partner page: live partnerships first, then the history."""
    if not access.can(Permission.VIEW_PARTNERS):
        return Partnership.objects.none()
    return (
        Partnership.objects.filter(client=access.organization)
        .select_related("partner__partner_profile")
        .annotate(product_count=Count("products"))
        .order_by("-created_at", "-pk")
    )


# Sort keys of the Managed Clients table: the column, then a tie-breaker so pages never overlap. By name, the
# client's id breaks ties (one active partnership per client and partner), so the partnerships' index on
# (partner, status, client name, client) gives a page in order without sorting every client.
MANAGED_CLIENT_ORDERINGS = {
    "name": ("client_name", "client_id"),
    "-name": ("-client_name", "-client_id"),
    "since": ("answered_at", "pk"),
    "-since": ("-answered_at", "-pk"),
    "products": ("client_product_count", "client_name", "pk"),
    "-products": ("-client_product_count", "client_name", "pk"),
    # Soonest end first, access with no end last (index on partner, status, ends_at).
    "until": (F("ends_at").asc(nulls_last=True), "pk"),
    "-until": (F("ends_at").desc(nulls_first=True), "-pk"),
}
# The "Until" filter of Managed Clients: access ending within this many days counts as "ending soon".
ENDING_SOON_DAYS = 30
UNTIL_FILTERS = ("soon", "dated", "none")
# Product counts are read for this many rows at a time: a page's worth in one query.
PRODUCT_COUNT_BATCH = 500


def _product_counts(partnerships: list[Partnership]) -> None:
    """Set `client_product_count` on each partnership that has none yet, with one grouped query: what the
    partner manages, the granted products with Limited access, every product of the client with Full."""
    missing = [row for row in partnerships if not hasattr(row, "client_product_count")]
    if not missing:
        return
    limited = [row.pk for row in missing if row.access == AccessLevel.LIMITED]
    granted = Partnership.products.through.objects.filter(
        product_id=OuterRef("pk"), partnership_id__in=limited
    )
    counts = {
        row["organization_id"]: row
        for row in Product.objects.filter(organization_id__in={row.client_id for row in missing})
        .order_by()
        .values("organization_id")
        .annotate(every=Count("pk"), granted=Count("pk", filter=Q(Exists(granted))))
    }
    for partnership in missing:
        counted = counts.get(partnership.client_id, {"every": 0, "granted": 0})
        limited_access = partnership.access == AccessLevel.LIMITED
        partnership.client_product_count = counted["granted" if limited_access else "every"]


class WithProductCounts(ModelIterable):
    """Partnerships as read, each with `client_product_count`, counted for the rows read only (a page's rows
    in one query), not for every row the filters match."""

    def __iter__(self):
        rows = super().__iter__()
        while batch := list(islice(rows, PRODUCT_COUNT_BATCH)):
            _product_counts(batch)
            yield from batch


def _product_count_for_sorting():
    """The product count as a correlated subquery per row, for sorting by it: each one an index lookup (the
    granted products of the partnership, or the products of the client), with no join or GROUP BY over all
    the clients' products. Only the sort by products pays for it."""
    granted = (
        Partnership.products.through.objects.filter(partnership_id=OuterRef("pk"))
        .order_by()
        .values("partnership_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    every = (
        Product.objects.filter(organization_id=OuterRef("client_id"))
        .order_by()
        .values("organization_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Case(
        When(access=AccessLevel.LIMITED, then=Coalesce(Subquery(granted), 0)),
        default=Coalesce(Subquery(every), 0),
    )


def managed_partnerships(
    partner: Organization,
    *,
    search: str = "",
    access_level: str = "",
    payment_method: str = "",
    until: str = "",
) -> QuerySet[Partnership]:
    """The partner organization's active partnerships that match the Managed Clients filters, unannotated
    and unordered: the table builds on it, and the billing export reads its `client_id`s as a subquery
    ("select all matching"), so no list of ids travels however many clients match. The caller checks the
    access (`managed_clients` does, with the access resolver)."""
    partnerships = Partnership.objects.active().filter(partner=partner)
    search = (search or "").strip()
    if search:
        # A subquery, not a join: a client with many matching users is still one row.
        users = Membership.objects.filter(organization=OuterRef("client_id"), user__email__icontains=search)
        partnerships = partnerships.filter(Q(client_name__icontains=search) | Q(Exists(users)))
    if access_level:
        partnerships = partnerships.filter(access=access_level)
    if payment_method:
        partnerships = partnerships.filter(payment_method=payment_method)
    if until == "soon":
        partnerships = partnerships.filter(ends_at__lte=timezone.now() + timedelta(days=ENDING_SOON_DAYS))
    elif until == "dated":
        partnerships = partnerships.filter(ends_at__isnull=False)
    elif until == "none":
        partnerships = partnerships.filter(ends_at__isnull=True)
    return partnerships


def managed_clients(
    access: Access,
    *,
    search: str = "",
    access_level: str = "",
    payment_method: str = "",
    until: str = "",
    ordering: str = "name",
) -> QuerySet[Partnership]:
    """Reseller Area → Managed Clients: the active partnerships of the partner, each read with
    `client_product_count` (`WithProductCounts`: one query for the rows read, however many match).

    `search` matches part of the client's name or of the email of one of its users; `access_level` and
    `payment_method` keep one value; `until` is one of `UNTIL_FILTERS` (ending within `ENDING_SOON_DAYS`,
    with an end, with no end); `ordering` is a key of `MANAGED_CLIENT_ORDERINGS`.
    """
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return Partnership.objects.none()
    partnerships = (
        managed_partnerships(
            access.organization,
            search=search,
            access_level=access_level,
            payment_method=payment_method,
            until=until,
        )
        # Only the clients the caller acts for: a member assigned to some clients sees only those.
        .filter(_acted_for_by(access))
        .select_related("client")
    )
    ordering = ordering if ordering in MANAGED_CLIENT_ORDERINGS else "name"
    if ordering in ("products", "-products"):
        partnerships = partnerships.annotate(client_product_count=_product_count_for_sorting())
    partnerships = partnerships.order_by(*MANAGED_CLIENT_ORDERINGS[ordering])
    # The rows read get their product counts in one more query; counting (the pages) stays a plain COUNT.
    partnerships._iterable_class = WithProductCounts
    return partnerships


def pending_partnerships_of_partner(access: Access) -> QuerySet[Partnership]:
    """Invitations the partner received from clients, still waiting for its answer, newest first. (The
    requests it sent are its `ClientRequest`s: `pending_client_requests`.)"""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return Partnership.objects.none()
    return (
        Partnership.objects.filter(
            partner=access.organization, status=Status.PENDING, initiated_by=InitiatedBy.CLIENT
        )
        .select_related("client")
        .prefetch_related("products")
        .order_by("-invitation_sent_at", "-pk")
    )


# How long the side that sent an invitation or a request still sees it listed as expired.
EXPIRED_SHOWN_DAYS = 30


def _unanswered(requests: QuerySet[ClientRequest]) -> QuerySet[ClientRequest]:
    """Not deleted, and no answer from the client (no partnership made, or one still pending or expired)."""
    return requests.filter(cancelled_at__isnull=True).filter(
        Q(partnership__isnull=True) | Q(partnership__status__in=[Status.PENDING, Status.EXPIRED])
    )


def pending_client_requests(access: Access) -> QuerySet[ClientRequest]:
    """The requests the partner sent ("Add a client") still waiting for an answer, newest first, each as the
    partner typed it: the same whether or not its address matched a legal representative."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return ClientRequest.objects.none()
    fresh_since = timezone.now() - invitation_max_age()
    return _unanswered(ClientRequest.objects.filter(partner=access.organization, sent_at__gte=fresh_since))


def expired_client_requests(access: Access) -> QuerySet[ClientRequest]:
    """The requests the partner sent that expired unanswered in the last `EXPIRED_SHOWN_DAYS` days, newest
    first: they leave the pending list, and the partner must not lose sight of them without a word."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return ClientRequest.objects.none()
    expired_before = timezone.now() - invitation_max_age()
    return _unanswered(
        ClientRequest.objects.filter(
            partner=access.organization,
            sent_at__lt=expired_before,
            sent_at__gte=expired_before - timedelta(days=EXPIRED_SHOWN_DAYS),
        )
    )


def client_request_for(access: Access, request_id: int) -> ClientRequest | None:
    """A request the caller's organization sent as a partner."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return None
    return ClientRequest.objects.filter(partner=access.organization, pk=request_id).first()


def partnership_for(access: Access, partnership_id: int) -> Partnership | None:
    """A partnership the caller's organization is a side of, as the client or as the partner (a partner
    acting for a client has neither permission: `MEMBER_ONLY_PERMISSIONS`)."""
    sides = Q()
    if access.can(Permission.VIEW_PARTNERS):
        sides |= Q(client=access.organization)
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        # A partner sees the partnership its request made only once the client has answered: before, it
        # knows its request by the address it typed (`client_request_for`), matched or not.
        # Of the clients the caller acts for (`_acted_for_by`).
        sides |= _acted_for_by(access) & ~Q(
            initiated_by=InitiatedBy.PARTNER,
            status__in=[Status.PENDING, Status.EXPIRED, Status.CANCELLED],
        )
    if not sides:
        return None
    return (
        Partnership.objects.filter(sides, pk=partnership_id)
        .select_related("client", "partner__partner_profile")
        .prefetch_related("products__product_type")
        .first()
    )


def products_by_category(access: Access) -> list[tuple]:
    """The client's products grouped by category, for the Limited access panel."""
    groups: dict = {}
    for product in products_visible_to(access):
        groups.setdefault(product.product_type.category, []).append(product)
    return list(groups.items())


def live_partnership_with(access: Access, partner) -> Partnership | None:
    """The client's pending or active partnership with this partner, to warn before the wizard goes on."""
    return partnerships_of_client(access).filter(partner=partner, status__in=LIVE).first()


def ending_soon(access: Access, *, limit: int = 10) -> tuple[list[Partnership], list[Partnership]]:
    """The dashboard: access ending within `ENDING_SOON_DAYS`, soonest first, in one query: the partners
    whose access to this organization ends (client side), and the clients the partner loses (partner
    side)."""
    sides = Q()
    if access.can(Permission.VIEW_PARTNERS):
        sides |= Q(client=access.organization)
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        sides |= _acted_for_by(access)
    if not sides:
        return [], []
    rows = list(
        Partnership.objects.active()
        .filter(sides, ends_at__lte=timezone.now() + timedelta(days=ENDING_SOON_DAYS))
        .select_related("client", "partner")
        .order_by("ends_at", "pk")[:limit]
    )
    as_client = [row for row in rows if row.client_id == access.organization.pk]
    as_partner = [row for row in rows if row.partner_id == access.organization.pk]
    return as_client, as_partner


def assignable_members(access: Access) -> QuerySet[Membership]:
    """The partner organization's administrators and users, whom its legal representatives may assign to
    clients (`ASSIGNABLE_ROLES`), by email."""
    if not access.can(Permission.MANAGE_CLIENTS):
        return Membership.objects.none()
    return (
        Membership.objects.filter(organization=access.organization, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("user__email")
    )


def partner_teams(access: Access) -> QuerySet[PartnerTeam]:
    """The partner organization's teams by name, each with its members and `client_count`, the active
    clients assigned to it."""
    if not access.can(Permission.MANAGE_CLIENTS):
        return PartnerTeam.objects.none()
    active = Q(clients__status=Status.ACTIVE) & (
        Q(clients__ends_at__isnull=True) | Q(clients__ends_at__gt=timezone.now())
    )
    return (
        PartnerTeam.objects.filter(organization=access.organization)
        .prefetch_related("members__user")
        .annotate(client_count=Count("clients", filter=active, distinct=True))
        .order_by("name", "pk")
    )


def team_for(access: Access, team_id: int) -> PartnerTeam | None:
    return partner_teams(access).filter(pk=team_id).first()


def team_members_choices(access: Access) -> QuerySet[Membership]:
    """The partner's members who may be in a team: those who act for its clients."""
    if not access.can(Permission.MANAGE_CLIENTS):
        return Membership.objects.none()
    return (
        Membership.objects.filter(organization=access.organization, role__in=PARTNER_ACTING_ROLES)
        .select_related("user")
        .order_by("user__email")
    )
