from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_countries.fields import CountryField

from core.models import AppendOnlyModel


class TaxRate(models.Model):
    """A country's standard VAT rate over a period; a change is a new row, never an edit of the past."""

    country = CountryField()
    rate = models.DecimalField(max_digits=5, decimal_places=4, help_text=gettext_lazy("0.0810 = 8.1 %"))
    valid_from = models.DateField()
    valid_until = models.DateField(
        null=True, blank=True, help_text=gettext_lazy("Last day; empty while in force.")
    )

    class Meta:
        ordering = ["country", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "valid_from"], name="tax_rate_one_per_country_and_start"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lt=1), name="tax_rate_between_0_and_1"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="tax_rate_period_not_reversed",
            ),
        ]

    def __str__(self):
        return f"{self.country.code} {self.rate * 100:.1f} % from {self.valid_from}"


class OrderKind(models.TextChoices):
    NEW = "new", gettext_lazy("New product")
    RENEWAL = "renewal", gettext_lazy("Renewal")
    CHANGE = "change", gettext_lazy("Change of type")


class Order(models.Model):
    """An order or renewal of a product for an organization, with who placed it and who pays, frozen."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=gettext_lazy("Where the product is installed."),
    )
    product = models.ForeignKey("organizations.Product", on_delete=models.PROTECT, related_name="orders")
    product_type = models.ForeignKey("organizations.ProductType", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=OrderKind.choices)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_by_partner = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders_placed_as_partner",
        help_text=gettext_lazy("The partner organization the order was placed for, if a partner placed it."),
    )
    partner = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_orders",
        help_text=gettext_lazy(
            "The client's active partner when the order was placed (who earns cashback or pays)."
        ),
    )
    payment_method = models.CharField(
        max_length=8, blank=True, help_text=gettext_lazy("In force when the order was placed.")
    )
    payer = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="orders_paid"
    )
    currency = models.CharField(max_length=3)
    public_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount_rate = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0"))
    net_amount = models.DecimalField(max_digits=12, decimal_places=2)
    cashback_rate = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0"))
    cashback_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.product} ({self.currency} {self.net_amount})"


class RenewalReminder(models.Model):
    """A renewal reminder sent to whoever pays a product, once per period and per lead time (30 or 7 days):
    the unique constraint is what makes it once, however many runs there are at the same time."""

    product = models.ForeignKey(
        "organizations.Product", on_delete=models.CASCADE, related_name="renewal_reminders"
    )
    period_end = models.DateTimeField(help_text=gettext_lazy("The end of the period it reminds of."))
    days_before = models.PositiveSmallIntegerField()
    payer = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "period_end", "days_before"], name="renewal_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.product}: {self.days_before} days before {self.period_end:%Y-%m-%d}"


class InvoiceSequence(models.Model):
    """The last number used in an invoice series; locked while the next number is taken, so numbers never
    collide or skip however many invoices are issued at once."""

    series = models.CharField(max_length=16, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.series}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", gettext_lazy("Invoice")
    CREDIT_NOTE = "credit_note", gettext_lazy("Credit note")


class InvoiceStatus(models.TextChoices):
    DUE = "due", pgettext_lazy("invoice status", "Due")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")
    CREDITED = "credited", pgettext_lazy("invoice status", "Credited")


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if not set(kwargs) <= Invoice.MUTABLE_FIELDS:
            raise PermissionError("An issued invoice cannot be changed; issue a credit note instead.")
        return super().update(**kwargs)

    def delete(self):
        raise PermissionError("Issued invoices are never deleted; issue a credit note instead.")


class Invoice(models.Model):
    """An issued invoice or credit note: numbered without gaps per series, its data frozen at issue."""

    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    series = models.CharField(max_length=16)
    number = models.PositiveIntegerField()
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="invoices",
        help_text=gettext_lazy("Who pays it."),
    )
    issued_at = models.DateTimeField(default=timezone.now, db_index=True)
    currency = models.CharField(max_length=3)
    seller = models.JSONField(help_text=gettext_lazy("The seller's name, address and VAT number at issue."))
    buyer = models.JSONField(help_text=gettext_lazy("The buyer's name, address and VAT number at issue."))
    net_amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)
    gross_amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DUE)
    paid_at = models.DateTimeField(null=True, blank=True)
    credit_note_for = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="invoice_number_unique_in_series"),
        ]
        # The order of every invoice list (the Invoices page, the API's cursor), in full: with only its first
        # keys, PostgreSQL walked the issue dates of every organization to find the newest 25 of one.
        indexes = [
            models.Index(fields=["organization", "-issued_at", "-number", "-id"], name="invoice_list_order")
        ]

    def __str__(self):
        return self.display_number

    # Once issued, only the payment status moves; everything else printed on the invoice is frozen.
    MUTABLE_FIELDS = frozenset({"status", "paid_at"})

    def save(self, *args, **kwargs):
        if self.pk is not None and not set(kwargs.get("update_fields") or ()) <= self.MUTABLE_FIELDS:
            raise PermissionError("An issued invoice cannot be changed; issue a credit note instead.")
        if self.pk is not None and not kwargs.get("update_fields"):
            raise PermissionError("An issued invoice cannot be changed; issue a credit note instead.")
        super().save(*args, **kwargs)

    @property
    def display_number(self) -> str:
        return f"{self.series}-{self.number:06d}"

    def delete(self, *args, **kwargs):
        raise PermissionError("Issued invoices are never deleted; issue a credit note instead.")


class InvoiceLine(AppendOnlyModel):
    """One line of an invoice, with the tax rule that applied to it."""

    append_only_refusal = "The lines of an issued invoice cannot be changed or deleted."

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    description = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    net_amount = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rule = models.CharField(max_length=20)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    tax_wording = models.CharField(max_length=200)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2)
    gross_amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["invoice", "id"]

    def __str__(self):
        return self.description


class Wallet(models.Model):
    """An organization's prepaid balance; its ledger entries explain every change of it."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.PROTECT, related_name="wallet"
    )
    currency = models.CharField(max_length=3)
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="wallet_balance_never_negative")
        ]

    def __str__(self):
        return f"{self.organization}: {self.currency} {self.balance}"


class EntryKind(models.TextChoices):
    TOP_UP = "top_up", gettext_lazy("Top-up")
    PAYMENT = "payment", gettext_lazy("Payment")
    CASHBACK = "cashback", gettext_lazy("Cashback")
    REFUND = "refund", gettext_lazy("Refund")
    PAYOUT = "payout", gettext_lazy("Payout")


class LedgerEntry(AppendOnlyModel):
    """One movement of a wallet; entries are only ever added."""

    append_only_refusal = "The wallet ledger is append-only."

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text=gettext_lazy("Positive in, negative out.")
    )
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=300)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = gettext_lazy("ledger entries")
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="ledger_balance_never_negative"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_moves_money"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} → {self.balance_after}"


class IdempotencyRecord(models.Model):
    """The answer given to a money request with an Idempotency-Key, replayed for the same key and body."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    scope = models.CharField(
        max_length=100, help_text=gettext_lazy("The endpoint, so one key cannot cross endpoints.")
    )
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_once")]

    def __str__(self):
        return f"{self.scope} {self.key}"


class ExportStatus(models.TextChoices):
    STREAMED = "streamed", gettext_lazy("Downloaded at once")
    QUEUED = "queued", gettext_lazy("Waiting")
    RUNNING = "running", gettext_lazy("Being prepared")
    READY = "ready", pgettext_lazy("export status", "Ready")
    FAILED = "failed", pgettext_lazy("export status", "Failed")
    EXPIRED = "expired", pgettext_lazy("export status", "Expired")


class BillingExportJob(models.Model):
    """One billing-history export a partner user asked for: its parameters, progress and file."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="billing_exports",
        help_text=gettext_lazy("The partner organization whose managed clients are exported."),
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    history = models.CharField(max_length=10)
    date_from = models.DateField()
    date_to = models.DateField()
    client_ids = models.JSONField(
        help_text=gettext_lazy("The managed clients chosen when the export was asked for.")
    )
    client_filter = models.JSONField(
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "The Managed Clients filters (search, access level, who pays) when every matching client "
            "is exported; resolved when the file is written. Empty when clients were ticked (see the ids)."
        ),
    )
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    row_count = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Rows counted when it was asked for.")
    )
    rows_written = models.PositiveIntegerField(default=0)
    file = models.CharField(
        max_length=200, blank=True, help_text=gettext_lazy("Name in the default storage.")
    )
    filename = models.CharField(
        max_length=100, help_text=gettext_lazy("The name the download is saved under.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A direct download is served once, to the requester.
    downloaded_at = models.DateTimeField(null=True, blank=True)
    # A background export runs again when its worker is lost or it fails, up to BILLING_EXPORT_MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(
        max_length=300, blank=True, help_text="Why the export failed, as the user reads it."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.READY:
            return 100
        if not self.row_count:
            return 0
        return min(99, self.rows_written * 100 // self.row_count)

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.READY, ExportStatus.FAILED, ExportStatus.EXPIRED)


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("payout status", "Requested")
    PAID = "paid", pgettext_lazy("payout status", "Paid out")
    REFUSED = "refused", pgettext_lazy("payout status", "Refused")


class Payout(models.Model):
    """A partner's request to pay cashback out of its wallet to a bank account; the amount is held in the
    ledger from the request on and given back if staff refuse it."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="payouts"
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    iban = models.CharField(max_length=34, help_text=gettext_lazy("Stored without spaces."))
    account_holder = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    hold_entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        related_name="payout_held",
        help_text=gettext_lazy("The ledger entry that took the amount out of the wallet at the request."),
    )
    release_entry = models.OneToOneField(
        LedgerEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_released",
        help_text=gettext_lazy("The ledger entry that gave the amount back when the payout was refused."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
        ]

    def __str__(self):
        return f"{self.organization}: {self.currency} {self.amount} ({self.get_status_display()})"

    @property
    def iban_display(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class PartnerStatement(models.Model):
    """A partner's monthly statement: the figures of one calendar month, frozen when it is produced."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="partner_statements"
    )
    month = models.DateField(help_text=gettext_lazy("The first day of the month it covers."))
    currency = models.CharField(max_length=3)
    figures = models.JSONField(
        help_text=gettext_lazy("Cashback, reseller-discount savings, invoices paid, payouts and the ledger.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="partner_statement_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="partner_statement_month_starts_on_day_1"),
        ]

    def __str__(self):
        return f"{self.organization} {self.month:%Y-%m}"

    @property
    def filename_stem(self) -> str:
        return f"statement-{self.month:%Y-%m}"
