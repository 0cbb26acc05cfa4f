"""The wallet: top-ups, a balance explained by an append-only ledger, due invoices settled by a top-up, and a
balance that can never go below zero."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from billing import services
from billing.models import EntryKind, InvoiceStatus, LedgerEntry, Wallet
from core.models import AuditEvent
from organizations.models import Role
from tests.factories import member


@pytest.mark.parametrize(
    ("amount", "credited"),
    [
        ("50", "50.00"),
        ("50.00", "50.00"),
        (Decimal("0.01"), "0.01"),
        (25, "25.00"),
        ("10.005", "10.01"),  # rounded to the cent, half up
        (10.005, "10.01"),  # a float is read as it prints, never as its binary value
        ("10.004", "10.00"),
        (" 12.5 ", "12.50"),
        ("100000.00", "100000.00"),
        ("100000.004", "100000.00"),
    ],
)
def test_a_top_up_credits_the_rounded_amount(client_org, client_legal, acting, balance, amount, credited):
    entry = services.wallet_top_up(access=acting(client_legal, client_org), amount=amount)

    assert (entry.kind, entry.amount, entry.balance_after) == (
        EntryKind.TOP_UP,
        Decimal(credited),
        Decimal(credited),
    )
    assert entry.created_by == client_legal
    assert balance(client_org) == Decimal(credited)
    [event] = AuditEvent.objects.filter(action="wallet.topped_up")
    assert (event.organization, event.actor) == (client_org, client_legal)
    assert event.changes == {"amount": credited, "currency": "CHF", "balance": credited}


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        0,
        "0.00",
        "0.004",
        "-5",
        -0.01,
        "abc",
        "",
        "  ",
        None,
        "1,50",
        "100000.01",
        "1e6",
        "Infinity",
        "NaN",
    ],
)
def test_a_top_up_of_an_invalid_amount_is_refused_and_changes_nothing(
    client_org, client_legal, acting, amount
):
    with pytest.raises(ValidationError) as refused:
        services.wallet_top_up(access=acting(client_legal, client_org), amount=amount)

    assert set(refused.value.message_dict) == {"amount"}
    assert not LedgerEntry.objects.exists()
    assert not Wallet.objects.filter(balance__gt=0).exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER])
def test_members_who_see_billing_can_top_up(client_org, acting, balance, role):
    services.wallet_top_up(access=acting(member(client_org, role), client_org), amount="10")

    assert balance(client_org) == Decimal("10.00")


@pytest.mark.parametrize("access", ["full", "limited"])
def test_a_partner_cannot_top_up_its_clients_wallet(client_org, partner_legal, partnership, acting, access):
    partnership(access=access)

    with pytest.raises(PermissionDenied):
        services.wallet_top_up(access=acting(partner_legal, client_org), amount="10")

    assert not LedgerEntry.objects.exists()


def test_an_external_member_cannot_top_up(client_org, client_external, acting):
    with pytest.raises(PermissionDenied):
        services.wallet_top_up(access=acting(client_external, client_org), amount="10")

    assert not LedgerEntry.objects.exists()


def test_the_balance_is_the_sum_of_the_ledger_and_each_entry_records_the_running_balance(
    client_org, client_legal, partner_org, partner_legal, partnership, order, top_up, staff, balance, ledger
):
    partnership(access="full", payment_method="partner")
    top_up(client_org, "100")
    first = order(client_legal, client_org, name="one.example")  # -74.59
    top_up(client_org, "60.50")
    order(client_legal, client_org, name="two.example")  # -74.59
    services.credit_note_issue(invoice=first.invoice_lines.get().invoice, by=staff, reason="refund")  # +74.59
    top_up(partner_org, "20")
    order(partner_legal, client_org, name="three.example")  # the partner pays 63.40: not covered

    for organization in (client_org, partner_org):
        entries = ledger(organization)
        running = Decimal("0")
        for entry in entries:
            running += entry.amount
            assert entry.balance_after == running, entry
        assert balance(organization) == running == sum(entry.amount for entry in entries)
    assert [entry.kind for entry in ledger(client_org)] == [
        EntryKind.TOP_UP,
        EntryKind.PAYMENT,
        EntryKind.TOP_UP,
        EntryKind.PAYMENT,
        EntryKind.REFUND,
    ]
    assert balance(client_org) == Decimal("85.91")
    # The credit note takes back the cashback the first order earned (6.90).
    assert [(entry.kind, entry.amount) for entry in ledger(partner_org)] == [
        (EntryKind.CASHBACK, Decimal("6.90")),
        (EntryKind.CASHBACK, Decimal("6.90")),
        (EntryKind.CASHBACK, Decimal("-6.90")),
        (EntryKind.TOP_UP, Decimal("20.00")),
    ]
    assert balance(partner_org) == Decimal("26.90")


def test_the_ledger_is_append_only(client_org, top_up):
    entry = top_up(client_org, "10")

    entry.amount = Decimal("1000")
    with pytest.raises(PermissionError, match="append-only"):
        entry.save()
    with pytest.raises(PermissionError, match="append-only"):
        entry.delete()
    with pytest.raises(PermissionError, match="append-only"):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1000"))
    with pytest.raises(PermissionError, match="append-only"):
        LedgerEntry.objects.all().delete()

    entry.refresh_from_db()
    assert entry.amount == Decimal("10.00")


def test_a_top_up_settles_due_invoices_oldest_first_as_far_as_the_balance_goes(
    client_org, client_legal, order, product_type, top_up, balance, ledger
):
    def due(slug):
        invoice = order(
            client_legal, client_org, product_type=product_type(slug), name=slug
        ).invoice_lines.get()
        assert invoice.invoice.status == InvoiceStatus.DUE
        return invoice.invoice

    oldest = due("web-hosting")  # 74.59
    middle = due("domain-ch")  # 12.97
    newest = due("newsletter")  # 97.29

    top_up(client_org, "90")  # pays 74.59 and 12.97, not 97.29

    for invoice in (oldest, middle, newest):
        invoice.refresh_from_db()
    assert [oldest.status, middle.status, newest.status] == [
        InvoiceStatus.PAID,
        InvoiceStatus.PAID,
        InvoiceStatus.DUE,
    ]
    assert balance(client_org) == Decimal("2.44")
    assert [(entry.kind, entry.invoice) for entry in ledger(client_org, EntryKind.PAYMENT)] == [
        (EntryKind.PAYMENT, oldest),
        (EntryKind.PAYMENT, middle),
    ]

    top_up(client_org, "100")

    newest.refresh_from_db()
    assert newest.status == InvoiceStatus.PAID
    assert balance(client_org) == Decimal("5.15")


@pytest.mark.parametrize(
    "top_ups",
    [["74.59"], ["70.00", "4.59"], ["0.10", "74.49"], ["2.44", "72.15"], ["0.02", "74.57"]],
    ids=lambda amounts: "+".join(amounts),
)
def test_a_balance_made_of_several_top_ups_pays_an_invoice_of_exactly_that_amount(
    client_org, client_legal, order, top_up, balance, top_ups
):
    """The balance is money, not a binary float: 0.10 + 74.49 is 74.59, which pays 69.00 + 5.59 VAT."""
    for amount in top_ups:
        top_up(client_org, amount)
    assert balance(client_org) == Decimal("74.59")

    invoice = order(client_legal, client_org).invoice_lines.get().invoice

    assert invoice.status == InvoiceStatus.PAID
    assert balance(client_org) == 0
    assert Wallet.objects.filter(organization=client_org, balance=0).exists()


def test_a_top_up_never_pays_a_newer_invoice_before_an_older_one(
    client_org, client_legal, order, product_type, top_up, balance
):
    def due(slug):
        return (
            order(client_legal, client_org, product_type=product_type(slug), name=slug)
            .invoice_lines.get()
            .invoice
        )

    older = due("newsletter")  # 97.29
    newer = due("ssl-dv")  # 9.73

    top_up(client_org, "20")  # would cover the certificate, but the newsletter is first in line

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == (InvoiceStatus.DUE, InvoiceStatus.DUE)
    assert balance(client_org) == Decimal("20.00")


def test_credit_notes_and_paid_invoices_are_not_settled_by_a_top_up(
    client_org, client_legal, order, top_up, staff, balance, ledger
):
    credited = order(client_legal, client_org, name="credited.example").invoice_lines.get().invoice
    services.credit_note_issue(invoice=credited, by=staff, reason="mistake")

    top_up(client_org, "500")

    assert ledger(client_org, EntryKind.PAYMENT) == []
    assert balance(client_org) == Decimal("500.00")


def test_the_database_refuses_a_negative_balance(client_org, top_up):
    top_up(client_org, "10")
    wallet = Wallet.objects.get(organization=client_org)

    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(balance=Decimal("-1"))

    wallet.refresh_from_db()
    assert wallet.balance == Decimal("10.00")


def test_the_database_refuses_a_ledger_entry_that_leaves_a_negative_balance_or_moves_nothing(
    client_org, top_up
):
    wallet = top_up(client_org, "10").wallet

    for amount, balance_after in ((Decimal("-11"), Decimal("-1")), (Decimal("0"), Decimal("10"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                wallet=wallet,
                kind=EntryKind.PAYMENT,
                amount=amount,
                balance_after=balance_after,
                description="x",
            )

    assert LedgerEntry.objects.filter(wallet=wallet).count() == 1
