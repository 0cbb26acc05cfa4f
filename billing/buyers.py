"""Who an invoice is made out to, and the tax an invoice to them issued today carries.

The invoice decides its tax with these when it is issued (and freezes it); the quote of the order and renewal
pages reads the same decision, so a consumer sees beforehand the price the invoice will ask.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import TaxRate
from billing.tax import TaxDecision, tax_for
from organizations.models import EntityType, Organization


def standard_rate(country: str, on: date) -> Decimal:
    rate = (
        TaxRate.objects.filter(country=country, valid_from__lte=on)
        .exclude(valid_until__lt=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            _("No VAT rate is known for %(country)s on %(day)s; a staff member must add it.")
            % {"country": country, "day": on}
        )
    return rate


def buyer_data(organization: Organization) -> dict:
    """The payer as printed on the invoice: its default billing address, else its legal data."""
    address = organization.billing_addresses.filter(is_default=True).first()
    vat_number = (address.vat_number if address and address.vat_number else organization.vat_number) or ""
    country = address.country.code if address else organization.country.code
    return {
        "organization_id": organization.pk,
        "name": address.name if address else organization.name,
        "street": address.street if address else "",
        "postal_code": address.postal_code if address else "",
        "city": address.city if address else "",
        "country": country,
        "vat_number": vat_number,
        "email": address.email if address else "",
    }


def tax_decision_for(organization: Organization, buyer: dict | None = None) -> TaxDecision:
    """The tax of an invoice to `organization` issued today; `buyer` is its `buyer_data` when already read."""
    buyer = buyer if buyer is not None else buyer_data(organization)
    return tax_for(
        buyer_country=buyer["country"],
        # An individual is a consumer, whatever VAT number an address may carry.
        buyer_vat_number=buyer["vat_number"] if organization.entity_type != EntityType.INDIVIDUAL else "",
        on=timezone.localdate(),
        standard_rate=standard_rate,
    )
