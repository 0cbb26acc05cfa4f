"""Reads scoped to what the caller may see: every function takes the caller's `Access`."""

from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, When
from django.db.models.functions import Left

from organizations.access import Access, Permission
from organizations.models import (
    BillingAddress,
    Membership,
    Organization,
    Product,
    ProductCategory,
    VatNumberChange,
)
from organizations.vat import SWISS_VAT_SUFFIXES


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


@dataclass(frozen=True)
class InvoiceVatNumber:
    """The VAT number the next invoices print, and the default billing address when it is that address's."""

    number: str
    address: BillingAddress | None = None


def invoice_vat_number(access: Access) -> InvoiceVatNumber | None:
    """Which VAT number future invoices carry: the default billing address's own, else the organization's
    (the rule of `billing.services.buyer_data`). None to whoever may not see the billing."""
    if not access.can(Permission.VIEW_BILLING):
        return None
    address = billing_addresses_visible_to(access).filter(is_default=True).exclude(vat_number="").first()
    if address is not None:
        return InvoiceVatNumber(number=address.vat_number_display, address=address)
    return InvoiceVatNumber(number=access.organization.vat_number_display)


def _vat_key():
    # One Swiss registration has four spellings (CHE…MWST, …TVA, …IVA, …TPV): the UID alone identifies it.
    return Case(When(vat_number__startswith="CHE", then=Left("vat_number", 12)), default=F("vat_number"))


def with_vat_number_shared(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate `vat_number_shared`: another organization has the same VAT number."""
    # The numbers held more than once, found in one pass over the table (not one per row shown).
    shared_keys = (
        Organization.objects.exclude(vat_number="")
        .annotate(vat_key=_vat_key())
        .order_by()
        .values("vat_key")
        .annotate(holders=Count("pk"))
        .filter(holders__gt=1)
        .values("vat_key")
    )
    return organizations.annotate(vat_key=_vat_key()).annotate(
        vat_number_shared=ExpressionWrapper(
            Q(vat_key__in=shared_keys) & ~Q(vat_number=""), output_field=BooleanField()
        )
    )


def vat_number_shared(organization: Organization) -> bool:
    """Whether another organization has the same VAT number: told to the user, who is not told which one."""
    number = organization.vat_number
    if not number:
        return False
    spellings = [number]
    if number.startswith("CHE"):
        spellings = [number[:12] + suffix for suffix in SWISS_VAT_SUFFIXES]
    return Organization.objects.filter(vat_number__in=spellings).exclude(pk=organization.pk).exists()
