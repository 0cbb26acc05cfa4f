"""Newsletter reads, through the access resolver: a product outside the caller's access does not exist."""

from django.apps import apps
from django.db.models import Count, Q, QuerySet

from newsletter.models import NEWSLETTER_CATEGORY, MailingList, Subscriber
from organizations.access import PARTNER_ACTING_ROLES, Access, resolve_access
from organizations.models import Membership, Product, Role, User


def newsletter_product_for(user: User, product_id: int) -> tuple[Access, Product] | None:
    """The Newsletter product with the user's access to its organization, or None when out of reach."""
    product = (
        Product.objects.select_related("product_type__category")
        .filter(pk=product_id, product_type__category__slug=NEWSLETTER_CATEGORY)
        .first()
    )
    if product is None:
        return None
    access = resolve_access(user, product.organization_id)
    if access is None or not access.can_see_product(product):
        return None
    return access, product


def newsletter_products_of(user: User) -> list[Product]:
    """The Newsletter products the user can reach, in every organization they can switch to.

    The same rules as the access resolver, for all organizations at once (a fixed number of queries): an own
    membership other than external sees every product; else the first active partnership of one of the
    user's partner organizations (Full before Limited) sees all or its granted products; else an external
    membership sees its products.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    memberships = list(Membership.objects.filter(user=user).values_list("pk", "organization_id", "role"))
    everything = {org_id for _, org_id, role in memberships if role != Role.EXTERNAL}
    partner_ids = {org_id for _, org_id, role in memberships if role in PARTNER_ACTING_ROLES}
    granted: set[int] = set()
    chosen: dict[int, tuple[int, str]] = {}
    if partner_ids:
        partnership = apps.get_model("partners", "Partnership")
        partnerships = (
            partnership.objects.filter(partner_id__in=partner_ids, status="active")
            .exclude(client_id__in=everything)
            .order_by("access", "pk")  # "full" sorts before "limited", as in the resolver
            .values_list("pk", "client_id", "access")
        )
        for pk, client_id, access in partnerships:
            chosen.setdefault(client_id, (pk, access))
        everything |= {client_id for client_id, (_, access) in chosen.items() if access == "full"}
        limited = [pk for pk, access in chosen.values() if access == "limited"]
        if limited:
            granted |= set(
                partnership.products.through.objects.filter(partnership_id__in=limited).values_list(
                    "product_id", flat=True
                )
            )
    externals = [pk for pk, org_id, role in memberships if role == Role.EXTERNAL and org_id not in chosen]
    if externals:
        granted |= set(
            Membership.products.through.objects.filter(membership_id__in=externals).values_list(
                "product_id", flat=True
            )
        )
    return list(
        Product.objects.filter(Q(organization_id__in=everything) | Q(pk__in=granted))
        .filter(product_type__category__slug=NEWSLETTER_CATEGORY)
        .select_related("product_type__category")
        .order_by("organization__name", "organization_id", "name", "pk")
    )


def mailing_lists_of(product: Product) -> QuerySet[MailingList]:
    return (
        MailingList.objects.filter(product=product)
        .annotate(subscriber_count=Count("subscribers"))
        .order_by("name", "pk")
    )


def subscribers_of(mailing_list: MailingList) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(mailing_list=mailing_list)
