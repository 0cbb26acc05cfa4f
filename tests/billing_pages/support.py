"""Helpers of the billing page tests: addresses, acting as a user, ordering, and invoices written directly."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceLine
from billing.money import TaxedAmount
from organizations.access import resolve_access
from organizations.models import ProductType


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_id": org.pk, **kwargs})


def acting(user, organization):
    return resolve_access(user, organization)


def order(user, organization, product_type=None, name="site.example"):
    """Order through the service, as the console does."""
    product_type = product_type or ProductType.objects.get(slug="web-hosting")
    return services.product_order(access=acting(user, organization), product_type=product_type, name=name)


def invoice_of(order_) -> Invoice:
    return order_.invoice_lines.get().invoice


def make_invoice(
    organization, *, days_ago=0, status="due", net="10.00", description="Web hosting", number=None
):
    """An issued invoice with one line, written directly (the pages only read invoices)."""
    issued_at = timezone.now() - timedelta(days=days_ago)
    series = f"INV{issued_at:%Y}"
    if number is None:
        last = (
            Invoice.objects.filter(series=series).order_by("-number").values_list("number", flat=True).first()
        )
        number = (last or 0) + 1
    amount = TaxedAmount.from_net(Decimal(net), Decimal("0.081"))
    invoice = Invoice.objects.create(
        series=series,
        number=number,
        organization=organization,
        issued_at=issued_at,
        currency=organization.currency,
        seller=services.seller_data(),
        buyer=services.buyer_data(organization),
        net_amount=amount.net,
        tax_amount=amount.tax,
        gross_amount=amount.gross,
        status=status,
        paid_at=issued_at if status == "paid" else None,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        description=description,
        unit_price=amount.net,
        net_amount=amount.net,
        tax_rule="ch_vat",
        tax_rate=Decimal("0.081"),
        tax_wording="Swiss VAT 8.1 %",
        tax_amount=amount.tax,
        gross_amount=amount.gross,
    )
    return invoice
