from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_countries.fields import CountryField

from organizations.access import PARTNER_ACTING_ROLES
from organizations.models import Membership, Role

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
    # The end date of a time-limited access was reached.
    ENDED = "ended", pgettext_lazy("partnership status", "Ended")
    # The client moved the partnership to another partner with a transfer code.
    HANDOVER = "handover", pgettext_lazy("partnership status", "Handed over")


class InitiatedBy(models.TextChoices):
    CLIENT = "client", gettext_lazy("Invited by the client")
    PARTNER = "partner", gettext_lazy("Requested by the partner")


LIVE_STATUSES = (Status.PENDING, Status.ACTIVE)


# Of the members who act for a partner's clients (`PARTNER_ACTING_ROLES`), those who may be assigned to some:
# the legal representatives act for every client.
ASSIGNABLE_ROLES = (Role.ADMINISTRATOR, Role.USER)


def acting_for_clients(user, partner_roles: dict[int, str] | None = None) -> Q:
    """The partnerships through which `user` acts for the client: a partner's legal representatives act
    for every client; its other members (administrators and users) for the clients open to all its
    members, or assigned to them. `partner_roles` (organization id → the user's role there), when the
    caller has read them, spares the query their subqueries."""
    assigned = Q(
        Exists(ClientAssignment.objects.filter(partnership_id=OuterRef("pk"), membership__user=user))
    ) | Q(
        Exists(
            Partnership.assigned_teams.through.objects.filter(
                partnership_id=OuterRef("pk"), partnerteam__members__user=user
            )
        )
    )
    if partner_roles is None:
        memberships = Membership.objects.filter(user=user)
        of_partners = Q(
            partner_id__in=memberships.filter(role__in=PARTNER_ACTING_ROLES).values("organization_id")
        )
        leading = Q(
            partner_id__in=memberships.filter(role=Role.LEGAL_REPRESENTATIVE).values("organization_id")
        )
        return of_partners & (leading | Q(assigned_members_only=False) | assigned)
    leading = [org_id for org_id, role in partner_roles.items() if role == Role.LEGAL_REPRESENTATIVE]
    of_partners = Q(
        partner_id__in=[org_id for org_id, role in partner_roles.items() if role in PARTNER_ACTING_ROLES]
    )
    if len(leading) == len(partner_roles):
        return of_partners
    return of_partners & (Q(partner_id__in=leading) | Q(assigned_members_only=False) | assigned)


class PartnershipQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def active(self, at: datetime | None = None):
        """The partnerships that give a partner access to its client at `at` (now by default).

        The one definition of an active partnership: every read that decides or lists what a partner may
        reach goes through it. A partnership gives access while its status is active and its end (`ends_at`,
        none for no end) is still ahead: access stops at that moment, whether or not the periodic sweep has
        marked it ended yet.
        """
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), status=Status.ACTIVE)

    def ended_unswept(self, at: datetime | None = None):
        """Still marked active, but their end has passed: the sweep marks them ended."""
        return self.filter(status=Status.ACTIVE, ends_at__lte=at or timezone.now())

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for partnership in objs:
            partnership.copy_client_name()
        return super().bulk_create(objs, *args, **kwargs)

    def open_to(self, user, partner_roles: dict[int, str] | None = None):
        """The partnerships through which `user` acts for the client (`acting_for_clients`)."""
        return self.filter(acting_for_clients(user, partner_roles))

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
    # Time-limited access: the moment access ends (none: no end). On a pending invitation or request, the
    # end it proposes.
    ends_at = models.DateTimeField(gettext_lazy("access until"), null=True, blank=True)
    # The partner asked for its access to go on (until `renewal_until`, or with no end when that is empty);
    # the client answers it like a request.
    renewal_requested_at = models.DateTimeField(null=True, blank=True)
    renewal_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    renewal_until = models.DateTimeField(null=True, blank=True)
    # Which of the partner's people act for this client: all its members (the default), or its legal
    # representatives and the members assigned to the client (`ClientAssignment`), directly or through one of
    # their teams.
    assigned_members_only = models.BooleanField(gettext_lazy("assigned members only"), default=False)
    assigned_teams = models.ManyToManyField("PartnerTeam", blank=True, related_name="clients")

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
            # Managed Clients sorted and filtered by "Until", and the sweep of ended access.
            models.Index(fields=["partner", "status", "ends_at"], name="partnership_partner_ends_at"),
            models.Index(fields=["status", "ends_at"], name="partnership_status_ends_at"),
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

    @property
    def has_ended(self) -> bool:
        """Active in the table, but its end date has passed: no access any more (see `active`)."""
        return self.status == Status.ACTIVE and self.ends_at is not None and self.ends_at <= timezone.now()

    @property
    def shown_status(self) -> str:
        """The status both sides read: "ended" as soon as the end passed, before the sweep records it."""
        return Status.ENDED if self.has_ended else self.status

    def get_shown_status_display(self) -> str:
        return Status(self.shown_status).label

    @property
    def last_day(self):
        """The last day of access in the local time zone (access ends at the start of the next day when set
        from the console), or None."""
        if self.ends_at is None:
            return None
        return timezone.localtime(self.ends_at - timedelta(microseconds=1)).date()

    @property
    def renewal_last_day(self):
        """The last day of access the partner's renewal request asks for, or None (no end, or no request)."""
        if self.renewal_until is None:
            return None
        return timezone.localtime(self.renewal_until - timedelta(microseconds=1)).date()

    @property
    def closed_on(self):
        """The day the History shows as the end: the last day of a time-limited access that ended, else the
        day it was stopped, refused, cancelled or expired (or answered)."""
        if self.shown_status == Status.ENDED:
            return self.last_day
        moment = self.ended_at or self.answered_at
        return timezone.localtime(moment).date() if moment else None

    def copy_client_name(self):
        """On creation; a rename of the client updates its partnerships (`partners.signals`)."""
        if self._state.adding and not self.client_name:
            self.client_name = self.client.name


class PartnerTeam(models.Model):
    """A named group of a partner organization's members (a regional desk, a support shift), assigned to
    clients together: whoever is in the team acts for the team's clients."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="partner_teams"
    )
    name = models.CharField(gettext_lazy("name"), max_length=100)
    members = models.ManyToManyField("organizations.Membership", blank=True, related_name="partner_teams")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "organization", name="partner_team_name_once_per_organization"
            )
        ]

    def __str__(self):
        return self.name


class ClientAssignment(models.Model):
    """A member of the partner organization assigned to act for one client, when the partnership is open to
    assigned members only. Removing the member from the partner removes the assignment."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(
        "organizations.Membership", on_delete=models.CASCADE, related_name="client_assignments"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["membership__user__email"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "membership"], name="client_assignment_once")
        ]

    def __str__(self):
        return f"{self.membership.user} → {self.partnership.client_name}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("client request status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("client request status", "Accepted")
    REFUSED = "refused", pgettext_lazy("client request status", "Refused")
    CANCELLED = "cancelled", pgettext_lazy("client request status", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("client request status", "Expired")


# What the partner sees of the partnership its request made, once the client has answered.
ANSWERED_AS = {
    Status.ACTIVE: RequestStatus.ACCEPTED,
    Status.STOPPED: RequestStatus.ACCEPTED,
    Status.REFUSED: RequestStatus.REFUSED,
}


class ClientRequest(models.Model):
    """A partner's "Add a client", as the partner typed it: every request is kept, whether or not its address
    is a legal representative's, and the partner sees it by that address, pending until the client accepts
    or refuses it, the partner deletes it, or its link expires (an address that matched no one simply
    expires). The partnership it made when the address matched (`partnership`) is never shown to the partner
    before the client answers."""

    partner = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="client_requests"
    )
    client_email = models.EmailField(max_length=254)
    access = models.CharField(max_length=16, choices=Access.choices)
    payment_method = models.CharField(
        max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.CLIENT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the request was sent (or sent again): its link expires `PARTNER_INVITATION_MAX_AGE_DAYS` later.
    sent_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The end of access the partner proposes (none: no end).
    ends_at = models.DateTimeField(null=True, blank=True)
    partnership = models.OneToOneField(
        Partnership, null=True, blank=True, on_delete=models.SET_NULL, related_name="client_request"
    )

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["partner", "-sent_at", "-id"], name="client_requests_of_partner")]

    def __str__(self):
        return f"{self.partner} → {self.client_email} ({self.get_access_display()})"

    @property
    def expires_at(self) -> datetime:
        from partners.invitations import invitation_max_age

        return self.sent_at + invitation_max_age()

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return RequestStatus.CANCELLED
        if self.partnership is not None and self.partnership.status in ANSWERED_AS:
            return ANSWERED_AS[self.partnership.status]
        if self.expires_at < timezone.now():
            return RequestStatus.EXPIRED
        return RequestStatus.PENDING

    @property
    def link_expired(self) -> bool:
        """Shown as expired in the pending list (the same test for every request: its link's age)."""
        return self.expires_at < timezone.now()


class PartnershipReminder(models.Model):
    """A reminder sent before a time-limited access ends: one per partnership, end and stage (30, 7 or 1
    days before), so two workers running the job at once send it once."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="reminders")
    ends_at = models.DateTimeField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "ends_at", "days_before"], name="partnership_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.partnership_id}: {self.days_before} days before {self.ends_at:%Y-%m-%d %H:%M}"


class TransferCode(models.Model):
    """A code the client gives a new partner to take over a partnership (handover): shown once, stored
    hashed, valid `TRANSFER_CODE_DAYS` days, used once."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="transfer_codes")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    new_partnership = models.OneToOneField(
        Partnership, null=True, blank=True, on_delete=models.SET_NULL, related_name="handed_over_by"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.partnership_id}: {self.created_at:%Y-%m-%d %H:%M}"


class BulkAction(models.TextChoices):
    STOP = "stop", gettext_lazy("Stop Collaboration")
    RENEWAL = "renewal", gettext_lazy("Ask for a renewal")


class BulkRun(models.Model):
    """A bulk action of Managed Clients carried out in the background, one client after another."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="bulk_runs",
        help_text=gettext_lazy("The partner organization acting on its managed clients."),
    )
    action = models.CharField(max_length=10, choices=BulkAction.choices)
    # The end asked for by a renewal (empty: no end, or a stop).
    until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The reasons of refusals are written in the language of the person who started the run.
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.organization_id}: {self.action} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class BulkOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("bulk outcome", "Waiting")
    DONE = "done", pgettext_lazy("bulk outcome", "Done")
    REFUSED = "refused", pgettext_lazy("bulk outcome", "Refused")


class BulkRunItem(models.Model):
    """One client of a bulk run and what happened to it."""

    run = models.ForeignKey(BulkRun, on_delete=models.CASCADE, related_name="items")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    client_name = models.CharField(max_length=200, help_text=gettext_lazy("The client's name when started."))
    outcome = models.CharField(max_length=10, choices=BulkOutcome.choices, default=BulkOutcome.PENDING)
    reason = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "partnership"], name="bulk_run_item_once"),
        ]

    def __str__(self):
        return f"{self.run_id}: {self.client_name} ({self.outcome})"
