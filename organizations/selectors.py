"""Reads scoped to what the caller may see: every function takes the caller's `Access`."""

from django.db.models import Count, Prefetch, QuerySet

from organizations.access import Access, Permission
from organizations.models import BillingAddress, Membership, Product, ProductCategory, VatNumberChange


def products_visible_to(access: Access) -> QuerySet[Product]:
    if not access.can(Permission.VIEW_PRODUCTS):
        return Product.objects.none()
    products = Product.objects.filter(organization=access.organization).select_related(
        "product_type__category"
    )
    if access.product_ids is not None:
        products = products.filter(pk__in=access.product_ids)
    return products


def product_categories_with_products(access: Access) -> list[ProductCategory]:
    """The catalog's categories that hold at least one visible product, each with `.visible_products`."""
    visible = products_visible_to(access).select_related("product_type")
    categories = (
        ProductCategory.objects.filter(product_types__products__in=visible)
        .distinct()
        .prefetch_related(
            Prefetch("product_types__products", queryset=visible, to_attr="visible_products_of_type"),
        )
    )
    result = []
    for category in categories:
        category.visible_products = [
            product
            for product_type in category.product_types.all()
            for product in product_type.visible_products_of_type
        ]
        result.append(category)
    return result


def members_visible_to(access: Access) -> QuerySet[Membership]:
    if not access.can(Permission.VIEW_MEMBERS):
        return Membership.objects.none()
    return (
        Membership.objects.filter(organization=access.organization)
        .select_related("user")
        .annotate(product_count=Count("products"))
        .order_by("user__email")
    )


def billing_addresses_visible_to(access: Access) -> QuerySet[BillingAddress]:
    if not access.can(Permission.VIEW_BILLING):
        return BillingAddress.objects.none()
    return BillingAddress.objects.filter(organization=access.organization)


def vat_number_history(access: Access) -> QuerySet[VatNumberChange]:
    if not access.can(Permission.VIEW_SETTINGS):
        return VatNumberChange.objects.none()
    return VatNumberChange.objects.filter(organization=access.organization).select_related(
        "changed_by", "organization"
    )
