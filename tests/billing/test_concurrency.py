"""Money under concurrent requests: real threads, each with its own database connection, released together by
a barrier. The wallet never goes below zero, pays what its balance covers and nothing twice, and invoice
numbers stay unique and gap-free. On PostgreSQL this exercises the conditional updates and row locks; on
SQLite, a file database whose IMMEDIATE transactions queue the writers (see `shared_database`)."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from billing import services
from billing.models import (
    EntryKind,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    LedgerEntry,
    Order,
    OrderKind,
    RenewalReminder,
    Wallet,
)
from organizations.access import resolve_access
from organizations.models import Product, ProductType
from tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 60
THREADS = 8
WEB_HOSTING_GROSS = Decimal("74.59")  # 69.00 + 8.1 % Swiss VAT


@pytest.fixture(autouse=True)
def race_database(shared_database, catalog):
    """The shared database, with the rows of the data migrations loaded again (see `catalog`)."""


def run_together(*calls):
    """Run each call in its own thread, released at once; returns what each returned or raised.

    A call returns the function to race: what it reads before (access, objects) runs on the thread's own
    connection, before the barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            prepared = call()
            barrier.wait(timeout=TIMEOUT)
            outcomes[index] = prepared()
        except (ValidationError, PermissionDenied) as refusal:
            outcomes[index] = refusal
        except BaseException as error:
            outcomes[index] = error
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), "a thread is still waiting: the calls deadlocked"
    return outcomes


def ordering(user, organization, name):
    def prepare():
        access = resolve_access(user, organization)
        web_hosting = ProductType.objects.get(slug="web-hosting")
        return lambda: services.product_order(access=access, product_type=web_hosting, name=name)

    return prepare


def assert_ledger_explains_the_balance(organization):
    entries = list(LedgerEntry.objects.filter(wallet__organization=organization).order_by("pk"))
    balance = Wallet.objects.get(organization=organization).balance
    assert balance >= 0
    assert sum((entry.amount for entry in entries), Decimal("0")) == balance
    running = Decimal("0")
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running, f"{entry} after {running}"
    return balance


def assert_gap_free(numbers):
    assert len(numbers) == len(set(numbers)), f"duplicate numbers: {sorted(numbers)}"
    assert sorted(numbers) == list(range(min(numbers), min(numbers) + len(numbers))), sorted(numbers)


def test_orders_racing_for_one_wallet_pay_only_what_its_balance_covers(
    client_org, client_legal, partner_org, partner_legal, partnership, top_up
):
    """A partner places 8 orders for a client at once (the client pays, the partner earns cashback); the
    client's 300.00 cover four invoices of 74.59."""
    partnership(access="full", payment_method="client")
    top_up(client_org, "300.00")

    outcomes = run_together(
        *(ordering(partner_legal, client_org, f"race{index}.example") for index in range(THREADS))
    )

    placed = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    invoices = Invoice.objects.filter(organization=client_org, kind=InvoiceKind.INVOICE)
    assert invoices.count() == len(placed)
    paid = invoices.filter(status=InvoiceStatus.PAID).count()
    assert paid == min(len(placed), int(Decimal("300.00") // WEB_HOSTING_GROSS))
    assert LedgerEntry.objects.filter(wallet__organization=client_org, kind=EntryKind.PAYMENT).count() == paid
    assert assert_ledger_explains_the_balance(client_org) == Decimal("300.00") - paid * WEB_HOSTING_GROSS
    cashbacks = LedgerEntry.objects.filter(wallet__organization=partner_org, kind=EntryKind.CASHBACK).count()
    assert cashbacks == len(placed)
    assert assert_ledger_explains_the_balance(partner_org) == len(placed) * Decimal("6.90")
    assert_gap_free(list(Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("number", flat=True)))
    refused = [outcome for outcome in outcomes if not isinstance(outcome, Order)]
    assert not refused, f"every order is placed: {refused!r}"
    assert paid == 4


def test_top_ups_racing_over_due_invoices_pay_each_invoice_once_oldest_first(client_org, client_legal, order):
    """Eight due invoices of 74.59; eight top-ups of 40.00 at once settle what 320.00 cover: the four oldest,
    each once."""
    due = [order(client_legal, client_org, name=f"due{index}.example") for index in range(THREADS)]
    due_invoices = [placed.invoice_lines.get().invoice for placed in due]
    assert {invoice.status for invoice in due_invoices} == {InvoiceStatus.DUE}

    def topping_up():
        access = resolve_access(client_legal, client_org)
        return lambda: services.wallet_top_up(access=access, amount="40.00")

    outcomes = run_together(*(topping_up for _ in range(THREADS)))

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes), outcomes
    payments = list(
        LedgerEntry.objects.filter(wallet__organization=client_org, kind=EntryKind.PAYMENT).values_list(
            "invoice_id", flat=True
        )
    )
    assert len(payments) == len(set(payments)) == 4, "no invoice is paid twice"
    assert set(payments) == {invoice.pk for invoice in due_invoices[:4]}, "the oldest first"
    assert Invoice.objects.filter(status=InvoiceStatus.PAID).count() == 4
    assert assert_ledger_explains_the_balance(client_org) == Decimal("320.00") - 4 * WEB_HOSTING_GROSS


@pytest.mark.parametrize("issuers", [2, THREADS])
def test_invoices_issued_at_the_same_moment_get_consecutive_numbers(issuers):
    """Organizations ordering at the same moment share the series: no number twice, none skipped, and no
    order refused because another one took its number."""
    buyers = [OrganizationFactory(country="CH") for _ in range(issuers)]
    users = [member(buyer) for buyer in buyers]

    outcomes = run_together(
        *(
            ordering(user, buyer, f"site{index}.example")
            for index, (user, buyer) in enumerate(zip(users, buyers, strict=True))
        )
    )

    refused = [outcome for outcome in outcomes if not isinstance(outcome, Order)]
    assert not refused, refused
    numbers = list(Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("number", flat=True))
    assert len(numbers) == issuers
    assert_gap_free(numbers)
    assert {invoice.organization_id for invoice in Invoice.objects.all()} == {buyer.pk for buyer in buyers}


def test_a_top_up_racing_a_credit_note_does_not_pay_the_credited_invoice(
    client_org, client_legal, staff, order, monkeypatch
):
    """Staff credit a due invoice while the client tops up: the invoice ends credited and unpaid, and the
    client keeps the money (or gets it back)."""
    invoice = order(client_legal, client_org).invoice_lines.get().invoice
    crediting = threading.Event()
    record = services.audit_record

    def slow_audit_record(**event):
        # The credit note holds its lock on the invoice a moment longer, so that the top-up runs meanwhile.
        if event["action"] == "invoice.credited":
            crediting.set()
            time.sleep(1)
        return record(**event)

    monkeypatch.setattr(services, "audit_record", slow_audit_record)

    def credit():
        target = Invoice.objects.get(pk=invoice.pk)
        return lambda: services.credit_note_issue(invoice=target, by=staff, reason="duplicate")

    def topping_up():
        access = resolve_access(client_legal, client_org)

        def top_up():
            assert crediting.wait(TIMEOUT)
            return services.wallet_top_up(access=access, amount="100.00")

        return top_up

    credit_note, entry = run_together(credit, topping_up)

    assert isinstance(credit_note, Invoice), credit_note
    assert isinstance(entry, LedgerEntry), entry
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    payments = LedgerEntry.objects.filter(invoice=invoice, kind=EntryKind.PAYMENT).count()
    refunds = LedgerEntry.objects.filter(kind=EntryKind.REFUND).count()
    assert payments == refunds, "a credited invoice is not paid, or its payment is refunded"
    assert assert_ledger_explains_the_balance(client_org) == Decimal("100.00")


def test_fifty_orders_against_a_balance_that_covers_ten_pay_exactly_ten(
    client_org, client_legal, partner_org, partner_legal, partnership, top_up
):
    """50 concurrent debits against a balance that covers 10: exactly 10 invoices are paid from the wallet,
    the other 40 stay due, no payment is lost or doubled, and the ledger sums to the balance (zero)."""
    partnership(access="full", payment_method="client")
    top_up(client_org, str(10 * WEB_HOSTING_GROSS))

    outcomes = run_together(
        *(ordering(partner_legal, client_org, f"fifty{index}.example") for index in range(50))
    )

    placed = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    assert len(placed) == 50, [outcome for outcome in outcomes if not isinstance(outcome, Order)]
    invoices = Invoice.objects.filter(organization=client_org, kind=InvoiceKind.INVOICE)
    assert invoices.filter(status=InvoiceStatus.PAID).count() == 10
    assert invoices.filter(status=InvoiceStatus.DUE).count() == 40
    assert LedgerEntry.objects.filter(wallet__organization=client_org, kind=EntryKind.PAYMENT).count() == 10
    assert assert_ledger_explains_the_balance(client_org) == Decimal("0.00")
    assert_gap_free(list(invoices.values_list("number", flat=True)))


# Subscriptions


def test_renewals_run_twice_at_once_renew_each_product_once(client_org, client_legal, order):
    products = [order(client_legal, client_org, name=f"renew{index}.example").product for index in range(3)]
    Product.objects.filter(pk__in=[p.pk for p in products]).update(
        expires_at=timezone.now() + timedelta(hours=2)
    )

    outcomes = run_together(*(lambda: services.renewals_run for _ in range(2)))

    assert sorted(outcomes) == [0, 3] or sum(outcomes) == 3, outcomes
    for product in products:
        assert product.orders.filter(kind=OrderKind.RENEWAL).count() == 1, product.name
    renewal_invoices = Invoice.objects.filter(lines__order__kind=OrderKind.RENEWAL)
    assert renewal_invoices.count() == 3
    assert_gap_free(list(Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("number", flat=True)))


def test_reminders_sent_twice_at_once_are_sent_once(client_org, client_legal, order):
    product = order(client_legal, client_org).product
    Product.objects.filter(pk=product.pk).update(expires_at=timezone.now() + timedelta(days=20))

    outcomes = run_together(*(lambda: services.renewal_reminders_send for _ in range(THREADS)))

    assert sum(outcomes) == 1, outcomes
    assert RenewalReminder.objects.filter(product=product).count() == 1


def test_pay_now_clicked_at_once_with_a_top_up_pays_the_invoice_once(client_org, client_legal, order, top_up):
    """Pay now, clicked in several tabs while a top-up settles due invoices: the invoice is paid once, and
    the wallet explains its balance."""
    invoice = order(client_legal, client_org).invoice_lines.get().invoice
    with transaction.atomic():  # money that arrived without a top-up (a refund): no invoice is settled
        services._move(
            services.wallet_of(client_org),
            amount=Decimal("80.00"),
            kind=EntryKind.REFUND,
            description="Refund",
            by=None,
        )

    def paying():
        access = resolve_access(client_legal, client_org)
        target = Invoice.objects.get(pk=invoice.pk)
        return lambda: services.invoice_pay(access=access, invoice=target)

    def topping_up():
        access = resolve_access(client_legal, client_org)
        return lambda: services.wallet_top_up(access=access, amount="10.00")

    outcomes = run_together(*(paying for _ in range(THREADS - 1)), topping_up)

    assert all(not isinstance(outcome, BaseException) for outcome in outcomes), outcomes
    assert LedgerEntry.objects.filter(invoice=invoice, kind=EntryKind.PAYMENT).count() == 1
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert assert_ledger_explains_the_balance(client_org) == Decimal("90.00") - WEB_HOSTING_GROSS
