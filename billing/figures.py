"""Monthly figures for the dashboard: spending, and for a partner its cashback and its clients' revenue."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
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


def _series(title: str, currency: str, rows, today: date) -> MonthlySeries:
    by_month = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row["total"] for row in rows
    }
    return MonthlySeries(
        title=title,
        currency=currency,
        # SQLite sums decimals as floats: round every month to the cent.
        months=[(month, round_money(str(by_month.get(month) or 0))) for month in _last_12_months(today)],
    )


def dashboard_figures(access: Access) -> list[MonthlySeries]:
    """What the dashboard charts for this access: nothing for a partner acting for a client (no billing)."""
    if not access.can(Permission.VIEW_BILLING):
        return []
    organization = access.organization
    today = timezone.localdate()
    since = _last_12_months(today)[0]
    figures = []
    spending = (
        # Credit notes count negatively: spending is what was invoiced, net of corrections.
        Invoice.objects.filter(organization=organization, issued_at__date__gte=since)
        .annotate(month=TruncMonth("issued_at"))
        .values("month")
        .annotate(total=Sum("gross_amount"))
        .order_by("month")
    )
    figures.append(_series("Spending (invoiced, tax included)", organization.currency, spending, today))
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        cashback = (
            LedgerEntry.objects.filter(
                wallet__organization=organization, kind=EntryKind.CASHBACK, created_at__date__gte=since
            )
            .annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(total=Sum("amount"))
            .order_by("month")
        )
        figures.append(_series("Cashback earned", organization.currency, cashback, today))
        revenue = (
            Order.objects.filter(
                partner=organization, currency=organization.currency, created_at__date__gte=since
            )
            .annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(total=Sum("net_amount"))
            .order_by("month")
        )
        figures.append(_series("Managed clients' orders (before tax)", organization.currency, revenue, today))
    return figures
