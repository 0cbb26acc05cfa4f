"""Partner statements: for each calendar month, what a referenced partner earned and spent through the partner
program, read from the ledger, orders and invoices, frozen in a `PartnerStatement`, printed as a PDF (the
invoices' WeasyPrint machinery and style) with a CSV twin.

A month runs from its first midnight to the next month's first midnight in the console's time zone, as the
invoice series does. A statement is produced once per partner and month (a unique constraint; the periodic
job and a request on demand at the same time produce one), and only for a month that is over.

Figures:
- cashback: the partner's `cashback` ledger entries of the month (reversals included) per client and product;
- reseller-discount savings: orders the partner paid for its clients (public price less what it paid);
- invoices paid for clients: the invoices and credit notes issued to the partner for its clients' orders;
- payouts: the `payout` ledger entries of the month (held, given back) and the requests of the month;
- the ledger: the balance at the start and the end of the month and the sum of each kind of movement, so that
  opening + movements == closing.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import (
    EntryKind,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    Order,
    PartnerStatement,
    Payout,
    Wallet,
)
from billing.money import round_money
from billing.services import seller_data
from core.audit import audit_record
from core.pdf import html_to_pdf
from core.spreadsheets import csv_lines
from organizations.access import Access, Permission
from organizations.languages import organization_language
from organizations.models import Organization, User

ZERO = Decimal("0.00")
# No statement before the platform's first year: a typo such as 0226 names no month anyone sold in.
FIRST_MONTH = date(2000, 1, 1)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month(today: date) -> date:
    return first_of_month(first_of_month(today) - timedelta(days=1))


def next_month(month: date) -> date:
    return first_of_month(month + timedelta(days=32))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of the month and of the next one, in the console's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=zone)
    end = datetime.combine(next_month(month), time.min, tzinfo=zone)
    return start, end


def _money(value) -> str:
    return str(round_money(value or ZERO))


def _balance_before(wallet: Wallet | None, moment: datetime) -> Decimal:
    if wallet is None:
        return ZERO
    last = (
        LedgerEntry.objects.filter(wallet=wallet, created_at__lt=moment)
        .order_by("-created_at", "-pk")
        .values_list("balance_after", flat=True)
        .first()
    )
    return last if last is not None else ZERO


def _ledger(wallet: Wallet | None, start: datetime, end: datetime) -> dict:
    sums = {kind: ZERO for kind in EntryKind.values}
    if wallet is not None:
        rows = (
            LedgerEntry.objects.filter(wallet=wallet, created_at__gte=start, created_at__lt=end)
            .values("kind")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for row in rows:
            sums[row["kind"]] = row["total"]
    return {
        "opening": _money(_balance_before(wallet, start)),
        "closing": _money(_balance_before(wallet, end)),
        **{kind: _money(total) for kind, total in sums.items()},
    }


def _cashback(wallet: Wallet | None, start: datetime, end: datetime) -> list[dict]:
    if wallet is None:
        return []
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    entries = (
        LedgerEntry.objects.filter(
            wallet=wallet, kind=EntryKind.CASHBACK, created_at__gte=start, created_at__lt=end
        )
        .select_related("order__organization", "order__product", "order__product_type")
        .order_by("pk")
    )
    for entry in entries:
        order = entry.order
        key = (
            order.organization.name if order else "",
            order.product.name if order else entry.description,
            order.product_type.name if order else "",
        )
        totals[key] += entry.amount
    return [
        {"client": client, "product": product, "product_type": product_type, "amount": _money(amount)}
        for (client, product, product_type), amount in sorted(totals.items())
    ]


def _savings(partner: Organization, start: datetime, end: datetime) -> list[dict]:
    orders = (
        Order.objects.filter(payer=partner, created_at__gte=start, created_at__lt=end)
        .exclude(organization=partner)
        .select_related("organization", "product", "product_type")
        .order_by("created_at", "pk")
    )
    return [
        {
            "day": timezone.localdate(order.created_at).isoformat(),
            "client": order.organization.name,
            "product": order.product.name,
            "product_type": order.product_type.name,
            "kind": order.kind,
            "currency": order.currency,
            "public_price": _money(order.public_price),
            "paid": _money(order.net_amount),
            "saving": _money(order.public_price - order.net_amount),
        }
        for order in orders
    ]


def _invoices(partner: Organization, start: datetime, end: datetime) -> list[dict]:
    lines = (
        InvoiceLine.objects.filter(
            invoice__organization=partner,
            invoice__issued_at__gte=start,
            invoice__issued_at__lt=end,
            order__isnull=False,
        )
        .exclude(order__organization=partner)
        .values_list("invoice_id", "order__organization__name")
        .order_by()
    )
    clients: dict[int, set[str]] = defaultdict(set)
    for invoice_id, client in lines:
        clients[invoice_id].add(client)
    invoices = Invoice.objects.filter(pk__in=clients).order_by("issued_at", "number")
    return [
        {
            "number": invoice.display_number,
            "day": timezone.localdate(invoice.issued_at).isoformat(),
            "kind": invoice.kind,
            "clients": ", ".join(sorted(clients[invoice.pk])),
            "currency": invoice.currency,
            "net": _money(invoice.net_amount),
            "tax": _money(invoice.tax_amount),
            "gross": _money(invoice.gross_amount),
            "status": invoice.status,
        }
        for invoice in invoices
    ]


def _payouts(partner: Organization, start: datetime, end: datetime) -> list[dict]:
    requests = Payout.objects.filter(organization=partner, requested_at__gte=start, requested_at__lt=end)
    return [
        {
            "day": timezone.localdate(payout.requested_at).isoformat(),
            "account": payout.iban_display,
            "status": payout.status,
            "currency": payout.currency,
            "amount": _money(payout.amount),
        }
        for payout in requests.order_by("requested_at", "pk")
    ]


def _total(rows: list[dict], field: str, currency: str) -> str:
    return _money(
        sum((Decimal(row[field]) for row in rows if row.get("currency", currency) == currency), ZERO)
    )


def statement_figures(partner: Organization, month: date) -> dict:
    """The figures of `partner` for `month` (its first day), read now."""
    start, end = month_bounds(month)
    wallet = Wallet.objects.filter(organization=partner).first()
    currency = wallet.currency if wallet else partner.currency
    cashback = _cashback(wallet, start, end)
    savings = _savings(partner, start, end)
    invoices = _invoices(partner, start, end)
    payouts = _payouts(partner, start, end)
    return {
        "currency": currency,
        "first_day": month.isoformat(),
        "last_day": (next_month(month) - timedelta(days=1)).isoformat(),
        "ledger": _ledger(wallet, start, end),
        "cashback": cashback,
        "cashback_total": _total(cashback, "amount", currency),
        "savings": savings,
        "savings_total": _total(savings, "saving", currency),
        "invoices": invoices,
        "invoices_total": _total(invoices, "gross", currency),
        "payouts": payouts,
    }


# Producing statements


def _check_month(month: date, *, today: date) -> date:
    if month.day != 1:
        raise ValidationError({"month": _("Choose a month (its first day).")})
    if month < FIRST_MONTH:
        raise ValidationError(
            {"month": _("Statements start in %(year)s: choose a later month.") % {"year": FIRST_MONTH.year}}
        )
    if next_month(month) > today:
        raise ValidationError(
            {"month": _("A statement covers a month that is over: choose an earlier month.")}
        )
    return month


def _produce(partner: Organization, month: date, *, by: User | None) -> tuple[PartnerStatement, bool]:
    existing = PartnerStatement.objects.filter(organization=partner, month=month).first()
    if existing is not None:
        return existing, False
    figures = statement_figures(partner, month)
    try:
        with transaction.atomic():
            statement = PartnerStatement.objects.create(
                organization=partner,
                month=month,
                currency=figures["currency"],
                figures=figures,
                created_by=by,
            )
    except IntegrityError:  # produced at the same time by another request or the periodic job
        return PartnerStatement.objects.get(organization=partner, month=month), False
    audit_record(
        actor=by,
        organization=partner,
        action="statement.produced",
        target=statement,
        changes={"month": f"{month:%Y-%m}", "cashback": figures["cashback_total"]},
    )
    return statement, True


@transaction.atomic
def statement_produce(*, access: Access, month: date, today: date | None = None) -> PartnerStatement:
    """The partner's statement of a past month: the one produced before, or a new one."""
    if not access.can(Permission.VIEW_BILLING) or access.acts_for_partner:
        raise PermissionDenied(_("Only the partner's own people with billing rights see its statements."))
    if not access.organization.is_referenced_partner:
        raise PermissionDenied(_("Only referenced partners have statements."))
    month = _check_month(month, today=today or timezone.localdate())
    statement, _created = _produce(access.organization, month, by=access.user)
    return statement


def statements_produce_for_month(*, month: date | None = None, today: date | None = None) -> int:
    """Produce the statement of `month` (by default the last one) for every referenced partner that has none
    yet (the periodic job; `manage.py produce_statements`); the number produced."""
    today = today or timezone.localdate()
    month = _check_month(month or previous_month(today), today=today)
    produced = 0
    for partner in Organization.objects.filter(is_referenced_partner=True).order_by("pk"):
        with transaction.atomic():
            _statement, created = _produce(partner, month, by=None)
        produced += created
    return produced


# Documents


def statement_context(statement: PartnerStatement) -> dict:
    figures = statement.figures
    return {
        "seller": seller_data(),
        "statement": statement,
        "partner": statement.organization,
        "figures": figures,
        "currency": statement.currency,
        "first_day": date.fromisoformat(figures["first_day"]),
        "last_day": date.fromisoformat(figures["last_day"]),
        "kinds": [(kind, label, figures["ledger"][kind]) for kind, label in EntryKind.choices],
    }


def render_statement_pdf(statement: PartnerStatement) -> bytes:
    """The statement as PDF bytes, in the language of the partner's legal representative."""
    with translation.override(organization_language(statement.organization)):
        return html_to_pdf(render_to_string("billing/statement_pdf.html", statement_context(statement)))


CSV_HEADER = [
    "section",
    "day",
    "client",
    "product",
    "product_type",
    "reference",
    "currency",
    "amount",
    "detail",
]


def _csv_rows(statement: PartnerStatement):
    figures, currency = statement.figures, statement.currency
    ledger = figures["ledger"]
    yield ["balance", figures["first_day"], "", "", "", "opening", currency, ledger["opening"], ""]
    for kind in EntryKind.values:
        yield ["movements", "", "", "", "", kind, currency, ledger[kind], ""]
    yield ["balance", figures["last_day"], "", "", "", "closing", currency, ledger["closing"], ""]
    for row in figures["cashback"]:
        yield [
            "cashback",
            "",
            row["client"],
            row["product"],
            row["product_type"],
            "",
            currency,
            row["amount"],
            "",
        ]
    for row in figures["savings"]:
        detail = f"public {row['public_price']}, paid {row['paid']}"
        yield [
            "reseller_savings",
            row["day"],
            row["client"],
            row["product"],
            row["product_type"],
            row["kind"],
            row["currency"],
            row["saving"],
            detail,
        ]
    for row in figures["invoices"]:
        detail = f"net {row['net']}, tax {row['tax']}, {row['status']}"
        yield [
            "invoice",
            row["day"],
            row["clients"],
            "",
            "",
            row["number"],
            row["currency"],
            row["gross"],
            detail,
        ]
    for row in figures["payouts"]:
        yield [
            "payout",
            row["day"],
            "",
            "",
            "",
            row["account"],
            row["currency"],
            row["amount"],
            row["status"],
        ]


def statement_csv_lines(statement: PartnerStatement):
    """The statement as CSV lines (RFC 4180, UTF-8, a header): one row per figure, with its section."""
    return csv_lines(CSV_HEADER, _csv_rows(statement))
