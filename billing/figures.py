"""Monthly figures for the dashboard: spending, and for a partner its cashback and its clients' revenue."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

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
        return sum((amount for _, amount in self.months), Decimal("0.00"))

    @property
    def bars(self) -> list[dict]:
        """Each month with its bar height as a percentage of the highest month, for the SVG chart."""
        highest = max((amount for _, amount in self.months), default=Decimal("0")) or Decimal("1")
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
    for _ in range(12):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _month_bounds(months: list[date]) -> list[tuple[datetime, datetime]]:
    """Each month as [first instant, first instant of the next) in the console's time zone."""
    last = months[-1]
    following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    starts = [timezone.make_aware(datetime.combine(month, time.min)) for month in [*months, following]]
    return list(itertools.pairwise(starts))


def _series(
    title: str, currency: str, queryset, date_field: str, amount_field: str, today: date
) -> MonthlySeries:
    """One query whatever the number of rows: a sum per month over an index range of `date_field`, with no
    per-row date function (SQLite runs those in Python, row by row)."""
    months = _last_12_months(today)
    bounds = _month_bounds(months)
    totals = queryset.filter(
        **{f"{date_field}__gte": bounds[0][0], f"{date_field}__lt": bounds[-1][1]}
    ).aggregate(
        **{
            f"month_{index}": Sum(
                amount_field, filter=Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
            )
            for index, (start, end) in enumerate(bounds)
        }
    )
    return MonthlySeries(
        title=title,
        currency=currency,
        # SQLite sums decimals as floats: round every month to the cent.
        months=[
            (month, round_money(str(totals[f"month_{index}"] or 0))) for index, month in enumerate(months)
        ],
    )


def dashboard_figures(access: Access) -> list[MonthlySeries]:
    """What the dashboard charts for this access: nothing for a partner acting for a client (no billing)."""
    if not access.can(Permission.VIEW_BILLING):
        return []
    organization = access.organization
    today = timezone.localdate()
    # Credit notes count negatively: spending is what was invoiced, net of corrections.
    spending = Invoice.objects.filter(organization=organization)
    figures = [
        _series(
            "Spending (invoiced, tax included)",
            organization.currency,
            spending,
            "issued_at",
            "gross_amount",
            today,
        )
    ]
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        cashback = LedgerEntry.objects.filter(wallet__organization=organization, kind=EntryKind.CASHBACK)
        figures.append(
            _series("Cashback earned", organization.currency, cashback, "created_at", "amount", today)
        )
        revenue = Order.objects.filter(partner=organization, currency=organization.currency)
        figures.append(
            _series(
                "Managed clients' orders (before tax)",
                organization.currency,
                revenue,
                "created_at",
                "net_amount",
                today,
            )
        )
    return figures
