"""Newsletter reads, through the access resolver: a product outside the caller's access does not exist."""

from django.db.models import Count, QuerySet

from newsletter.models import NEWSLETTER_CATEGORY, MailingList, Subscriber
from organizations.access import Access, resolve_access, visible_products
from organizations.models import Product, User
from organizations.two_factor import has_second_factor


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
    """The Newsletter products the user can reach, in every organization they can act in, as the access
    resolver decides for each of them (a fixed number of queries); none of an organization that requires
    two-factor sign-in while the user has no second factor (its products answer 403 until they set one up)."""
    products = visible_products(user).filter(product_type__category__slug=NEWSLETTER_CATEGORY)
    if not has_second_factor(user):
        products = products.exclude(organization__two_factor_required=True)
    return list(
        products.select_related("product_type__category").order_by(
            "organization__name", "organization_id", "name", "pk"
        )
    )


def mailing_lists_of(product: Product) -> QuerySet[MailingList]:
    return (
        MailingList.objects.filter(product=product)
        .annotate(subscriber_count=Count("subscribers"))
        .order_by("name", "pk")
    )


def subscribers_of(mailing_list: MailingList) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(mailing_list=mailing_list)
