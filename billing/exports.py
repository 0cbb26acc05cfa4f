"""The billing-history export of a partner's managed clients: which rows a partner may see, as CSV lines.

Only what is the partner's own business is exported, whoever the clients are:
- invoices: the invoices the partner paid for the chosen clients (partner pays), one row per line item; a
  client's own invoices (client pays) are never read;
- orders and renewals: the orders of the chosen clients the partner placed or paid;
- cashback: the cashback credited to the partner's wallet for the chosen clients' orders;
- products: the chosen clients' products the partner manages (every product with Full access, the granted
  ones with Limited access) that were active during the period.

Rows are read in chunks of `CHUNK_SIZE`, as `.values_list().iterator()` reads them (the first with a plain
query, the rest from a cursor the file's generator opens and closes: `core.streams`), and written one at a
time, so memory does not grow with the number of rows. The values go to the file as the database driver
returns them, without Django's per-value converters: each column has its formatter (`billing.export_cells`),
and only the free text (names, descriptions) is neutralised, as the numbers and days we write start no
formula.
"""

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connections
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models.sql.constants import MULTI
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited

from billing.export_cells import LocalDays, decimal_cell
from billing.models import BillingExportJob, EntryKind, ExportStatus, Invoice, InvoiceLine, LedgerEntry, Order
from billing.selectors import Period, period_dates
from core.spreadsheets import neutralise_cell, safe_csv_lines
from core.streams import ordering_of, rows_after
from organizations.models import Organization, Product, ProductStatus
from partners.models import Access as AccessLevel
from partners.models import Partnership, PaymentMethod
from partners.selectors import UNTIL_FILTERS, managed_partnerships

CHUNK_SIZE = 2000
MAX_PERIOD_YEARS = 5


class History:
    INVOICES = "invoices"
    ORDERS = "orders"
    CASHBACK = "cashback"
    PRODUCTS = "products"

    CHOICES = [
        (INVOICES, gettext_lazy("Invoices")),
        (ORDERS, gettext_lazy("Orders and renewals")),
        (CASHBACK, gettext_lazy("Cashback")),
        (PRODUCTS, gettext_lazy("Products")),
    ]


class ExportPeriod:
    THIS_MONTH = Period.THIS_MONTH
    LAST_MONTH = Period.LAST_MONTH
    LAST_12_MONTHS = Period.LAST_12_MONTHS
    YEAR = "year"
    DATES = "dates"

    CHOICES = [
        (THIS_MONTH, gettext_lazy("This month")),
        (LAST_MONTH, gettext_lazy("Last month")),
        (LAST_12_MONTHS, gettext_lazy("Last 12 months")),
        (YEAR, gettext_lazy("A year")),
        (DATES, gettext_lazy("From / to dates")),
    ]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def export_period(
    *, period: str, year: int | None, date_from: date | None, date_to: date | None, today: date
) -> tuple[date, date]:
    """The first and last day (both included) of the export's period; a `ValidationError` naming the field
    when the period is missing, reversed or longer than five years."""
    if period == ExportPeriod.YEAR:
        if year is None:
            raise ValidationError({"year": _("Enter the year to export, such as 2025.")})
        date_from, date_to = date(year, 1, 1), date(year, 12, 31)
    elif period == ExportPeriod.DATES:
        errors = {}
        if date_from is None:
            errors["date_from"] = _("Enter the first day, such as 2025-01-01.")
        if date_to is None:
            errors["date_to"] = _("Enter the last day, such as 2025-12-31.")
        if errors:
            raise ValidationError(errors)
    elif period in (ExportPeriod.THIS_MONTH, ExportPeriod.LAST_MONTH, ExportPeriod.LAST_12_MONTHS):
        date_from, date_to = period_dates(period, today=today)
    else:
        raise ValidationError({"period": _("Choose the period to export.")})
    if date_from > date_to:
        raise ValidationError({"date_to": _("The last day is before the first day.")})
    if date_from <= _years_before(date_to, MAX_PERIOD_YEARS):
        raise ValidationError(
            {
                "date_from": _("The period is longer than %(years)s years; export it in several files.")
                % {"years": MAX_PERIOD_YEARS}
            }
        )
    return date_from, date_to


def managed_client_ids(partner: Organization, wanted: list[int]) -> list[int]:
    """The ticked clients `wanted`, sorted and checked: a `ValidationError` on `clients` when one of them is
    not a client the partner manages."""
    managed = Partnership.objects.active().filter(partner=partner)
    wanted = sorted(set(wanted))
    if not wanted:
        raise ValidationError({"clients": _("Tick at least one client.")})
    found = set(managed.filter(client_id__in=wanted).values_list("client_id", flat=True))
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise ValidationError(
            {
                "clients": _("You do not manage these organizations: %(ids)s.")
                % {"ids": ", ".join(map(str, unknown))}
            }
        )
    return wanted


@dataclass(frozen=True)
class ClientFilter:
    """Every client the Managed Clients table shows with these filters, on every page: all the managed
    clients when empty (Download), those matching when "select all matching" was chosen. Resolved in the
    database when the rows are read, never as a list of ids."""

    search: str = ""
    access_level: str = ""
    payment_method: str = ""
    until: str = ""  # `partners.selectors.UNTIL_FILTERS`

    @classmethod
    def checked(
        cls, *, search: str = "", access_level: str = "", payment_method: str = "", until: str = ""
    ) -> "ClientFilter":
        """The filter, or a `ValidationError` naming `access` / `payment_method` / `until` for an unknown
        value."""
        errors = {}
        if until and until not in UNTIL_FILTERS:
            errors["until"] = _("Choose soon, dated or none.")
        if access_level and access_level not in AccessLevel.values:
            errors["access"] = _("Choose limited or full.")
        if payment_method and payment_method not in PaymentMethod.values:
            errors["payment_method"] = _("Choose client or partner.")
        if errors:
            raise ValidationError(errors)
        return cls(
            search=(search or "").strip(),
            access_level=access_level,
            payment_method=payment_method,
            until=until,
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _requester(group, request) -> str:
    return str(request.user.pk)


def export_rate_limited(request) -> bool:
    """Count one export of the signed-in user; True past `BILLING_EXPORT_RATE` (web and API together)."""
    return is_ratelimited(
        request, group="billing-export", key=_requester, rate=settings.BILLING_EXPORT_RATE, increment=True
    )


@dataclass(frozen=True)
class BillingExport:
    """What to export: a history type over a period, for some clients of one partner: the ticked ones
    (`client_ids`, checked by `managed_client_ids`), or, when `client_ids` is None, every managed client
    matching `client_filter`."""

    partner: Organization
    history: str
    date_from: date
    date_to: date
    client_ids: tuple[int, ...] | None = None
    client_filter: ClientFilter = field(default_factory=ClientFilter)

    def clients(self) -> tuple[int, ...] | QuerySet:
        """The clients, for `…__in`: the ticked ids, or a subquery of the partner's matching clients (still
        active when the rows are read)."""
        if self.client_ids is not None:
            return self.client_ids
        return managed_partnerships(self.partner, **self.client_filter.as_dict()).values("client_id")

    def client_count(self) -> int:
        if self.client_ids is not None:
            return len(self.client_ids)
        return managed_partnerships(self.partner, **self.client_filter.as_dict()).count()

    @property
    def filename(self) -> str:
        return f"{self.history}_{self.date_from:%Y-%m-%d}_{self.date_to:%Y-%m-%d}.csv"

    @property
    def starts(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def ends(self) -> datetime:
        """The first instant after the period (its last day is included)."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))


def export_of_job(job) -> BillingExport:
    """The export a `BillingExportJob` recorded."""
    return BillingExport(
        partner=job.organization,
        history=job.history,
        date_from=job.date_from,
        date_to=job.date_to,
        client_ids=None if job.client_filter is not None else tuple(job.client_ids),
        client_filter=ClientFilter(**job.client_filter) if job.client_filter is not None else ClientFilter(),
    )


def _decimal_cells(model: type[Model], *names: str) -> list[Callable[[object], str]]:
    return [decimal_cell(model._meta.get_field(name)) for name in names]


def _label(labels: dict[str, str], value) -> str:
    """The label of a known value; an unknown one as it is, neutralised."""
    return labels.get(value) or neutralise_cell(value)


# Invoices: one row per line item of the invoices the partner paid for the clients.

INVOICE_HEADER = [
    "Invoice",
    "Type",
    "Issued on",
    "Status",
    "Client ID",
    "Client",
    "Order",
    "Description",
    "Quantity",
    "Unit price",
    "Net amount",
    "Tax rate",
    "Tax amount",
    "Gross amount",
    "Currency",
]
INVOICE_FIELDS = (
    "invoice__series",
    "invoice__number",
    "invoice__kind",
    "invoice__issued_at",
    "invoice__status",
    "order__organization_id",
    "order__organization__name",
    "order_id",
    "description",
    "quantity",
    "unit_price",
    "net_amount",
    "tax_rate",
    "tax_amount",
    "gross_amount",
    "invoice__currency",
)
INVOICE_KINDS = {"invoice": "Invoice", "credit_note": "Credit note"}
INVOICE_STATUSES = {"due": "Due", "paid": "Paid", "credited": "Credited"}


def _invoice_lines(export: BillingExport) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(
        invoice__organization=export.partner,
        order__organization_id__in=export.clients(),
        invoice__issued_at__gte=export.starts,
        invoice__issued_at__lt=export.ends,
    ).order_by("invoice__issued_at", "invoice_id", "pk")


_unit_price_cell, _net_cell, _tax_rate_cell, _tax_cell, _gross_cell = _decimal_cells(
    InvoiceLine, "unit_price", "net_amount", "tax_rate", "tax_amount", "gross_amount"
)


def _invoice_row(values: tuple, issued_on: Callable) -> list:
    (series, number, kind, issued_at, status, client_id, client, order_id, description, quantity, unit_price,
     net, tax_rate, tax, gross, currency) = values  # fmt: skip
    return [
        neutralise_cell(f"{series}-{number:06d}"),
        _label(INVOICE_KINDS, kind),
        issued_on(issued_at),
        _label(INVOICE_STATUSES, status),
        client_id,
        neutralise_cell(client),
        order_id,
        neutralise_cell(description),
        quantity,
        _unit_price_cell(unit_price),
        _net_cell(net),
        _tax_rate_cell(tax_rate),
        _tax_cell(tax),
        _gross_cell(gross),
        neutralise_cell(currency),
    ]


# Orders and renewals the partner placed or paid.

ORDER_HEADER = [
    "Order",
    "Date",
    "Client ID",
    "Client",
    "Type",
    "Product",
    "Product type",
    "Placed by",
    "Paid by",
    "Period start",
    "Period end",
    "Public price",
    "Discount rate",
    "Net amount",
    "Currency",
]
ORDER_FIELDS = (
    "pk",
    "created_at",
    "organization_id",
    "organization__name",
    "kind",
    "product__name",
    "product_type__name",
    "placed_by_partner_id",
    "payer__name",
    "period_start",
    "period_end",
    "public_price",
    "discount_rate",
    "net_amount",
    "currency",
)
ORDER_KINDS = {"new": "New product", "renewal": "Renewal"}


def _orders(export: BillingExport) -> QuerySet[Order]:
    partner = export.partner
    return Order.objects.filter(
        Q(placed_by_partner=partner) | Q(payer=partner),
        organization_id__in=export.clients(),
        created_at__gte=export.starts,
        created_at__lt=export.ends,
    ).order_by("created_at", "pk")


_public_price_cell, _discount_rate_cell, _order_net_cell = _decimal_cells(
    Order, "public_price", "discount_rate", "net_amount"
)


def _order_row(
    values: tuple, created_on: Callable, starts_on: Callable, ends_on: Callable, *, partner_id: int
) -> list:
    (pk, created_at, client_id, client, kind, product, product_type, placed_by_partner_id, payer,
     period_start, period_end, public_price, discount_rate, net, currency) = values  # fmt: skip
    return [
        pk,
        created_on(created_at),
        client_id,
        neutralise_cell(client),
        _label(ORDER_KINDS, kind),
        neutralise_cell(product),
        neutralise_cell(product_type),
        "Partner" if placed_by_partner_id == partner_id else "Client",
        neutralise_cell(payer),
        starts_on(period_start),
        ends_on(period_end),
        _public_price_cell(public_price),
        _discount_rate_cell(discount_rate),
        _order_net_cell(net),
        neutralise_cell(currency),
    ]


# Cashback credited to the partner's wallet (a reversal is a negative amount).

CASHBACK_HEADER = [
    "Date",
    "Client ID",
    "Client",
    "Order",
    "Order type",
    "Product",
    "Product type",
    "Description",
    "Cashback rate",
    "Cashback",
    "Currency",
]
CASHBACK_FIELDS = (
    "created_at",
    "order__organization_id",
    "order__organization__name",
    "order_id",
    "order__kind",
    "order__product__name",
    "order__product_type__name",
    "description",
    "order__cashback_rate",
    "amount",
    "wallet__currency",
)


def _cashback(export: BillingExport) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        wallet__organization=export.partner,
        kind=EntryKind.CASHBACK,
        order__organization_id__in=export.clients(),
        created_at__gte=export.starts,
        created_at__lt=export.ends,
    ).order_by("created_at", "pk")


(_cashback_rate_cell,) = _decimal_cells(Order, "cashback_rate")
(_cashback_cell,) = _decimal_cells(LedgerEntry, "amount")


def _cashback_row(values: tuple, created_on: Callable) -> list:
    (created_at, client_id, client, order_id, kind, product, product_type, description, rate, amount,
     currency) = values  # fmt: skip
    return [
        created_on(created_at),
        client_id,
        neutralise_cell(client),
        order_id,
        _label(ORDER_KINDS, kind),
        neutralise_cell(product),
        neutralise_cell(product_type),
        neutralise_cell(description),
        _cashback_rate_cell(rate),
        _cashback_cell(amount),
        neutralise_cell(currency),
    ]


# Products the partner manages, active during the period.

PRODUCT_HEADER = [
    "Client ID",
    "Client",
    "Product ID",
    "Product",
    "Product type",
    "Category",
    "Status",
    "Created on",
    "Expires on",
]
PRODUCT_FIELDS = (
    "organization_id",
    "organization__name",
    "pk",
    "name",
    "product_type__name",
    "product_type__category__name",
    "status",
    "created_at",
    "expires_at",
)


def _products(export: BillingExport) -> QuerySet[Product]:
    active = Partnership.objects.active().filter(partner=export.partner)
    full = active.filter(access=AccessLevel.FULL, client_id=OuterRef("organization_id"))
    granted = Partnership.products.through.objects.filter(
        product_id=OuterRef("pk"), partnership__in=active.filter(access=AccessLevel.LIMITED)
    )
    return (
        Product.objects.filter(organization_id__in=export.clients())
        .filter(Exists(full) | Exists(granted))
        .filter(created_at__lt=export.ends)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gte=export.starts))
        .order_by("organization__name", "organization_id", "name", "pk")
    )


PRODUCT_STATUSES = dict(ProductStatus.choices)


def _product_row(values: tuple, created_on: Callable, expires_on: Callable) -> list:
    client_id, client, pk, name, product_type, category, status, created_at, expires_at = values
    return [
        client_id,
        neutralise_cell(client),
        pk,
        neutralise_cell(name),
        neutralise_cell(product_type),
        neutralise_cell(category),
        neutralise_cell(PRODUCT_STATUSES.get(status, status)),
        created_on(created_at),
        expires_on(expires_at),
    ]


def export_queryset(export: BillingExport) -> QuerySet:
    """The rows of the export, unread: count it, or iterate it."""
    if export.history == History.INVOICES:
        return _invoice_lines(export)
    if export.history == History.ORDERS:
        return _orders(export)
    if export.history == History.CASHBACK:
        return _cashback(export)
    if export.history == History.PRODUCTS:
        return _products(export)
    raise ValueError(f"Unknown history {export.history!r}")


def export_row_count(export: BillingExport) -> int:
    """How many rows the file will have (one query)."""
    return export_queryset(export).count()


def _driver_chunks(queryset: QuerySet, fields: tuple[str, ...]) -> Iterator[list[tuple]]:
    """The `fields` of the rows as the database driver returns them (what `.iterator()` reads, before its
    converters), `CHUNK_SIZE` rows at a time, read as `core.streams` says: the first chunk with a plain query
    (read whole, its cursor closed at once), and only when it is full the rows after its last one, from a
    server-side cursor where the database has one, opened here and closed when the rows end or this generator
    is closed."""
    ordering = ordering_of(queryset)
    keys = [term.removeprefix("-") for term in ordering]
    extra = [key for key in keys if key not in fields]
    compiler = queryset.values_list(*fields, *extra)[:CHUNK_SIZE].query.get_compiler(using=queryset.db)
    first = [row for chunk in compiler.execute_sql(MULTI, chunked_fetch=False) for row in chunk]
    width = len(fields)
    yield [row[:width] for row in first] if extra else first
    if len(first) < CHUNK_SIZE:
        return
    # The last row's ordering values, as the model gives them (the driver's own may be text, on SQLite).
    positions = [fields.index(key) if key in fields else width + extra.index(key) for key in keys]
    converters = compiler.get_converters([compiler.select[position][0] for position in positions])
    last = next(compiler.apply_converters([[first[-1][position] for position in positions]], converters))
    del first
    rest = rows_after(queryset, last).values_list(*fields).query.get_compiler(using=queryset.db)
    chunked_fetch = not rest.connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    chunks = rest.execute_sql(MULTI, chunked_fetch=chunked_fetch, chunk_size=CHUNK_SIZE)
    try:
        yield from chunks
    finally:
        if hasattr(chunks, "close"):  # a generator holding the cursor; a list when reads are not chunked
            chunks.close()


def _formatted_rows(
    queryset: QuerySet, fields: tuple[str, ...], row: Callable[..., list], *, day_columns: int
) -> Iterator[list]:
    """Each row of the export, read lazily: `row` of the driver's values, given a `LocalDays` formatter for
    each of its `day_columns` datetime columns (made when reading starts, in the time zone current then)."""
    database_timezone = connections[queryset.db].timezone  # of the naive datetimes SQLite returns
    days = [LocalDays(database_timezone).cell for _column in range(day_columns)]
    chunks = _driver_chunks(queryset, fields)
    try:
        for chunk in chunks:
            for values in chunk:
                yield row(values, *days)
    finally:
        chunks.close()


def export_rows(export: BillingExport) -> tuple[list[str], Iterator[list]]:
    """The header and the rows, read lazily in chunks; every cell already safe for a spreadsheet."""
    queryset = export_queryset(export)
    history = export.history
    if history == History.INVOICES:
        return INVOICE_HEADER, _formatted_rows(queryset, INVOICE_FIELDS, _invoice_row, day_columns=1)
    if history == History.ORDERS:
        order_row = partial(_order_row, partner_id=export.partner.pk)
        return ORDER_HEADER, _formatted_rows(queryset, ORDER_FIELDS, order_row, day_columns=3)
    if history == History.CASHBACK:
        return CASHBACK_HEADER, _formatted_rows(queryset, CASHBACK_FIELDS, _cashback_row, day_columns=1)
    return PRODUCT_HEADER, _formatted_rows(queryset, PRODUCT_FIELDS, _product_row, day_columns=2)


def export_lines(export: BillingExport) -> Iterator[str]:
    """The CSV file, line by line (RFC 4180, formula-safe cells)."""
    header, rows = export_rows(export)
    return safe_csv_lines(header, rows)


def prepared_export_response(job: BillingExportJob) -> FileResponse | None:
    """A prepared export's file as a download, from the shared storage; None while it is being prepared
    and once it has expired."""
    if job.status != ExportStatus.READY or job.expires_at <= timezone.now():
        return None
    response = FileResponse(
        default_storage.open(job.file, "rb"),
        as_attachment=True,
        filename=job.filename,
        content_type="text/csv; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


# Billing → Invoices → Export: the organization's own invoices and credit notes, one row each (the
# accountant's file), as the Invoices page filters them.

OWN_INVOICE_HEADER = [
    "Invoice",
    "Type",
    "Issued on",
    "Status",
    "Corrects",
    "Net amount",
    "Tax amount",
    "Gross amount",
    "Currency",
    "Paid on",
]
OWN_INVOICE_FIELDS = (
    "series",
    "number",
    "kind",
    "issued_at",
    "status",
    "credit_note_for__series",
    "credit_note_for__number",
    "net_amount",
    "tax_amount",
    "gross_amount",
    "currency",
    "paid_at",
)
_own_net_cell, _own_tax_cell, _own_gross_cell = _decimal_cells(
    Invoice, "net_amount", "tax_amount", "gross_amount"
)


def _own_invoice_row(values: tuple, issued_on: Callable, paid_on: Callable) -> list:
    (series, number, kind, issued_at, status, corrected_series, corrected_number, net, tax, gross, currency,
     paid_at) = values  # fmt: skip
    return [
        neutralise_cell(f"{series}-{number:06d}"),
        _label(INVOICE_KINDS, kind),
        issued_on(issued_at),
        _label(INVOICE_STATUSES, status),
        neutralise_cell(f"{corrected_series}-{corrected_number:06d}") if corrected_number else "",
        _own_net_cell(net),
        _own_tax_cell(tax),
        _own_gross_cell(gross),
        neutralise_cell(currency),
        paid_on(paid_at) if paid_at is not None else "",
    ]


def own_invoices_lines(invoices: QuerySet[Invoice]) -> Iterator[str]:
    """The CSV file of `invoices` (already scoped to the caller's access and filtered), oldest first."""
    queryset = invoices.order_by("issued_at", "number", "pk")
    rows = _formatted_rows(queryset, OWN_INVOICE_FIELDS, _own_invoice_row, day_columns=2)
    return safe_csv_lines(OWN_INVOICE_HEADER, rows)


def own_invoices_filename(organization: Organization, *, today: date) -> str:
    return f"invoices-{organization.pk}-{today.isoformat()}.csv"
