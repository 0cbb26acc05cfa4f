"""Serializers of the billing API: Output serializers read orders, invoices and the wallet; Input serializers
parse requests.

Input serializers check types and shapes only; `billing.services` decides what is allowed and answers with
field errors. Every serializer lists its fields, so extra input (a `price`, a `payer`) changes nothing.

What an order shows depends on who asks (`OrderViewer` in the context): its invoice only to who may open the
payer's invoices, what the payer paid only to the payer's side, the partner's cashback only to the partner.
"""

from datetime import date
from decimal import Decimal
from functools import cached_property, partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from billing.exports import (
    BillingExport,
    ClientFilter,
    ExportPeriod,
    History,
    export_period,
    managed_client_ids,
)
from billing.models import (
    BillingExportJob,
    EntryKind,
    ExportStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Order,
    OrderKind,
    PartnerStatement,
    Payout,
    PayoutStatus,
)
from core.api.inputs import FIRST_DAY, LAST_DAY, DayField
from organizations.access import Access, Permission, resolve_access
from organizations.models import Product, ProductStatus, ProductType
from partners.api.serializers import OrganizationRefSerializer
from partners.models import Access as AccessLevel
from partners.models import PaymentMethod


def _sees_billing(access: Access | None) -> bool:
    return access is not None and access.can(Permission.VIEW_BILLING)


class OrderViewer:
    """The caller looking at orders of `access.organization`: whose invoices it may open, asked once per
    paying organization however many orders are shown."""

    def __init__(self, access: Access):
        self.access = access
        self._sees_billing_of: dict[int, bool] = {}

    @cached_property
    def is_partner(self) -> bool:
        return self.access.acts_for_partner

    def sees_billing_of(self, organization_id: int) -> bool:
        if organization_id not in self._sees_billing_of:
            if organization_id == self.access.organization.pk:
                access = self.access
            else:
                access = resolve_access(self.access.user, organization_id)
            self._sees_billing_of[organization_id] = _sees_billing(access)
        return self._sees_billing_of[organization_id]

    def sees_amounts_paid(self, order: Order) -> bool:
        """A client is not shown the discount its partner pays at; the partner sees what either side paid."""
        return self.is_partner or order.payer_id == self.access.organization.pk


class NamedChoiceField(serializers.ChoiceField):
    """A read-only choice whose choice set is one named enum of the schema (`OrderKindEnum`…): `kind` and
    `status` name different choice sets across the API, which the schema could not name apart otherwise."""

    def __init__(self, choices_class: type[TextChoices], enum_name: str = "", **kwargs):
        self.enum_name = enum_name or f"{choices_class.__name__}Enum"
        super().__init__(choices=choices_class.choices, read_only=True, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def get_name(self):
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": list(self.target.choices)}


class InvoiceRefSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number", read_only=True, help_text="e.g. INV2025-000042.")

    class Meta:
        model = Invoice
        fields = ["id", "number"]
        read_only_fields = fields


class OrderInvoiceSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number", read_only=True)
    status = NamedChoiceField(InvoiceStatus)
    organization = serializers.IntegerField(
        source="organization_id",
        read_only=True,
        help_text="The paying organization, whose invoices list holds it.",
    )
    paid = serializers.SerializerMethodField(help_text="Whether the payer's wallet settled it.")

    class Meta:
        model = Invoice
        fields = ["id", "number", "organization", "status", "paid"]
        read_only_fields = fields

    def get_paid(self, invoice: Invoice) -> bool:
        return invoice.status == InvoiceStatus.PAID


# Amounts read through a SerializerMethodField keep the shape of the model's DecimalFields ("12.50").
_MONEY = serializers.DecimalField(max_digits=12, decimal_places=2)
_RATE = serializers.DecimalField(max_digits=4, decimal_places=3)


def _order_invoice(order: Order) -> Invoice | None:
    # `.all()` reads the lines the list prefetched (with their invoices).
    lines = sorted(order.invoice_lines.all(), key=lambda line: line.pk)
    return lines[0].invoice if lines else None


class OrderSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    product_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind = NamedChoiceField(OrderKind)
    payer = OrganizationRefSerializer(read_only=True, help_text="Who is invoiced: the client or its partner.")
    placed_by_partner = OrganizationRefSerializer(
        read_only=True, allow_null=True, help_text="The partner that placed the order for the client, if any."
    )
    discount_rate = serializers.SerializerMethodField(
        help_text="The partner's reseller discount (0.150 = 15 %). Null for a client whose partner pays."
    )
    net_amount = serializers.SerializerMethodField(
        help_text="What the payer is invoiced before tax. Null for a client whose partner pays."
    )
    cashback_amount = serializers.SerializerMethodField(
        help_text="What the partner earns on the order; shown only to the partner."
    )
    invoice = serializers.SerializerMethodField(
        help_text="The invoice the order issued, shown only to who may open the payer's invoices "
        "(never a partner the client's, never a client the partner's)."
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "product",
            "product_name",
            "product_type",
            "kind",
            "payer",
            "placed_by_partner",
            "currency",
            "public_price",
            "discount_rate",
            "net_amount",
            "cashback_amount",
            "period_start",
            "period_end",
            "invoice",
            "created_at",
        ]
        read_only_fields = fields

    @property
    def viewer(self) -> OrderViewer:
        return self.context["viewer"]

    @extend_schema_field(serializers.DecimalField(max_digits=4, decimal_places=3, allow_null=True))
    def get_discount_rate(self, order: Order) -> str | None:
        return _RATE.to_representation(order.discount_rate) if self.viewer.sees_amounts_paid(order) else None

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_net_amount(self, order: Order) -> str | None:
        return _MONEY.to_representation(order.net_amount) if self.viewer.sees_amounts_paid(order) else None

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_cashback_amount(self, order: Order) -> str | None:
        return _MONEY.to_representation(order.cashback_amount) if self.viewer.is_partner else None

    @extend_schema_field(OrderInvoiceSerializer(allow_null=True))
    def get_invoice(self, order: Order):
        invoice = _order_invoice(order)
        if invoice is None or not self.viewer.sees_billing_of(invoice.organization_id):
            return None
        return OrderInvoiceSerializer(invoice).data


class OrderInputSerializer(serializers.Serializer):
    product_type = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=ProductType.objects.all(),
        help_text="The product type's slug, as the catalog lists it (e.g. web-hosting).",
    )
    name = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="The product's name: a domain, a site, a drive… (at most 200 characters).",
    )


# Invoices


class PartySerializer(serializers.Serializer):
    """The seller as copied onto the invoice when it was issued."""

    name = serializers.CharField(read_only=True)
    street = serializers.CharField(read_only=True)
    postal_code = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True, help_text="ISO 3166-1 alpha-2.")
    vat_number = serializers.CharField(read_only=True, help_text="Empty when none.")
    email = serializers.CharField(read_only=True)


class BuyerSerializer(PartySerializer):
    """The buyer as copied onto the invoice when it was issued: its default billing address, else its legal
    data."""

    organization_id = serializers.IntegerField(read_only=True)


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "order",
            "description",
            "quantity",
            "unit_price",
            "net_amount",
            "tax_rule",
            "tax_rate",
            "tax_wording",
            "tax_amount",
            "gross_amount",
        ]
        read_only_fields = fields


def _iso_datetime(value, zone) -> str:
    """DRF's ISO 8601 representation of an aware datetime (in the current time zone, UTC as "Z"), in a
    third of its time: a list writes two per row."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _decimal_writer(field: serializers.DecimalField):
    """DRF's string for an amount already stored with the field's decimal places (as every amount read from
    the database is), without quantizing it again in a new decimal context; any other value takes DRF's
    way."""
    places = -field.decimal_places

    def write(value):
        if type(value) is Decimal and value.as_tuple().exponent == places:
            return format(value, "f")
        return field.to_representation(value)

    return write


def _writer(field: serializers.Field):
    """How a field writes a value: its own `to_representation`, or the same answer faster for the common
    cases: a datetime in ISO 8601 with the default time zone (`_iso_datetime`, given the zone once per
    serializer), an amount as a string with its decimal places."""
    if (
        type(field) is serializers.DateTimeField
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(field, "timezone")
    ):
        return _iso_datetime
    if (
        type(field) is serializers.DecimalField
        and field.decimal_places is not None
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
    ):
        return _decimal_writer(field)
    return field.to_representation


class DirectReadMixin:
    """Each readable field's own representation of `getattr(instance, source)`: the same answer as DRF's
    `Serializer.to_representation`, without its generic lookup of every field's source on every row (half
    of the invoice list's serializing). Fields with a dotted or `*` source take DRF's way.

    For output serializers only: their fields keep no state of a request, so they are built once per class
    rather than on every call (building a ModelSerializer's fields from the model cost a fifth of a list
    page's serializing)."""

    @classmethod
    def _direct_fields(cls) -> list:
        fields = cls.__dict__.get("_built_fields")
        if fields is None:
            fields = [
                (field, field.source if len(field.source_attrs) == 1 else None, _writer(field))
                for field in cls()._readable_fields
            ]
            cls._built_fields = fields
        return fields

    def _writers(self) -> list:
        """The class's fields with their writers, the time zone of this request given once (a list's rows
        share one serializer)."""
        writers = self.__dict__.get("_bound_writers")
        if writers is None:
            zone = timezone.get_current_timezone()
            writers = self._bound_writers = [
                (field, source, partial(_iso_datetime, zone=zone) if write is _iso_datetime else write)
                for field, source, write in self._direct_fields()
            ]
        return writers

    def to_representation(self, instance):
        answer = {}
        for field, source, write in self._writers():
            try:
                value = getattr(instance, source) if source else field.get_attribute(instance)
            except serializers.SkipField:
                continue
            answer[field.field_name] = None if value is None else write(value)
        return answer


class InvoiceSummarySerializer(DirectReadMixin, serializers.ModelSerializer):
    number = serializers.CharField(source="display_number", read_only=True, help_text="e.g. INV2025-000042.")
    kind = NamedChoiceField(InvoiceKind)
    status = NamedChoiceField(InvoiceStatus)
    credit_note_for = InvoiceRefSerializer(
        read_only=True, allow_null=True, help_text="For a credit note: the invoice it corrects."
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "issued_at",
            "paid_at",
            "currency",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "credit_note_for",
        ]
        read_only_fields = fields


class InvoiceSerializer(InvoiceSummarySerializer):
    seller = PartySerializer(read_only=True)
    buyer = BuyerSerializer(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_notes = InvoiceRefSerializer(
        many=True, read_only=True, help_text="For an invoice: the credit notes that correct it."
    )

    class Meta(InvoiceSummarySerializer.Meta):
        fields = [*InvoiceSummarySerializer.Meta.fields, "seller", "buyer", "lines", "credit_notes"]
        read_only_fields = fields


class InvoiceFilterSerializer(serializers.Serializer):
    """The query of the invoice list; `from` is added in `get_fields` since it is a Python keyword."""

    status = serializers.ChoiceField(
        choices=InvoiceStatus.choices, required=False
    )  # a query, not in the schema
    to = DayField(required=False, help_text="Issued on or before this day (YYYY-MM-DD).")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DayField(required=False)
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": _("This day is before `from`.")})
        return attrs


# Wallet


class LedgerEntrySerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(EntryKind)
    invoice = InvoiceRefSerializer(
        read_only=True, allow_null=True, help_text="The invoice paid, or the credit note refunded."
    )

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "balance_after", "description", "invoice", "created_at"]
        read_only_fields = fields


class WalletSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    entries = LedgerEntrySerializer(
        many=True, read_only=True, help_text="The latest movements, newest first."
    )


class TopUpInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text='In the wallet\'s currency, above zero and at most 100000.00, e.g. "50.00".',
    )


class TopUpSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    balance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="After the top-up and the due invoices it paid.",
    )
    top_up = LedgerEntrySerializer(read_only=True)


# Billing-history export of managed clients

EXPORT_FIELD_NAMES = {"date_from": "from", "date_to": "to", "year": "period"}


class BillingExportInputSerializer(serializers.Serializer):
    """The query of the export: `history`, a `period` (a named one or a year) or `from` and `to`, and the
    clients: `clients` (comma-separated ids), or every managed client matching the Managed Clients filters
    `search`, `access`, `payment_method` (all of them when none is given). `access` is in the context."""

    history = serializers.ChoiceField(
        choices=History.CHOICES,
        error_messages={
            "invalid_choice": gettext_lazy("Unknown history: choose invoices, orders, cashback or products.")
        },
    )
    period = serializers.CharField(required=False, allow_blank=True, max_length=20)
    clients = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    access = serializers.ChoiceField(
        choices=AccessLevel.choices,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": gettext_lazy("Choose limited or full.")},
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": gettext_lazy("Choose client or partner.")},
    )

    def get_fields(self):
        # `from` and `to` are Python keywords: declared here under their query names.
        fields = super().get_fields()
        fields["from"] = DayField(required=False)
        fields["to"] = DayField(required=False)
        return fields

    def _client_ids(self, raw: str) -> list[int] | None:
        values = [value.strip() for value in (raw or "").split(",") if value.strip()]
        if not values:
            return None
        if not all(value.isdigit() and len(value) < 19 for value in values):
            raise serializers.ValidationError(
                {"clients": _("Give client organization ids separated by commas.")}
            )
        return [int(value) for value in values]

    def validate(self, attrs):
        access = self.context["access"]
        period = (attrs.get("period") or "").strip()
        if not period:
            kind, year = ExportPeriod.DATES, None
        elif period.isdigit() and len(period) == 4 and FIRST_DAY.year <= int(period) <= LAST_DAY.year:
            kind, year = ExportPeriod.YEAR, int(period)
        elif period in (ExportPeriod.THIS_MONTH, ExportPeriod.LAST_MONTH, ExportPeriod.LAST_12_MONTHS):
            kind, year = period, None
        else:
            raise serializers.ValidationError(
                {"period": _("Use this_month, last_month, last_12_months or a year such as 2025.")}
            )
        client_ids = self._client_ids(attrs.get("clients", ""))
        client_filter = ClientFilter(
            search=(attrs.get("search") or "").strip(),
            access_level=attrs.get("access") or "",
            payment_method=attrs.get("payment_method") or "",
        )
        if client_ids is not None and client_filter != ClientFilter():
            raise serializers.ValidationError(
                {
                    "clients": _(
                        "Give either client ids or the filters search, access, payment_method; not both."
                    )
                }
            )
        try:
            date_from, date_to = export_period(
                period=kind,
                year=year,
                date_from=attrs.get("from"),
                date_to=attrs.get("to"),
                today=timezone.localdate(),
            )
            if client_ids is not None:
                client_ids = tuple(managed_client_ids(access.organization, client_ids))
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    EXPORT_FIELD_NAMES.get(field, field): messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
        attrs["export"] = BillingExport(
            partner=access.organization,
            history=attrs["history"],
            date_from=date_from,
            date_to=date_to,
            client_ids=client_ids,
            client_filter=client_filter,
        )
        return attrs


class BillingExportJobSerializer(serializers.ModelSerializer):
    """A prepared export as its requester follows it: `status` is `queued`, `running`, `ready` (download it
    from `file_url` until `expires_at`), `failed` (`error` says why) or `expired`; `percent` is the share of
    rows written by the current attempt (an export whose worker was lost starts again from the first row)."""

    percent = serializers.IntegerField(read_only=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = BillingExportJob
        fields = [
            "id",
            "status",
            "history",
            "date_from",
            "date_to",
            "filename",
            "row_count",
            "rows_written",
            "percent",
            "attempts",
            "error",
            "created_at",
            "finished_at",
            "expires_at",
            "file_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, job: BillingExportJob) -> str | None:
        if job.status != ExportStatus.READY:
            return None
        url = reverse("api:managed-client-export-file", kwargs={"org_id": job.organization_id, "id": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


# Cashback payouts


class PayoutSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(PayoutStatus)
    iban = serializers.CharField(
        source="iban_display", read_only=True, help_text="Grouped by four characters."
    )

    class Meta:
        model = Payout
        fields = [
            "id",
            "currency",
            "amount",
            "iban",
            "account_holder",
            "status",
            "requested_at",
            "decided_at",
            "refusal_reason",
        ]
        read_only_fields = fields


class PayoutInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="In the wallet's currency, above zero and at most the cashback you can pay out "
        '(`payable`), e.g. "50.00".',
    )
    iban = serializers.CharField(
        max_length=50, help_text="The account to transfer to; spaces allowed, checked with its check digits."
    )
    account_holder = serializers.CharField(max_length=200, help_text="The account holder's name.")


class PayoutsSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    payable = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="The cashback that can be paid out now (cashback credited less payouts held or paid, at "
        "most the balance).",
    )
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    payouts = PayoutSerializer(many=True, read_only=True, help_text="The latest requests, newest first.")


# Partner statements


class StatementSummarySerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField(help_text="The month it covers, as YYYY-MM.")
    cashback_total = serializers.DecimalField(
        source="figures.cashback_total", max_digits=14, decimal_places=2, read_only=True
    )
    savings_total = serializers.DecimalField(
        source="figures.savings_total", max_digits=14, decimal_places=2, read_only=True
    )
    invoices_total = serializers.DecimalField(
        source="figures.invoices_total", max_digits=14, decimal_places=2, read_only=True
    )
    closing_balance = serializers.DecimalField(
        source="figures.ledger.closing",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="The wallet's balance at the end of the month.",
    )

    class Meta:
        model = PartnerStatement
        fields = [
            "id",
            "month",
            "currency",
            "cashback_total",
            "savings_total",
            "invoices_total",
            "closing_balance",
            "created_at",
        ]
        read_only_fields = fields

    def get_month(self, statement) -> str:
        return f"{statement.month:%Y-%m}"


class StatementSerializer(StatementSummarySerializer):
    figures = serializers.JSONField(
        read_only=True,
        help_text="`ledger` (opening, closing and the sum of each kind of movement), `cashback` per client "
        "and product, `savings` per order paid for a client, `invoices` paid for clients, `payouts` "
        "requested; amounts are decimal strings.",
    )

    class Meta(StatementSummarySerializer.Meta):
        fields = [*StatementSummarySerializer.Meta.fields, "figures"]
        read_only_fields = fields


class StatementInputSerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text="A month that is over, as YYYY-MM.",
        error_messages={"invalid": gettext_lazy("Enter a month as YYYY-MM, e.g. 2026-01.")},
    )

    def validate_month(self, value):
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError:  # year 0000
            raise serializers.ValidationError(self.fields["month"].error_messages["invalid"]) from None


# Subscriptions


class SubscriptionSerializer(serializers.ModelSerializer):
    product_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = serializers.CharField(source="product_type.period", read_only=True, help_text="year or month.")
    status = NamedChoiceField(ProductStatus, enum_name="SubscriptionStatusEnum")
    expires_at = serializers.DateTimeField(
        read_only=True,
        help_text="The end of the period paid for: the product renews then (auto_renew) or ends.",
    )
    cancelled_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Set once cancelled: it ends at `expires_at`."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "product_type",
            "period",
            "status",
            "expires_at",
            "auto_renew",
            "cancelled_at",
        ]
        read_only_fields = fields


class SubscriptionInputSerializer(serializers.Serializer):
    auto_renew = serializers.BooleanField(
        help_text="Renew automatically at the end of each period; true also takes back a cancellation."
    )


class ChangeTypeInputSerializer(serializers.Serializer):
    product_type = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=ProductType.objects.all(),
        help_text="The new type's slug: another type of the product's category (e.g. cloud-server).",
    )


class TypeChangeSerializer(serializers.Serializer):
    product = SubscriptionSerializer()
    document = InvoiceSummarySerializer(
        allow_null=True,
        help_text="The prorated invoice (upgrade) or credit note (downgrade), when this organization pays "
        "it; null when nothing was due or another organization (the partner) pays.",
    )


class PreviewRowSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(source="product.pk")
    product_name = serializers.CharField(source="product.name")
    product_type = serializers.CharField(source="product.product_type.slug")
    date = serializers.DateTimeField(source="on", help_text="When the product renews.")
    payer = OrganizationRefSerializer()
    currency = serializers.CharField()
    net_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="amount.net", allow_null=True, default=None
    )
    tax_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="amount.tax", allow_null=True, default=None
    )
    gross_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        source="amount.gross",
        allow_null=True,
        default=None,
        help_text="With tax. Null for a client when the partner would pay (its price is not shown).",
    )


class PaymentChoicePreviewSerializer(serializers.Serializer):
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    is_current = serializers.BooleanField()
    renewals = PreviewRowSerializer(many=True, source="rows")
