"""Reads of billing, scoped to what the caller may see: every function takes the caller's `Access`.

Invoices, the wallet and cashback live only with the organization that pays: a partner acting for a client
sees none of the client's (`Permission.VIEW_BILLING` is never a partner's), and a member sees only its own
organization's. A partner granted Billing access sees, from the client's console, the invoices it paid for
that client (its own invoices whose lines are the client's orders), and nothing else.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from billing.buyers import tax_decision_for
from billing.models import (
    BillingExportJob,
    EntryKind,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    Order,
    PartnerStatement,
    Payout,
    Wallet,
)
from billing.money import TaxedAmount
from billing.pricing import Quote, TypeChange, quote, quotes, renewal_placed_by, type_change_quote
from core.days import within_days
from organizations.access import Access, Permission, resolve_access
from organizations.models import Organization, Product, ProductCategory, ProductStatus, ProductType
from organizations.selectors import products_visible_to
from partners.models import Access as PartnershipAccess
from partners.models import Partnership, PaymentMethod, acting_for_clients
from partners.models import Status as PartnershipStatus


def _sees_billing(access: Access) -> bool:
    return access.can(Permission.VIEW_BILLING)


# Invoices


class Period:
    ALL = ""
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    LAST_12_MONTHS = "last_12_months"

    CHOICES = [
        (ALL, gettext_lazy("All dates")),
        (THIS_MONTH, gettext_lazy("This month")),
        (LAST_MONTH, gettext_lazy("Last month")),
        (LAST_12_MONTHS, gettext_lazy("Last 12 months")),
    ]


def period_dates(period: str, *, today: date) -> tuple[date | None, date | None]:
    """The first and last day of a named period ("2025" is that year); (None, None) for all dates."""
    if period == Period.THIS_MONTH:
        return today.replace(day=1), today
    if period == Period.LAST_MONTH:
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day
    if period == Period.LAST_12_MONTHS:
        try:
            year_ago = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            year_ago = today.replace(year=today.year - 1, day=28)
        return year_ago + timedelta(days=1), today
    if period.isdigit() and len(period) == 4:
        year = int(period)
        return date(year, 1, 1), date(year, 12, 31)
    return None, None


def _invoices_seen(access: Access) -> QuerySet[Invoice]:
    """A member's: the organization's own invoices. A Billing partner's: the invoices its organization paid
    for this client (a line for one of the client's orders), never the client's own."""
    if not access.can(Permission.VIEW_INVOICES):
        return Invoice.objects.none()
    if access.acts_for_partner:
        for_this_client = InvoiceLine.objects.filter(
            invoice=OuterRef("pk"), order__organization_id=access.organization.pk
        )
        return Invoice.objects.filter(organization=access.on_behalf_of).filter(Exists(for_this_client))
    return Invoice.objects.filter(organization=access.organization)


def invoices_visible_to(access: Access) -> QuerySet[Invoice]:
    """The invoices and credit notes the caller may read here, newest first (`_invoices_seen`)."""
    return _invoices_seen(access).select_related("credit_note_for").order_by("-issued_at", "-number", "-pk")


def invoices_filtered(
    access: Access,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str = "",
    with_first_line: bool = False,
) -> QuerySet[Invoice]:
    """The visible invoices issued between two days (both included, in the console's time zone), in a
    status (a credit note is "credited"), each with `first_line` (its first line's description) when asked.

    For lists: without the seller's and buyer's data, which only an invoice's own page shows (no JSON read
    and decoded per row), and without the first line unless the list shows it (one lookup per row)."""
    invoices = invoices_visible_to(access).defer("seller", "buyer")
    if with_first_line:
        first_line = InvoiceLine.objects.filter(invoice=OuterRef("pk")).order_by("pk").values("description")
        invoices = invoices.annotate(first_line=Subquery(first_line[:1]))
    invoices = invoices.filter(within_days("issued_at", date_from, date_to))
    if status:
        invoices = invoices.filter(status=status)
    return invoices


def invoice_years(access: Access) -> list[int]:
    """The years from the organization's first invoice to its last, newest first (for the period filter).

    The first and last dates are read as two index lookups in one query: MIN and MAX in one SELECT would
    scan every invoice of the organization on SQLite (one second at 2,000,000)."""
    if not access.can(Permission.VIEW_INVOICES):
        return []
    dates = _invoices_seen(access).values("issued_at")
    first, last = Subquery(dates.order_by("issued_at")[:1]), Subquery(dates.order_by("-issued_at")[:1])
    span = Organization.objects.filter(pk=access.organization.pk).values(first=first, last=last).get()
    if span["first"] is None:
        return []
    first, last = timezone.localtime(span["first"]).year, timezone.localtime(span["last"]).year
    return list(range(last, first - 1, -1))


def invoice_for(access: Access, invoice_id: int) -> Invoice | None:
    """One visible invoice with its lines, its credit notes and the invoice it credits."""
    return (
        invoices_visible_to(access)
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("pk")),
            Prefetch("credit_notes", queryset=Invoice.objects.order_by("issued_at", "pk")),
        )
        .filter(pk=invoice_id)
        .first()
    )


# Wallet


def wallet_for(access: Access) -> Wallet | None:
    """The organization's wallet; an empty, unsaved one until money first moves (reading creates nothing).
    None for who may not see it."""
    if not _sees_billing(access):
        return None
    organization = access.organization
    wallet = Wallet.objects.filter(organization=organization).first()
    if wallet is None:
        wallet = Wallet(organization=organization, currency=organization.currency, balance=Decimal("0.00"))
    return wallet


def ledger_entries_visible_to(access: Access) -> QuerySet[LedgerEntry]:
    """The wallet's movements, newest first."""
    if not _sees_billing(access):
        return LedgerEntry.objects.none()
    return (
        LedgerEntry.objects.filter(wallet__organization=access.organization)
        .select_related("invoice", "wallet")
        .order_by("-created_at", "-pk")
    )


def cashback_received(access: Access) -> QuerySet[LedgerEntry]:
    """A referenced partner's cashback, newest first, each with its order, product and client."""
    if not _sees_billing(access):
        return LedgerEntry.objects.none()
    return (
        LedgerEntry.objects.filter(wallet__organization=access.organization, kind=EntryKind.CASHBACK)
        .select_related("wallet", "order__organization", "order__product", "order__product_type")
        .order_by("-created_at", "-pk")
    )


# Orders


def placed_order_for(access: Access, order_id: int) -> Order | None:
    """An order the user placed in this organization, on a product the access still reaches: the page that
    confirms an order or a renewal."""
    if not access.can(Permission.MANAGE_PRODUCTS):
        return None
    order = (
        Order.objects.filter(pk=order_id, organization=access.organization, placed_by=access.user)
        .select_related("organization", "payer", "product__product_type", "placed_by_partner")
        .first()
    )
    if order is None or not access.can_see_product(order.product):
        return None
    return order


@dataclass(frozen=True)
class OrderOutcome:
    """What the confirmation page says of an order's invoice, as far as the user may know it."""

    payer: Organization
    invoice: Invoice | None  # None when the user may not see the payer's invoices
    paid: bool | None
    invoice_org_id: int | None  # where the invoice page lives, when the user may open it


def order_outcome(access: Access, order: Order) -> OrderOutcome:
    """Which invoice an order issued and whether the wallet paid it. A partner who ordered for a client that
    pays is told only that the client was invoiced: the client's invoices are never shown to it."""
    line = order.invoice_lines.select_related("invoice").order_by("pk").first()
    invoice = line.invoice if line is not None else None
    if order.payer_id == access.organization.pk:
        may_see = _sees_billing(access)
    else:
        payer_access = resolve_access(access.user, order.payer_id)
        may_see = payer_access is not None and _sees_billing(payer_access)
    if invoice is None or not may_see:
        return OrderOutcome(payer=order.payer, invoice=None, paid=None, invoice_org_id=None)
    return OrderOutcome(
        payer=order.payer, invoice=invoice, paid=invoice.status == "paid", invoice_org_id=order.payer_id
    )


# Prices shown before ordering or renewing: the quotes the service charges


def new_order_quotes(access: Access, product_types) -> dict[int, Quote]:
    """The price of each product type if the caller ordered it now (one partnership read for all)."""
    return quotes(
        client=access.organization, product_types=product_types, placed_by_partner=access.on_behalf_of
    )


def renewal_quote(access: Access, product: Product) -> Quote:
    """The price of renewing the product now: it counts as placed by whoever placed its first order."""
    return quote(
        client=product.organization,
        product_type=product.product_type,
        placed_by_partner=renewal_placed_by(product),
    )


def orderable_catalog(access: Access) -> list[ProductCategory]:
    """The catalog by category, each category with `.orderable` product types, each with `.quote`."""
    if not access.can(Permission.ORDER_PRODUCTS):
        return []
    product_types = list(
        ProductType.objects.filter(is_active=True)
        .select_related("category")
        .order_by("category__position", "category__name", "position", "name")
    )
    quotes = new_order_quotes(access, product_types)
    categories: dict[int, ProductCategory] = {}
    for product_type in product_types:
        product_type.quote = quotes[product_type.pk]
        category = categories.get(product_type.category_id)
        if category is None:
            category = categories[product_type.category_id] = product_type.category
            category.orderable = []
        category.orderable.append(product_type)
    return list(categories.values())


def renewable_product(access: Access, product_id: int) -> Product | None:
    """A product the caller may renew: one it sees (granted products for a limited partner or an external
    user) with the right to manage products."""
    if not access.can(Permission.MANAGE_PRODUCTS):
        return None
    return products_visible_to(access).filter(pk=product_id).first()


# Billing-history exports of managed clients


def billing_export_job_for(access: Access, job_id: int) -> BillingExportJob | None:
    """An export of the organization's managed clients, only for the user who asked for it."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return None
    return (
        BillingExportJob.objects.filter(pk=job_id, organization=access.organization, requested_by=access.user)
        .select_related("organization")
        .first()
    )


# Cashback payouts


def payouts_visible_to(access: Access) -> QuerySet[Payout]:
    """The organization's payout requests, newest first (its own people with billing rights only)."""
    if not _sees_billing(access) or access.acts_for_partner:
        return Payout.objects.none()
    return Payout.objects.filter(organization=access.organization).order_by("-requested_at", "-pk")


def payout_for(access: Access, payout_id) -> Payout | None:
    return payouts_visible_to(access).filter(pk=payout_id).first()


# Partner statements


def statements_visible_to(access: Access) -> QuerySet[PartnerStatement]:
    """A referenced partner's monthly statements, newest month first (its own people with billing rights)."""
    organization = access.organization
    if not _sees_billing(access) or access.acts_for_partner or not organization.is_referenced_partner:
        return PartnerStatement.objects.none()
    return PartnerStatement.objects.filter(organization=organization).order_by("-month")


def statement_for(access: Access, statement_id) -> PartnerStatement | None:
    return statements_visible_to(access).filter(pk=statement_id).first()


# Subscriptions: what ends soon, what a change of type costs, the who-pays preview

ENDING_SOON_DAYS = 30
PREVIEW_DAYS = 365


def products_ending_soon(visible: list[Product], *, now=None) -> list[Product]:
    """Of the products the caller sees (`visible`, read already: the dashboard lists them all), the active
    ones whose period ends within 30 days, soonest first."""
    now = now or timezone.now()
    ending = [
        product
        for product in visible
        if product.status == ProductStatus.ACTIVE
        and product.expires_at is not None
        and now < product.expires_at <= now + timedelta(days=ENDING_SOON_DAYS)
    ]
    return sorted(ending, key=lambda product: (product.expires_at, product.pk))


def _taxed(payer: Organization, net: Decimal, rates: dict[int, Decimal]) -> TaxedAmount:
    """The amount as the payer's invoice issued today would tax it (one tax decision per payer)."""
    if payer.pk not in rates:
        rates[payer.pk] = tax_decision_for(payer).rate
    return TaxedAmount.from_net(net, rates[payer.pk])


def sees_price(access: Access, priced: Quote) -> bool:
    """Whether the caller may see a quote's amount: the payer's own people, or the partner acting for the
    client; never a client shown what its partner pays (the reseller's margin)."""
    return priced.payer.pk == access.organization.pk or access.acts_for_partner


@dataclass(frozen=True)
class TypeChangeOption:
    product_type: ProductType
    change: TypeChange
    amount: TaxedAmount  # with the payer's tax; negative: credited
    shown: bool  # False: the partner pays and the caller is the client (the amount is not shown)

    @property
    def credited(self) -> bool:
        return self.amount.gross < 0

    @property
    def size(self) -> TaxedAmount:
        """The amount without its sign: what is invoiced, or credited."""
        return TaxedAmount(net=abs(self.amount.net), tax=abs(self.amount.tax), gross=abs(self.amount.gross))


def type_change_options(access: Access, product: Product, *, now=None) -> list[TypeChangeOption]:
    """The other active types of the product's category, each with what the change costs until its end."""
    if not access.can(Permission.MANAGE_PRODUCTS) or product.expires_at is None:
        return []
    rates: dict[int, Decimal] = {}
    options = []
    others = ProductType.objects.filter(category_id=product.product_type.category_id, is_active=True).exclude(
        pk=product.product_type_id
    )
    for product_type in others.order_by("position", "name"):
        change = type_change_quote(product=product, product_type=product_type, now=now)
        options.append(
            TypeChangeOption(
                product_type=product_type,
                change=change,
                amount=_taxed(change.payer, change.net, rates),
                shown=sees_price(access, change.new),
            )
        )
    return options


@dataclass(frozen=True)
class PreviewRow:
    product: Product
    on: datetime
    payer: Organization
    currency: str
    amount: TaxedAmount | None  # None: not shown to the caller (what the partner pays)


@dataclass(frozen=True)
class PaymentChoicePreview:
    payment_method: str
    label: str
    is_current: bool
    rows: list[PreviewRow]

    @property
    def totals(self) -> list[tuple[str, Decimal]]:
        """What the rows shown add up to, with tax, per currency."""
        sums: dict[str, Decimal] = {}
        for row in self.rows:
            if row.amount is not None:
                sums[row.currency] = sums.get(row.currency, Decimal("0.00")) + row.amount.gross
        return sorted(sums.items())


def _preview_side(access: Access, partnership: Partnership) -> str | None:
    organization = access.organization.pk
    if organization == partnership.client_id and access.can(Permission.VIEW_PARTNERS):
        return "client"
    if organization == partnership.partner_id and access.can(Permission.VIEW_MANAGED_CLIENTS):
        return "partner"
    return None


def who_pays_preview(access: Access, partnership: Partnership, *, now=None) -> list[PaymentChoicePreview]:
    """The renewals of the client's auto-renewing products in the coming 12 months under each payment
    method the partnership allows: product, date, payer and amount with tax, as `pricing.quote` prices them
    and the payer's invoice would tax them today. The client never sees what the partner would pay; the
    partner sees both. Empty for a caller on neither side or a partnership not in force."""
    side = _preview_side(access, partnership)
    if side is None or partnership.status != PartnershipStatus.ACTIVE:
        return []
    now = now or timezone.now()
    horizon = now + timedelta(days=PREVIEW_DAYS)
    client = partnership.client
    products = Product.objects.filter(
        organization=client, status=ProductStatus.ACTIVE, auto_renew=True, cancelled_at__isnull=True
    )
    if side == "partner" and partnership.access != PartnershipAccess.FULL:
        products = products.filter(pk__in=partnership.products.values("pk"))
    products = list(products.select_related("product_type").order_by("expires_at", "pk"))
    placed_by = {product.pk: renewal_placed_by(product) for product in products}
    methods = [PaymentMethod.CLIENT]
    if partnership.access == PartnershipAccess.FULL:
        methods.append(PaymentMethod.PARTNER)
    rates: dict[int, Decimal] = {}
    previews = []
    for method in methods:
        rows = []
        for product in products:
            priced = quote(
                client=client,
                product_type=product.product_type,
                placed_by_partner=placed_by[product.pk],
                payment_method=method,
            )
            shown = side == "partner" or priced.payer.pk == client.pk
            on = product.expires_at
            while on is not None and on <= horizon:
                if on > now - timedelta(days=1):
                    rows.append(
                        PreviewRow(
                            product=product,
                            on=on,
                            payer=priced.payer,
                            currency=priced.currency,
                            amount=_taxed(priced.payer, priced.net, rates) if shown else None,
                        )
                    )
                on += product.product_type.period_length
        rows.sort(key=lambda row: (row.on, row.product.name, row.product.pk))
        previews.append(
            PaymentChoicePreview(
                payment_method=method,
                label=PaymentMethod(method).label,
                is_current=method == partnership.payment_method,
                rows=rows,
            )
        )
    return previews


def managed_partnership(access: Access, partnership_id: int) -> Partnership | None:
    """An active partnership of the caller's partner organization with one of the clients the caller acts
    for."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS):
        return None
    return (
        Partnership.objects.active()
        .filter(acting_for_clients(access.user, {access.organization.pk: access.role}), pk=partnership_id)
        .select_related("client", "partner")
        .first()
    )


@dataclass(frozen=True)
class PayNow:
    """Whether a due invoice can be paid from the wallet now, and the balance that decides it."""

    possible: bool
    balance: Decimal
    currency: str


def pay_now_for(access: Access, invoice: Invoice) -> PayNow | None:
    """For a due invoice of the caller's organization, whether "Pay now" can pay it; None otherwise."""
    if invoice.status != "due" or invoice.kind != "invoice" or not access.can(Permission.TOP_UP_WALLET):
        return None
    wallet = wallet_for(access)
    covers = wallet.currency == invoice.currency and wallet.balance >= invoice.gross_amount
    return PayNow(possible=covers, balance=wallet.balance, currency=wallet.currency)
