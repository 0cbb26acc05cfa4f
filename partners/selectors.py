"""Reads of the partner program, scoped by the caller's access."""

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, When

from organizations.access import Access, Permission
from organizations.models import Membership, Organization
from organizations.selectors import products_visible_to
from partners.models import LIVE_STATUSES as LIVE
from partners.models import PartnerProfile, Partnership, Status


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


# Sort keys of the Managed Clients table: the column, then a tie-breaker so pages never overlap.
MANAGED_CLIENT_ORDERINGS = {
    "name": ("client__name", "pk"),
    "-name": ("-client__name", "-pk"),
    "since": ("answered_at", "pk"),
    "-since": ("-answered_at", "-pk"),
    "products": ("client_product_count", "client__name", "pk"),
    "-products": ("-client_product_count", "client__name", "pk"),
}


def managed_partnerships(
    partner: Organization, *, search: str = "", access_level: str = "", payment_method: str = ""
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
        partnerships = partnerships.filter(Q(client__name__icontains=search) | Q(Exists(users)))
    if access_level:
        partnerships = partnerships.filter(access=access_level)
    if payment_method:
        partnerships = partnerships.filter(payment_method=payment_method)
    return partnerships


def managed_clients(
    access: Access,
    *,
    search: str = "",
    access_level: str = "",
    payment_method: str = "",
    ordering: str = "name",
) -> QuerySet[Partnership]:
    """Reseller Area → Managed Clients: the active partnerships of the partner, with product counts.

    `search` matches part of the client's name or of the email of one of its users; `access_level` and
    `payment_method` keep one value; `ordering` is a key of `MANAGED_CLIENT_ORDERINGS`.
    """
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return Partnership.objects.none()
    partnerships = managed_partnerships(
        access.organization, search=search, access_level=access_level, payment_method=payment_method
    )
    return (
        partnerships.select_related("client")
        # What the partner manages: the granted products with Limited access, every product with Full.
        .annotate(
            client_product_count=Case(
                When(access="limited", then=Count("products", distinct=True)),
                default=Count("client__products", distinct=True),
            )
        )
        .order_by(*MANAGED_CLIENT_ORDERINGS.get(ordering, MANAGED_CLIENT_ORDERINGS["name"]))
    )


def pending_partnerships_of_partner(access: Access) -> QuerySet[Partnership]:
    """Invitations the partner received and requests it sent, still waiting for an answer."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return Partnership.objects.none()
    return (
        Partnership.objects.filter(partner=access.organization, status=Status.PENDING)
        .select_related("client")
        .prefetch_related("products")
        .order_by("-invitation_sent_at", "-pk")
    )


def partnership_for(access: Access, partnership_id: int) -> Partnership | None:
    """A partnership the caller's organization is a side of, as the client or as the partner (a partner
    acting for a client has neither permission: `MEMBER_ONLY_PERMISSIONS`)."""
    sides = Q()
    if access.can(Permission.VIEW_PARTNERS):
        sides |= Q(client=access.organization)
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        sides |= Q(partner=access.organization)
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
