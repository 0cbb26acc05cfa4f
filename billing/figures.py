"""Monthly figures for the dashboard: spending, and for a partner its cashback and its clients' revenue."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import EntryKind, Invoice, LedgerEntry, Order
from billing.money import round_money
from organizations.access import Access, Permission


@dataclass(frozen=True)
class MonthlySeries:
    title: str
    currency: str
    months: list[tuple[date, Decimal]]  # the last 12 months, oldest first, every month present

    @property
    def total(self) -> Decimal:
        return sum((amount for _month, amount in self.months), Decimal("0.00"))

    @property
    def bars(self) -> list[dict]:
        """Each month with its bar height as a percentage of the highest month, for the SVG chart."""
        highest = max((amount for _month, amount in self.months), default=Decimal("0")) or Decimal("1")
        bars = []
        for index, (month, amount) in enumerate(self.months):
            height = round(float(max(amount, Decimal("0")) / highest) * 95, 1)  # leave room above the tallest
            bars.append(
                {
                    "month": month,
                    "amount": amount,
                    "index": index,
                    "x": index * 20 + 3,
                    "height": height,
                    "y": 100 - height,
                }
            )
        return bars


def _last_12_months(today: date) -> list[date]:
    months = []
    year, month = today.year, today.month
    for _month in range(12):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _month_bounds(months: list[date]) -> list[tuple[datetime, datetime]]:
    """Each month as [first instant, first instant of the next) in the console's time zone."""
    last = months[-1]
    following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    starts = [timezone.make_aware(datetime.combine(month, time.min)) for month in [*months, following]]
    return list(itertools.pairwise(starts))


@dataclass(frozen=True)
class _Source:
    """Where one chart's amounts come from."""

    name: str  # in cache keys
    title: str
    queryset: QuerySet
    date_field: str
    amount_field: str


def _monthly_sums(source: _Source, index: int, bounds: list[tuple[datetime, datetime]]) -> QuerySet:
    """One row: the source's number and its sum per month, over an index range of its date field, with no
    per-row date function (SQLite runs those in Python, row by row)."""
    date_field = source.date_field
    return (
        source.queryset.filter(**{f"{date_field}__gte": bounds[0][0], f"{date_field}__lt": bounds[-1][1]})
        .order_by()
        .annotate(source=Value(index))
        .values("source")
        .annotate(
            **{
                f"month_{month}": Sum(
                    source.amount_field, filter=Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
                )
                for month, (start, end) in enumerate(bounds)
            }
        )
    )


# A closed month's sum never changes (invoices are immutable, the ledger is append-only, an order keeps its
# amount), so it is summed once and kept; only the current month, and any month not kept yet, is read.
CLOSED_MONTH_SECONDS = 40 * 24 * 3600  # a month leaves the chart after a year; 40 days is plenty of reuse
# A month is kept once it has been over this long: a transaction that began in it has committed by then.
CLOSED_MONTH_SETTLING = timedelta(hours=1)


def _closed_month_key(source: _Source, organization_id: int, currency: str, month: date) -> str:
    return f"dashboard-month:{organization_id}:{currency}:{source.name}:{month.isoformat()}"


def _charts(sources: list[_Source], organization_id: int, currency: str, today: date) -> list[MonthlySeries]:
    """Every chart in one query (a UNION ALL of one aggregate row per source) over the months whose sums are
    not kept yet: the current month, once the closed months are kept."""
    months = _last_12_months(today)
    settled_before = timezone.now() - CLOSED_MONTH_SETTLING
    closed = [
        month
        for month, (_start, end) in zip(months, _month_bounds(months), strict=True)
        if end <= settled_before
    ]
    keys = {
        (index, month): _closed_month_key(source, organization_id, currency, month)
        for index, source in enumerate(sources)
        for month in closed
    }
    kept = cache.get_many(keys.values())
    first_missing = next(
        (
            number
            for number, month in enumerate(closed)
            if any(keys[index, month] not in kept for index in range(len(sources)))
        ),
        len(closed),
    )
    to_read = months[first_missing:]
    bounds = _month_bounds(to_read)
    first, *others = [_monthly_sums(source, index, bounds) for index, source in enumerate(sources)]
    rows = {row["source"]: row for row in (first.union(*others, all=True).order_by() if others else first)}
    sums = {}
    for index in range(len(sources)):
        for number, month in enumerate(to_read):
            # SQLite sums decimals as floats: round every month to the cent.
            sums[index, month] = round_money(str(rows.get(index, {}).get(f"month_{number}") or 0))
    cache.set_many(
        {keys[index, month]: str(amount) for (index, month), amount in sums.items() if month in closed},
        CLOSED_MONTH_SECONDS,
    )
    return [
        MonthlySeries(
            title=source.title,
            currency=currency,
            months=[
                (month, sums[index, month] if (index, month) in sums else Decimal(kept[keys[index, month]]))
                for month in months
            ],
        )
        for index, source in enumerate(sources)
    ]


def dashboard_figures(access: Access) -> list[MonthlySeries]:
    """What the dashboard charts for this access: nothing for a partner acting for a client (no billing)."""
    if not access.can(Permission.VIEW_BILLING):
        return []
    organization = access.organization
    sources = [
        # Credit notes count negatively: spending is what was invoiced, net of corrections.
        _Source(
            "spending",
            _("Spending (invoiced, tax included)"),
            Invoice.objects.filter(organization=organization),
            "issued_at",
            "gross_amount",
        )
    ]
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        sources += [
            _Source(
                "cashback",
                _("Cashback earned"),
                LedgerEntry.objects.filter(wallet__organization=organization, kind=EntryKind.CASHBACK),
                "created_at",
                "amount",
            ),
            _Source(
                "client-orders",
                _("Managed clients' orders (before tax)"),
                Order.objects.filter(partner=organization, currency=organization.currency),
                "created_at",
                "net_amount",
            ),
        ]
    return _charts(sources, organization.pk, organization.currency, timezone.localdate())
