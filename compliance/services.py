"""State changes of the compliance app: DPA certificates and cookie choices, each with its audit event."""

from dataclasses import replace
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_countries import countries

from compliance.consent import Consent, now_consent
from compliance.dpa import new_certificate_number
from compliance.models import CookieConsent, DpaCertificate
from core.audit import audit_record
from organizations.access import Access, Permission
from organizations.models import BillingAddress, Organization, User

NUMBER_ATTEMPTS = 5


def _certificate_address(organization: Organization) -> list[str]:
    """The default billing address (else the first one); without any, the organization's country."""
    address = BillingAddress.objects.filter(organization=organization).order_by("-is_default", "pk").first()
    if address is None:
        return [countries.name(organization.country.code) or organization.country.code]
    return [
        address.street,
        f"{address.postal_code} {address.city}".strip(),
        countries.name(address.country.code) or address.country.code,
    ]


@transaction.atomic
def dpa_certificate_issue(*, access: Access) -> DpaCertificate:
    """Issue a DPA certificate for the organization (legal representatives and administrators only)."""
    if not access.can(Permission.DPA_CERTIFICATE):
        raise PermissionDenied(
            _("Your role (%(role)s) does not allow you to generate the DPA certificate.")
            % {"role": access.role_label}
        )
    organization = access.organization
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            # Each attempt in its own savepoint: a colliding random number is drawn again.
            with transaction.atomic():
                certificate = DpaCertificate.objects.create(
                    number=new_certificate_number(),
                    organization=organization,
                    issued_by=access.user,
                    organization_name=organization.name,
                    entity_type=organization.get_entity_type_display(),
                    address=_certificate_address(organization),
                    vat_number=organization.vat_number_display,
                )
                audit_record(
                    actor=access.user,
                    organization=organization,
                    on_behalf_of=access.on_behalf_of,
                    action="dpa_certificate.issued",
                    target=certificate,
                    changes={"number": certificate.number},
                )
                return certificate
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def cookie_consent_record(
    *, user: User, analytics: bool, marketing: bool, given_at: datetime | None = None
) -> Consent:
    """Store a signed-in user's cookie choice, with its time and version; `given_at` for a choice made
    earlier in this browser, before signing in (never later than now)."""
    consent = now_consent(analytics=bool(analytics), marketing=bool(marketing))
    if given_at is not None and given_at < consent.given_at:
        consent = replace(consent, given_at=given_at)
    record = CookieConsent.objects.create(
        user=user,
        analytics=consent.analytics,
        marketing=consent.marketing,
        version=consent.version,
        given_at=consent.given_at,
    )
    audit_record(
        actor=user,
        organization=None,
        action="cookie_consent.given",
        target=record,
        changes={"analytics": consent.analytics, "marketing": consent.marketing, "version": consent.version},
    )
    return consent
