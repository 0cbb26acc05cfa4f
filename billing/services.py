"""Every state change of billing: orders and renewals, invoices, the wallet and cashback.

An order installs (or extends) the product in the client organization, charges the quote of `pricing.quote`,
issues the payer's invoice with the tax of `tax.tax_for`, pays it from the payer's wallet when the balance
covers it, and credits the partner's cashback — all in one transaction, with one audit event.
"""

import logging
import tempfile
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import pricing
from billing.buyers import buyer_data, tax_decision_for
from billing.exports import BillingExport, export_lines, export_of_job, export_row_count
from billing.models import (
    BillingExportJob,
    EntryKind,
    ExportStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    LedgerEntry,
    Order,
    OrderKind,
    RenewalReminder,
    Wallet,
)
from billing.money import TaxedAmount, round_money
from billing.wordings import in_english, stored_order_line_description
from core.audit import audit_record
from core.background import enqueue_after, enqueue_with_transaction
from core.notifications import email_on_commit
from core.templatetags.money import format_money
from organizations.access import Access, Permission
from organizations.languages import organization_language
from organizations.models import (
    BillingPeriod,
    Membership,
    Organization,
    Product,
    ProductStatus,
    ProductType,
    Role,
    User,
)

MAX_TOP_UP = Decimal("100000.00")
logger = logging.getLogger(__name__)


# Wallet


def wallet_of(organization: Organization) -> Wallet:
    wallet, _created = Wallet.objects.get_or_create(
        organization=organization, defaults={"currency": organization.currency}
    )
    return wallet


def _move(
    wallet: Wallet,
    *,
    amount: Decimal,
    kind: str,
    description: str,
    by: User | None,
    invoice: Invoice | None = None,
    order: Order | None = None,
) -> LedgerEntry | None:
    """Add `amount` (negative to take) to the wallet, or nothing (None) when the balance does not cover it.

    The wallet row is locked for the rest of the transaction and the sum is done in Decimal, so concurrent
    payments queue and the balance never goes below zero (the database's check constraint is the last guard).
    """
    amount = round_money(amount)
    locked = Wallet.objects.select_for_update().get(pk=wallet.pk)
    balance = locked.balance + amount
    if balance < 0:
        return None
    locked.balance = balance
    locked.save(update_fields=["balance"])
    return LedgerEntry.objects.create(
        wallet=locked,
        kind=kind,
        amount=amount,
        balance_after=balance,
        description=description,
        invoice=invoice,
        order=order,
        created_by=by,
    )


@transaction.atomic
def wallet_top_up(*, access: Access, amount) -> LedgerEntry:
    """A simulated card payment into the organization's wallet (no card is charged)."""
    if not access.can(Permission.TOP_UP_WALLET):
        raise PermissionDenied(_("Only members of the organization can top up its wallet."))
    try:
        amount = round_money(Decimal(str(amount)))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({"amount": _("Enter an amount such as 50.00.")}) from None
    if not amount.is_finite():
        raise ValidationError({"amount": _("Enter an amount such as 50.00.")})
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if amount > MAX_TOP_UP:
        raise ValidationError({"amount": _("A top-up is at most %(maximum)s.") % {"maximum": MAX_TOP_UP}})
    wallet = wallet_of(access.organization)
    entry = _move(
        wallet, amount=amount, kind=EntryKind.TOP_UP, description="Top-up by card (simulated)", by=access.user
    )
    audit_record(
        actor=access.user,
        organization=access.organization,
        action="wallet.topped_up",
        target=wallet,
        changes={"amount": str(amount), "currency": wallet.currency, "balance": str(entry.balance_after)},
    )
    _pay_due_invoices(access.organization, by=access.user)
    return entry


def _pay_from_wallet(invoice: Invoice, *, by: User | None) -> bool:
    """Pay a due invoice from its organization's wallet if the balance covers it. The invoice row is locked
    and its status read again, so a credit note or another payment at the same time is never overwritten."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.DUE or invoice.kind != InvoiceKind.INVOICE:
        return False
    if invoice.gross_amount == 0:
        _mark_paid(invoice)
        return True
    wallet = wallet_of(invoice.organization)
    if wallet.currency != invoice.currency:
        return False
    entry = _move(
        wallet,
        amount=-invoice.gross_amount,
        kind=EntryKind.PAYMENT,
        description=f"Payment of invoice {invoice.display_number}",
        by=by,
        invoice=invoice,
    )
    if entry is None:
        return False
    _mark_paid(invoice)
    return True


def _mark_paid(invoice: Invoice) -> None:
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at"])


def _pay_due_invoices(organization: Organization, *, by: User | None) -> None:
    """After a top-up, settle what the balance now covers, oldest first."""
    due = Invoice.objects.filter(
        organization=organization, status=InvoiceStatus.DUE, kind=InvoiceKind.INVOICE
    )
    for invoice in due.order_by("issued_at", "pk"):
        if not _pay_from_wallet(invoice, by=by):
            break


# Invoices


def seller_data() -> dict:
    return dict(settings.SELLER)


def _next_number(series: str) -> int:
    """Take the next number of the series under the lock of its counter row."""
    InvoiceSequence.objects.get_or_create(series=series)
    sequence = InvoiceSequence.objects.select_for_update().get(series=series)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _taxed_lines(organization: Organization, buyer: dict, lines: list[dict]) -> list[dict]:
    """Decide the tax once for the buyer and today, and freeze it on every line."""
    decision = tax_decision_for(organization, buyer)
    return [
        {
            **line,
            "amount": TaxedAmount.from_net(line["net_amount"], decision.rate),
            "tax_rule": decision.rule,
            "tax_rate": decision.rate,
            "tax_wording": decision.wording,
        }
        for line in lines
    ]


def _issue(
    *,
    organization: Organization,
    kind: str,
    buyer: dict,
    currency: str,
    lines: list[dict],
    credit_note_for=None,
) -> Invoice:
    """Record an invoice: numbered without gaps in its series (a locked counter; the unique constraint is the
    last guard), seller and buyer copied, the lines' tax as decided."""
    now = timezone.now()
    net = sum((line["amount"].net for line in lines), Decimal("0.00"))
    tax = sum((line["amount"].tax for line in lines), Decimal("0.00"))
    total = TaxedAmount(net=net, tax=tax, gross=net + tax)
    prefix = "CN" if kind == InvoiceKind.CREDIT_NOTE else "INV"
    # The series is the year where the seller is, not in UTC: 1 January starts at midnight in Switzerland.
    series = f"{prefix}{timezone.localdate(now):%Y}"
    invoice = Invoice.objects.create(
        kind=kind,
        series=series,
        number=_next_number(series),
        organization=organization,
        issued_at=now,
        currency=currency,
        seller=seller_data(),
        buyer=buyer,
        net_amount=total.net,
        tax_amount=total.tax,
        gross_amount=total.gross,
        status=InvoiceStatus.CREDITED if kind == InvoiceKind.CREDIT_NOTE else InvoiceStatus.DUE,
        credit_note_for=credit_note_for,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            order=line.get("order"),
            description=line["description"],
            quantity=1,
            unit_price=line["amount"].net,
            net_amount=line["amount"].net,
            tax_rule=line["tax_rule"],
            tax_rate=line["tax_rate"],
            tax_wording=line["tax_wording"],
            tax_amount=line["amount"].tax,
            gross_amount=line["amount"].gross,
        )
        for line in lines
    )
    return invoice


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, by: User, reason: str) -> Invoice:
    """Correct an issued invoice (staff): a credit note for its whole amount; paid money goes back to the
    wallet as a refund."""
    if not by.is_staff:
        raise PermissionDenied(_("Only staff issue credit notes."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE or invoice.status == InvoiceStatus.CREDITED:
        raise ValidationError(_("This invoice has already been credited."))
    reason = (reason or "").strip() or "Correction"
    # The credit note mirrors the invoice as issued: same buyer, same tax, amounts negated.
    lines = [
        {
            "order": line.order,
            "description": f"Credit for {line.description}",
            "amount": TaxedAmount(net=-line.net_amount, tax=-line.tax_amount, gross=-line.gross_amount),
            "tax_rule": line.tax_rule,
            "tax_rate": line.tax_rate,
            "tax_wording": line.tax_wording,
        }
        for line in invoice.lines.all()
    ]
    credit_note = _issue(
        organization=invoice.organization,
        kind=InvoiceKind.CREDIT_NOTE,
        buyer=invoice.buyer,
        currency=invoice.currency,
        lines=lines,
        credit_note_for=invoice,
    )
    was_paid = invoice.status == InvoiceStatus.PAID
    invoice.status = InvoiceStatus.CREDITED
    invoice.save(update_fields=["status"])
    if was_paid and invoice.gross_amount > 0:
        _move(
            wallet_of(invoice.organization),
            amount=invoice.gross_amount,
            kind=EntryKind.REFUND,
            description=f"Refund of invoice {invoice.display_number} ({credit_note.display_number})",
            by=by,
            invoice=credit_note,
        )
    reversed_cashback = _reverse_cashback(invoice, credit_note, by=by)
    audit_record(
        actor=by,
        organization=invoice.organization,
        action="invoice.credited",
        target=invoice,
        changes={
            "credit_note": credit_note.display_number,
            "reason": reason,
            "refunded": was_paid,
            "cashback_reversed": reversed_cashback,
        },
    )
    return credit_note


def _reverse_cashback(invoice: Invoice, credit_note: Invoice, *, by: User) -> list[str]:
    """A credited order earns no cashback: take it back from the partner's wallet where the balance allows
    (what the partner already spent stays spent; the activity log says which reversals were not possible)."""
    outcomes = []
    orders = Order.objects.filter(invoice_lines__invoice=invoice, cashback_amount__gt=0).select_related(
        "partner"
    )
    for order in orders:
        entry = (
            order.ledger_entries.filter(kind=EntryKind.CASHBACK, amount__gt=0)
            .select_related("wallet")
            .first()
        )
        if entry is None:
            continue
        reversal = _move(
            entry.wallet,
            amount=-entry.amount,
            kind=EntryKind.CASHBACK,
            description=f"Cashback reversed: {credit_note.display_number} credits {invoice.display_number}",
            by=by,
            order=order,
        )
        outcomes.append(f"{order.partner}: {'reversed' if reversal else 'balance too low, not reversed'}")
    return outcomes


# Orders and renewals


def _period_length(product_type: ProductType) -> timedelta:
    return timedelta(days=30) if product_type.period == BillingPeriod.MONTH else timedelta(days=365)


def _place(
    *,
    product: Product,
    kind: str,
    placed_by_partner: Organization | None,
    by: User | None,
    acting_for: Organization | None,
) -> Order:
    """Charge the quote the pages showed: record the order, extend the product, invoice the payer, pay from
    its wallet, credit the partner's cashback. `placed_by_partner` prices the order (for a renewal: who placed
    the first order); `acting_for` is the partner the user acted for, if any, for the activity log."""
    client = product.organization
    quote = pricing.quote(
        client=client, product_type=product.product_type, placed_by_partner=placed_by_partner
    )
    order = _order_record(product=product, kind=kind, quote=quote, by=by)
    product.expires_at = order.period_end
    product.status = ProductStatus.ACTIVE
    product.save(update_fields=["expires_at", "status"])
    invoice = _order_invoice(order)
    _pay_from_wallet(invoice, by=by)
    if quote.cashback > 0:
        _move(
            wallet_of(quote.partner),
            amount=quote.cashback_credited,
            kind=EntryKind.CASHBACK,
            description=f"Cashback: {in_english(OrderKind(order.kind).label).lower()} of {product.name} "
            f"for {client.name}",
            by=None,
            order=order,
        )
    audit_record(
        actor=by,
        organization=client,
        on_behalf_of=acting_for,
        action=f"order.{kind}",
        target=order,
        changes={
            "product": product.name,
            "payer": quote.payer.name,
            "net": str(quote.net),
            "currency": quote.currency,
            "invoice": invoice.display_number,
            "paid": invoice.status == InvoiceStatus.PAID,
        },
    )
    return order


def _order_record(*, product: Product, kind: str, quote: pricing.Quote, by: User | None) -> Order:
    """The order at the quoted price, for one period from now (a renewal: from the end of the current one)."""
    now = timezone.now()
    start = max(now, product.expires_at) if kind == OrderKind.RENEWAL and product.expires_at else now
    return Order.objects.create(
        organization=product.organization,
        product=product,
        product_type=product.product_type,
        kind=kind,
        placed_by=by,
        placed_by_partner=quote.placed_by_partner,
        partner=quote.partner,
        payment_method=quote.payment_method,
        payer=quote.payer,
        currency=quote.currency,
        public_price=quote.public_price,
        discount_rate=quote.discount_rate,
        net_amount=quote.net,
        cashback_rate=quote.cashback_rate,
        cashback_amount=quote.cashback,
        period_start=start,
        period_end=start + _period_length(product.product_type),
    )


def _order_invoice(order: Order) -> Invoice:
    """The payer's invoice of the order: one line, with the payer's tax."""
    payer, product = order.payer, order.product
    buyer = buyer_data(payer)
    line = {
        "order": order,
        "description": stored_order_line_description(
            kind=order.kind,
            product_type=product.product_type.name,
            product=product.name,
            organization=order.organization.name,
            start=order.period_start,
            end=order.period_end,
        ),
        "net_amount": order.net_amount,
    }
    return _issue(
        organization=payer,
        kind=InvoiceKind.INVOICE,
        buyer=buyer,
        currency=order.currency,
        lines=_taxed_lines(payer, buyer, [line]),
    )


@transaction.atomic
def product_order(*, access: Access, product_type: ProductType, name: str) -> Order:
    """Order a new product: it is installed in the organization, whoever pays for it."""
    if not access.can(Permission.ORDER_PRODUCTS):
        raise PermissionDenied(
            _("You can manage only the products you were given; you cannot order new ones.")
        )
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(
            {"name": _("Enter a name of at most 200 characters (a domain, a site, a drive…).")}
        )
    if not product_type.is_active:
        raise ValidationError({"product_type": _("This product is no longer sold.")})
    product = Product.objects.create(organization=access.organization, product_type=product_type, name=name)
    return _place(
        product=product,
        kind=OrderKind.NEW,
        placed_by_partner=access.on_behalf_of,
        by=access.user,
        acting_for=access.on_behalf_of,
    )


@transaction.atomic
def product_renew(*, access: Access, product: Product) -> Order:
    """Renew a product for one more period. It counts as placed by whoever placed its first order, under the
    payment method in force today."""
    if not access.can(Permission.MANAGE_PRODUCTS) or not access.can_see_product(product):
        raise PermissionDenied(_("You cannot renew this product."))
    product = Product.objects.select_for_update().get(pk=product.pk)
    return _renew(product, by=access.user, acting_for=access.on_behalf_of)


def _renew(product: Product, *, by: User | None, acting_for: Organization | None) -> Order:
    return _place(
        product=product,
        kind=OrderKind.RENEWAL,
        placed_by_partner=pricing.renewal_placed_by(product),
        by=by,
        acting_for=acting_for,
    )


def renewals_run(*, now=None) -> int:
    """Renew every active, auto-renewing product whose period ends within a day, once however many runs
    there are at the same time (the product row is locked and its end read again); a product that is not
    renewed automatically (cancelled, or auto-renewal off) expires when its period ends (manage.py
    run_renewals, a periodic task)."""
    now = now or timezone.now()
    due = Product.objects.filter(
        status=ProductStatus.ACTIVE,
        auto_renew=True,
        cancelled_at__isnull=True,
        expires_at__lte=now + timedelta(days=1),
    )
    count = 0
    for product_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            product = Product.objects.select_for_update().get(pk=product_id)
            if product.expires_at is None or product.expires_at > now + timedelta(days=1):
                continue  # renewed meanwhile
            if not product.auto_renew or product.cancelled_at is not None:
                continue  # cancelled meanwhile
            _renew(product, by=None, acting_for=None)
            count += 1
    _products_expire(now=now)
    return count


def _products_expire(*, now) -> None:
    """Products past their end that are not renewed automatically expire (each once, with an audit event)."""
    ended = Product.objects.filter(status=ProductStatus.ACTIVE, expires_at__lte=now).exclude(
        auto_renew=True, cancelled_at__isnull=True
    )
    for product_id in ended.values_list("pk", flat=True):
        with transaction.atomic():
            product = Product.objects.select_for_update().get(pk=product_id)
            if product.status != ProductStatus.ACTIVE or product.expires_at > now:
                continue
            if product.auto_renew and product.cancelled_at is None:
                continue
            product.status = ProductStatus.EXPIRED
            product.save(update_fields=["status"])
            audit_record(
                actor=None,
                organization=product.organization,
                action="product.expired",
                target=product,
                changes={"product": product.name, "cancelled": product.cancelled_at is not None},
            )


# Subscriptions: auto-renewal, cancellation, change of type, reminders


def _product_to_manage(access: Access, product: Product) -> Product:
    if not access.can(Permission.MANAGE_PRODUCTS) or not access.can_see_product(product):
        raise PermissionDenied(_("You cannot manage this product."))
    return Product.objects.select_for_update().select_related("product_type__category").get(pk=product.pk)


@transaction.atomic
def product_auto_renew_set(*, access: Access, product: Product, auto_renew: bool) -> Product:
    """Turn the automatic renewal of a product on or off. Turning it on takes back a cancellation."""
    product = _product_to_manage(access, product)
    if product.status == ProductStatus.EXPIRED:
        raise ValidationError({"auto_renew": _("This product has ended; renew it to use it again.")})
    auto_renew = bool(auto_renew)
    before = {"auto_renew": product.auto_renew, "cancelled": product.cancelled_at is not None}
    product.auto_renew = auto_renew
    if auto_renew:
        product.cancelled_at = None
    product.save(update_fields=["auto_renew", "cancelled_at"])
    after = {"auto_renew": product.auto_renew, "cancelled": product.cancelled_at is not None}
    if before != after:
        audit_record(
            actor=access.user,
            organization=product.organization,
            on_behalf_of=access.on_behalf_of,
            action="product.auto_renew_changed",
            target=product,
            changes={"auto_renew": [before["auto_renew"], auto_renew]},
        )
    return product


@transaction.atomic
def product_cancel(*, access: Access, product: Product) -> Product:
    """Cancel a product at the end of its period: it is not renewed, and it ends on its end date. Cancelling
    twice changes nothing."""
    product = _product_to_manage(access, product)
    if product.status == ProductStatus.EXPIRED:
        raise ValidationError(_("This product has already ended."))
    if product.cancelled_at is not None:
        return product
    product.cancelled_at = timezone.now()
    product.auto_renew = False
    product.save(update_fields=["auto_renew", "cancelled_at"])
    audit_record(
        actor=access.user,
        organization=product.organization,
        on_behalf_of=access.on_behalf_of,
        action="product.cancelled",
        target=product,
        changes={"product": product.name, "ends": product.expires_at.isoformat()},
    )
    return product


@transaction.atomic
def product_change_type(*, access: Access, product: Product, product_type: ProductType) -> Invoice | None:
    """Upgrade or downgrade a product to another type of its category until the end of its period: the
    difference for the time left is invoiced (and paid from the wallet when the balance covers it) or, for a
    cheaper type, credited with a credit note whose amount goes back to the payer's wallet; both with the
    payer's tax. None when the difference is nothing."""
    product = _product_to_manage(access, product)
    if product.status != ProductStatus.ACTIVE:
        raise ValidationError({"product_type": _("Only an active product changes type.")})
    if product_type.pk == product.product_type_id:
        raise ValidationError({"product_type": _("This is already the product's type.")})
    if product_type.category_id != product.product_type.category_id:
        raise ValidationError({"product_type": _("Choose a type of the same category.")})
    if not product_type.is_active:
        raise ValidationError({"product_type": _("This product is no longer sold.")})
    change = pricing.type_change_quote(product=product, product_type=product_type)
    previous = product.product_type
    product.product_type = product_type
    product.save(update_fields=["product_type"])
    order = Order.objects.create(
        organization=product.organization,
        product=product,
        product_type=product_type,
        kind=OrderKind.CHANGE,
        placed_by=access.user,
        placed_by_partner=change.new.placed_by_partner,
        partner=change.new.partner,
        payment_method=change.new.payment_method,
        payer=change.payer,
        currency=change.currency,
        public_price=change.new.public_price,
        discount_rate=change.new.discount_rate,
        net_amount=change.net,
        period_start=change.start,
        period_end=change.end,
    )
    invoice = None
    if change.net > 0:
        invoice = _order_invoice(order)
        _pay_from_wallet(invoice, by=access.user)
        invoice.refresh_from_db()
    elif change.net < 0:
        invoice = _change_credit_note(order, by=access.user)
    audit_record(
        actor=access.user,
        organization=product.organization,
        on_behalf_of=access.on_behalf_of,
        action="product.type_changed",
        target=product,
        changes={
            "product_type": [previous.slug, product_type.slug],
            "payer": change.payer.name,
            "net": str(change.net),
            "currency": change.currency,
            "invoice": invoice.display_number if invoice else None,
        },
    )
    return invoice


def _change_credit_note(order: Order, *, by: User | None) -> Invoice:
    """A credit note for a downgrade, with the payer's tax; its amount goes back to the payer's wallet."""
    payer, product = order.payer, order.product
    buyer = buyer_data(payer)
    line = {
        "order": order,
        "description": stored_order_line_description(
            kind=order.kind,
            product_type=product.product_type.name,
            product=product.name,
            organization=order.organization.name,
            start=order.period_start,
            end=order.period_end,
        ),
        "net_amount": order.net_amount,
    }
    credit_note = _issue(
        organization=payer,
        kind=InvoiceKind.CREDIT_NOTE,
        buyer=buyer,
        currency=order.currency,
        lines=_taxed_lines(payer, buyer, [line]),
    )
    _move(
        wallet_of(payer),
        amount=-credit_note.gross_amount,
        kind=EntryKind.REFUND,
        description=f"Credit note {credit_note.display_number} (change of type)",
        by=by,
        invoice=credit_note,
    )
    return credit_note


@transaction.atomic
def invoice_pay(*, access: Access, invoice: Invoice) -> Invoice:
    """Pay a due invoice now from the organization's wallet ("Pay now"), when the balance covers it. Paying a
    paid invoice again changes nothing (the same answer, no second payment); the wallet row is locked first,
    as a top-up does, so two payments at once take the money once."""
    if not access.can(Permission.TOP_UP_WALLET) or invoice.organization_id != access.organization.pk:
        raise PermissionDenied(_("Only members of the organization that pays can pay its invoices."))
    wallet = Wallet.objects.select_for_update().get(pk=wallet_of(access.organization).pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status == InvoiceStatus.PAID:
        return invoice
    if invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.DUE:
        raise ValidationError(_("This invoice is not due."))
    if not _pay_from_wallet(invoice, by=access.user):
        raise ValidationError(
            _("The wallet's balance (%(balance)s) does not cover this invoice (%(amount)s). Top up first.")
            % {
                "balance": f"{wallet.currency} {wallet.balance}",
                "amount": f"{invoice.currency} {invoice.gross_amount}",
            }
        )
    invoice.refresh_from_db()
    audit_record(
        actor=access.user,
        organization=access.organization,
        action="invoice.paid",
        target=invoice,
        changes={"invoice": invoice.display_number, "amount": str(invoice.gross_amount), "from": "wallet"},
    )
    return invoice


REMINDER_DAYS = (30, 7)


def _billing_recipients(organization: Organization) -> list[str]:
    """Who reads an organization's renewal reminders: its legal representatives and administrators."""
    return list(
        Membership.objects.filter(
            organization=organization,
            role__in=[Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR],
            user__is_active=True,
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def renewal_reminders_send(*, now=None) -> int:
    """Remind whoever pays a product 30 and 7 days before its period ends, once each (the reminder's row is
    unique per product, period and lead time: a second run, even at the same time, sends nothing). Cancelled
    products are not reminded of."""
    now = now or timezone.now()
    sent = 0
    for days in REMINDER_DAYS:
        later = min((d for d in REMINDER_DAYS if d < days), default=None)
        window = Product.objects.filter(
            status=ProductStatus.ACTIVE,
            cancelled_at__isnull=True,
            expires_at__gt=now + timedelta(days=later) if later else now,
            expires_at__lte=now + timedelta(days=days),
        ).exclude(
            Exists(
                RenewalReminder.objects.filter(
                    product=OuterRef("pk"), days_before=days, period_end=OuterRef("expires_at")
                )
            )
        )
        for product in window.select_related("organization", "product_type"):
            sent += _remind(product, days=days)
    return sent


def _remind(product: Product, *, days: int) -> int:
    quote = pricing.quote(
        client=product.organization,
        product_type=product.product_type,
        placed_by_partner=pricing.renewal_placed_by(product),
    )
    payer = quote.payer
    try:
        with transaction.atomic():
            RenewalReminder.objects.create(
                product=product, period_end=product.expires_at, days_before=days, payer=payer
            )
            amount = TaxedAmount.from_net(quote.net, tax_decision_for(payer).rate)
            email_on_commit(
                to=_billing_recipients(payer),
                template="renewal_reminder",
                context={
                    "product": product.name,
                    "product_type": product.product_type.name,
                    "client": product.organization.name,
                    "payer": payer.name,
                    "ends": product.expires_at,
                    "days": days,
                    "auto_renew": product.auto_renew,
                    "net": format_money(amount.net, quote.currency),
                    "gross": format_money(amount.gross, quote.currency),
                },
                fallback_language=organization_language(payer),
            )
    except IntegrityError:
        return 0  # another run sent it
    except ValidationError:
        logger.warning("No tax rate for the renewal reminder of product %s", product.pk)
        return 0
    return 1


# Billing-history export of managed clients

EXPORT_PROGRESS_EVERY = 1000


@transaction.atomic
def billing_export_request(
    *, access: Access, export: BillingExport, stream: bool, prepare: bool = False
) -> BillingExportJob:
    """A partner user asks for a billing-history export; the activity log names its type, period and client
    count. With `stream` the caller sends the file in its response at once (the API's direct export);
    with `prepare` it is prepared in the background whatever its size (the API's prepared export); otherwise
    an export above `BILLING_EXPORT_INLINE_MAX_ROWS` rows is prepared in the background for the requester."""
    if not access.can(Permission.VIEW_MANAGED_CLIENTS) or export.partner.pk != access.organization.pk:
        raise PermissionDenied(_("Only the partner's own users export its managed clients' billing history."))
    row_count = export_row_count(export)
    background = prepare or (not stream and row_count > settings.BILLING_EXPORT_INLINE_MAX_ROWS)
    ticked = export.client_ids is not None
    job = BillingExportJob.objects.create(
        organization=access.organization,
        requested_by=access.user,
        history=export.history,
        date_from=export.date_from,
        date_to=export.date_to,
        # Ticked clients by id; otherwise the filters, resolved again when the file is written.
        client_ids=list(export.client_ids) if ticked else [],
        client_filter=None if ticked else export.client_filter.as_dict(),
        status=ExportStatus.QUEUED if background else ExportStatus.STREAMED,
        row_count=row_count,
        filename=export.filename,
    )
    audit_record(
        actor=access.user,
        organization=access.organization,
        action="billing.export",
        target=job,
        changes={
            "history": export.history,
            "from": export.date_from.isoformat(),
            "to": export.date_to.isoformat(),
            "clients": export.client_count(),
            **({} if ticked else {"filters": export.client_filter.as_dict()}),
            "rows": row_count,
            "delivery": "background" if background else "download",
        },
    )
    if background:
        from billing.tasks import run_billing_export  # the tasks module calls these services

        enqueue_with_transaction(run_billing_export, job.pk)
    return job


def billing_export_claim(*, job: BillingExportJob) -> bool:
    """Serve a direct download once: True for the first request of the file, False afterwards."""
    claimed = BillingExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.STREAMED, downloaded_at__isnull=True
    ).update(downloaded_at=timezone.now())
    return claimed == 1


def billing_export_file_name(job: BillingExportJob) -> str:
    """One name per export in the default storage, whichever attempt writes it: no attempt leaves a second
    file."""
    return f"billing-exports/export-{job.pk}.csv"


def billing_export_run(*, job_id: int) -> BillingExportJob:
    """Write a queued export to the default storage, counting rows as they are written (the page shows the
    progress); the file is kept `BILLING_EXPORT_KEEP_HOURS` hours. Rows stream through a temporary file on
    disk, so memory does not grow with the export.

    Each run is an attempt. A run that finds the export still "being prepared" follows an attempt whose worker
    was lost (the queue runs the task again): it starts again from the first row. An error queues the export
    again; after `BILLING_EXPORT_MAX_ATTEMPTS` attempts it fails, with a message the user sees. Only the
    latest attempt writes progress and the result."""
    job = BillingExportJob.objects.select_related("organization").get(pk=job_id)
    if job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return job
    attempt = job.attempts + 1
    if attempt > settings.BILLING_EXPORT_MAX_ATTEMPTS:
        return _billing_export_fail(job, attempts=job.attempts)
    claimed = BillingExportJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts).update(
        status=ExportStatus.RUNNING, attempts=attempt, rows_written=0, error=""
    )
    if not claimed:  # another run took it meanwhile
        job.refresh_from_db()
        return job
    this_attempt = BillingExportJob.objects.filter(pk=job.pk, attempts=attempt)
    written = 0
    try:
        with tempfile.TemporaryFile() as spool:
            for number, line in enumerate(export_lines(export_of_job(job))):
                spool.write(line.encode())
                written = number  # the header is line 0
                if number and number % EXPORT_PROGRESS_EVERY == 0:
                    this_attempt.update(rows_written=number)
            spool.seek(0)
            name = billing_export_file_name(job)
            default_storage.delete(name)  # left by an attempt lost after writing it
            name = default_storage.save(name, File(spool))
    except Exception:
        logger.exception("Billing export %s failed (attempt %s)", job.pk, attempt)
        if attempt >= settings.BILLING_EXPORT_MAX_ATTEMPTS:
            return _billing_export_fail(job, attempts=attempt)
        if this_attempt.update(status=ExportStatus.QUEUED):
            from billing.tasks import run_billing_export  # the tasks module calls these services

            enqueue_after(run_billing_export, timedelta(seconds=30 * attempt), job.pk)
    else:
        now = timezone.now()
        this_attempt.update(
            status=ExportStatus.READY,
            rows_written=written,
            file=name,
            finished_at=now,
            expires_at=now + timedelta(hours=settings.BILLING_EXPORT_KEEP_HOURS),
        )
    job.refresh_from_db()
    return job


def _billing_export_fail(job: BillingExportJob, *, attempts: int) -> BillingExportJob:
    BillingExportJob.objects.filter(pk=job.pk, attempts=attempts).update(
        status=ExportStatus.FAILED,
        finished_at=timezone.now(),
        error=f"The export could not be prepared ({attempts} attempts). Export it again; if it fails again, "
        "choose a shorter period or contact support.",
    )
    job.refresh_from_db()
    return job


def billing_exports_delete_expired(*, now=None) -> int:
    """Delete the files of exports kept past their time (a periodic task; manage.py delete_expired_exports).
    Two runs at once share the work: each export is marked expired by one of them, which deletes its file."""
    now = now or timezone.now()
    count = 0
    for job in BillingExportJob.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        if not BillingExportJob.objects.filter(pk=job.pk, status=ExportStatus.READY).update(
            status=ExportStatus.EXPIRED, file=""
        ):
            continue
        if job.file:
            default_storage.delete(job.file)
        count += 1
    return count
