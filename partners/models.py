from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_countries.fields import CountryField

RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9"))]


class PartnerProfile(models.Model):
    """What the partner directory shows of a referenced partner, and its reseller rates."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="partner_profile"
    )
    public_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    country = CountryField()
    description = models.TextField(blank=True)
    # The rates' help texts stay in English for staff: "15 % off" reads as a format directive to the
    # catalogue checks, which no translation can match.
    reseller_discount_rate = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        validators=RATE_VALIDATORS,
        help_text="0.150 = 15 % off the public price.",
    )
    cashback_rate = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        validators=RATE_VALIDATORS,
        help_text="0.100 = 10 % of the public price.",
    )
    is_listed = models.BooleanField(gettext_lazy("listed in the directory"), default=True)

    class Meta:
        ordering = ["public_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reseller_discount_rate__gte=0, reseller_discount_rate__lte=Decimal("0.9")),
                name="partner_profile_discount_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(cashback_rate__gte=0, cashback_rate__lte=Decimal("0.9")),
                name="partner_profile_cashback_rate_range",
            ),
        ]

    def __str__(self):
        return self.public_name


class Access(models.TextChoices):
    LIMITED = "limited", gettext_lazy("Limited")
    FULL = "full", gettext_lazy("Full")
    TECHNICAL = "technical", gettext_lazy("Technical")
    READ_ONLY = "read_only", gettext_lazy("Read-only")
    BILLING = "billing", gettext_lazy("Billing")


# What each access lets the partner do, in the words the client reads before granting it (the resolver's
# `PARTNER_PERMISSIONS` is the rule; these say it).
ACCESS_DESCRIPTIONS = {
    Access.LIMITED: gettext_lazy(
        "The partner manages and renews only the products you choose. It orders nothing new and never sees "
        "your billing."
    ),
    Access.FULL: gettext_lazy(
        "The partner manages your whole organization as an administrator (never as legal representative). "
        "You decide next whether it also pays."
    ),
    Access.TECHNICAL: gettext_lazy(
        "The partner manages, renews and orders your products and their settings. It sees neither your "
        "users nor your organization's settings, and never your billing."
    ),
    Access.READ_ONLY: gettext_lazy(
        "The partner sees your products, users and settings, and changes nothing: no order, no renewal, no "
        "new user. It never sees your billing."
    ),
    Access.BILLING: gettext_lazy(
        "For a partner that pays for you: it sees only the invoices it paid for your organization. Nothing "
        "of yours: not your products, users, settings, invoices or wallet."
    ),
}
# The accesses under which the partner may pay for the client; Billing is only for a partner that pays.
PARTNER_MAY_PAY = (Access.FULL, Access.BILLING)
# What a client answering a partner's request may grant instead of what was asked: the same or less.
GRANTABLE_FOR_REQUEST = {
    Access.FULL: tuple(Access.values),
    Access.TECHNICAL: (Access.TECHNICAL, Access.LIMITED, Access.READ_ONLY),
    Access.LIMITED: (Access.LIMITED,),
    Access.READ_ONLY: (Access.READ_ONLY,),
    Access.BILLING: (Access.BILLING,),
}


class PaymentMethod(models.TextChoices):
    CLIENT = "client", gettext_lazy("The client pays")
    PARTNER = "partner", gettext_lazy("The partner pays")


class Status(models.TextChoices):
    PENDING = "pending", pgettext_lazy("partnership status", "Pending")
    ACTIVE = "active", pgettext_lazy("partnership status", "Active")
    REFUSED = "refused", pgettext_lazy("partnership status", "Refused")
    CANCELLED = "cancelled", pgettext_lazy("partnership status", "Cancelled")
    STOPPED = "stopped", pgettext_lazy("partnership status", "Stopped")
    EXPIRED = "expired", pgettext_lazy("partnership status", "Expired")


class InitiatedBy(models.TextChoices):
    CLIENT = "client", gettext_lazy("Invited by the client")
    PARTNER = "partner", gettext_lazy("Requested by the partner")


LIVE_STATUSES = (Status.PENDING, Status.ACTIVE)


class PartnershipQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def active(self, at: datetime | None = None):
        """The partnerships that give a partner access to its client at `at` (now by default).

        The one definition of an active partnership: every read that decides or lists what a partner may
        reach goes through it. Today a partnership gives access while its status is active, whatever `at`;
        when access becomes limited in time, this is where its validity window will be read.
        """
        return self.filter(status=Status.ACTIVE)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for partnership in objs:
            partnership.copy_client_name()
        return super().bulk_create(objs, *args, **kwargs)

    def by_precedence(self):
        """Full access first, then Technical, Limited, Read-only and Billing, then the oldest: when several
        partnerships could let a user act for the same client, the first one decides."""
        return self.order_by(
            Case(
                When(access=Access.FULL, then=Value(0)),
                When(access=Access.TECHNICAL, then=Value(1)),
                When(access=Access.LIMITED, then=Value(2)),
                When(access=Access.READ_ONLY, then=Value(3)),
                default=Value(4),
            ),
            "pk",
        )


class Partnership(models.Model):
    """A partner organization's access to a client organization, from invitation to stop."""

    client = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="partnerships_as_client"
    )
    partner = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="partnerships_as_partner"
    )
    # The client's name, kept equal to it (on save and when the client is renamed): the partner's clients
    # are listed by name from one index (partner, status, name), in the switcher and in Managed Clients,
    # instead of sorting every client at each view.
    client_name = models.CharField(max_length=200, editable=False)
    access = models.CharField(max_length=16, choices=Access.choices)
    products = models.ManyToManyField(
        "organizations.Product",
        blank=True,
        related_name="partnerships",
        help_text=gettext_lazy("Granted products (limited)."),
    )
    payment_method = models.CharField(
        max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.CLIENT
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    initiated_by = models.CharField(max_length=8, choices=InitiatedBy.choices, default=InitiatedBy.CLIENT)
    # A new nonce kills every link sent before (resend).
    invitation_nonce = models.CharField(max_length=32)
    invitation_sent_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_method_changed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "partner"],
                condition=Q(status__in=["pending", "active"]),
                name="partnership_one_live_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(payment_method="client") | Q(access__in=["full", "billing"]),
                name="partnership_partner_pays_only_with_full_or_billing_access",
            ),
            models.CheckConstraint(
                condition=~Q(access="billing") | Q(payment_method="partner"),
                name="partnership_billing_access_only_when_the_partner_pays",
            ),
            models.CheckConstraint(
                condition=~Q(client=models.F("partner")), name="partnership_not_with_itself"
            ),
        ]
        indexes = [
            models.Index(
                fields=["partner", "status", "client_name", "client"], name="partnership_clients_by_name"
            ),
            models.Index(fields=["client", "status"]),
        ]

    def __str__(self):
        return f"{self.partner} → {self.client} ({self.get_access_display()}, {self.get_status_display()})"

    def save(self, *args, **kwargs):
        self.copy_client_name()
        super().save(*args, **kwargs)

    @property
    def expires_at(self) -> datetime:
        """When the link of a pending invitation or request stops working (a resend starts it again)."""
        from partners.invitations import invitation_max_age

        return self.invitation_sent_at + invitation_max_age()

    @property
    def link_expired(self) -> bool:
        """Pending, but its link has expired: the periodic task has yet to mark it expired."""
        return self.status == Status.PENDING and self.expires_at < timezone.now()

    def copy_client_name(self):
        """On creation; a rename of the client updates its partnerships (`partners.signals`)."""
        if self._state.adding and not self.client_name:
            self.client_name = self.client.name
