"""Cashback payouts: a partner's legal representative or administrator asks to pay out cashback to an IBAN;
the amount is held in the ledger at once, staff pay it out or refuse it (which gives it back). The wallet
never goes below zero, only cashback is paid out, and each decision counts once.

Léman Digital SA (the partner) earns 10 % cashback: Helvetia pays its own Web hosting (CHF 69.00), ordered by
the partner, so the partner earns CHF 6.90 per order."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing import payouts
from billing.models import EntryKind, LedgerEntry, Payout, PayoutStatus, Wallet
from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.models import Role
from partners.models import Partnership
from tests.factories import member

IBAN = "CH93 0076 2011 6238 5295 7"


def sent() -> list[MailboxMessage]:
    return list(MailboxMessage.objects.order_by("pk"))


@pytest.fixture
def cashback(partnership, order, partner_legal, client_org):
    """The partner orders three Web hostings for Helvetia, which pays: CHF 20.70 of cashback."""
    partnership()
    for number in range(3):
        order(partner_legal, client_org, name=f"site{number}.example.ch")
    return Decimal("20.70")


def request(acting, user, organization, amount="10.00", iban=IBAN, holder="Léman Digital SA"):
    return payouts.payout_request(
        access=acting(user, organization), amount=amount, iban=iban, account_holder=holder
    )


def test_a_payout_request_holds_its_amount_in_the_ledger_at_once(
    cashback, acting, partner_legal, partner_org, balance, ledger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payout = request(acting, partner_legal, partner_org, "12.50")

    assert payout.status == PayoutStatus.REQUESTED
    assert payout.iban == "CH9300762011623852957"
    assert payout.iban_display == "CH93 0076 2011 6238 5295 7"
    assert balance(partner_org) == Decimal("8.20")
    held = ledger(partner_org, EntryKind.PAYOUT)
    assert [(entry.amount, entry.balance_after) for entry in held] == [(Decimal("-12.50"), Decimal("8.20"))]
    assert payout.hold_entry == held[0]
    assert AuditEvent.objects.filter(action="payout.requested", organization=partner_org).count() == 1


def test_the_partner_and_the_staff_are_emailed_when_a_payout_is_requested(
    cashback, acting, partner_legal, partner_admin, partner_org, staff, django_capture_on_commit_callbacks
):
    MailboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        request(acting, partner_legal, partner_org)

    recipients = {address for email in sent() for address in email.to}
    assert {"legal@leman.example", "admin@leman.example", staff.email} <= recipients
    staff_email = next(email for email in sent() if staff.email in email.to)
    assert "Léman Digital SA" in staff_email.subject
    assert "CH93 0076 2011 6238 5295 7" in staff_email.body


def test_the_staff_addresses_can_be_set(
    cashback, acting, partner_legal, partner_org, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_STAFF_EMAILS = ["payouts@platform.example"]
    MailboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        request(acting, partner_legal, partner_org)

    assert any(email.to == ["payouts@platform.example"] for email in sent())


def test_only_cashback_is_paid_out_never_the_money_topped_up(
    cashback, acting, partner_legal, partner_org, top_up, balance
):
    top_up(partner_org, Decimal("500.00"))
    assert payouts.payable_amount(partner_org.wallet) == Decimal("20.70")

    with pytest.raises(ValidationError) as refusal:
        request(acting, partner_legal, partner_org, "20.71")

    assert "amount" in refusal.value.message_dict
    assert balance(partner_org) == Decimal("520.70")
    request(acting, partner_legal, partner_org, "20.70")
    assert balance(partner_org) == Decimal("500.00")
    assert payouts.payable_amount(partner_org.wallet) == Decimal("0.00")


def test_what_was_spent_on_orders_cannot_be_paid_out(
    cashback, acting, partner_legal, partner_org, client_org, order, top_up, balance
):
    """The partner tops up 50.00, then pays a CHF 63.40 order for Helvetia from its wallet: 7.30 is left,
    less than its 20.70 of cashback, and only that can be paid out."""
    Partnership.objects.filter(client=client_org).update(payment_method="partner")
    top_up(partner_org, Decimal("50.00"))
    order(partner_legal, client_org, name="paid-by-partner.example.ch")

    assert balance(partner_org) == Decimal("7.30")
    assert payouts.payable_amount(Wallet.objects.get(organization=partner_org)) == Decimal("7.30")
    with pytest.raises(ValidationError):
        request(acting, partner_legal, partner_org, "7.31")


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("iban", {"iban": "CH93 0076 2011 6238 5295 8"}, "Enter a valid IBAN"),
        ("iban", {"iban": "not an iban"}, "Enter a valid IBAN"),
        ("iban", {"iban": ""}, "Enter a valid IBAN"),
        ("account_holder", {"holder": "   "}, "account holder"),
        ("account_holder", {"holder": "x" * 201}, "at most 200"),
        ("amount", {"amount": "0"}, "above zero"),
        ("amount", {"amount": "-5"}, "above zero"),
        ("amount", {"amount": "abc"}, "such as 50.00"),
        ("amount", {"amount": "NaN"}, "such as 50.00"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_moves(
    cashback, acting, partner_legal, partner_org, balance, field, values, message
):
    with pytest.raises(ValidationError) as refusal:
        request(acting, partner_legal, partner_org, **values)

    assert message in " ".join(refusal.value.message_dict[field])
    assert balance(partner_org) == Decimal("20.70")
    assert not Payout.objects.exists()


def test_every_wrong_field_is_named_at_once(cashback, acting, partner_legal, partner_org):
    with pytest.raises(ValidationError) as refusal:
        request(acting, partner_legal, partner_org, amount="0", iban="nope", holder="")

    assert set(refusal.value.message_dict) == {"amount", "iban", "account_holder"}


def test_a_foreign_iban_is_accepted_with_its_own_check_digits(cashback, acting, partner_legal, partner_org):
    payout = request(acting, partner_legal, partner_org, iban="DE89 3704 0044 0532 0130 00")

    assert payout.iban == "DE89370400440532013000"


@pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
def test_only_legal_representatives_and_administrators_request_payouts(
    cashback, acting, partner_org, balance, role
):
    someone = member(partner_org, role, email=f"{role}@leman.example")

    with pytest.raises(PermissionDenied):
        request(acting, someone, partner_org)

    assert balance(partner_org) == Decimal("20.70")


def test_an_administrator_requests_a_payout(cashback, acting, partner_admin, partner_org):
    assert request(acting, partner_admin, partner_org).requested_by == partner_admin


def test_an_organization_that_is_not_a_partner_cannot_request_a_payout(acting, client_legal, client_org):
    with pytest.raises(PermissionDenied):
        request(acting, client_legal, client_org)


def test_staff_approval_pays_out_once_without_moving_money_again(
    cashback, acting, partner_legal, partner_org, staff, balance, ledger, django_capture_on_commit_callbacks
):
    payout = request(acting, partner_legal, partner_org, "20.70")
    MailboxMessage.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_approve(payout=payout, by=staff)
    with pytest.raises(ValidationError, match="already decided"):
        payouts.payout_approve(payout=payout, by=staff)
    with pytest.raises(ValidationError, match="already decided"):
        payouts.payout_refuse(payout=payout, by=staff, reason="Changed my mind")

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID
    assert payout.decided_by == staff
    assert balance(partner_org) == Decimal("0.00")
    assert [entry.amount for entry in ledger(partner_org, EntryKind.PAYOUT)] == [Decimal("-20.70")]
    assert AuditEvent.objects.filter(action="payout.paid").count() == 1
    assert [email.to for email in sent()] == [["legal@leman.example"]]
    assert "made" in sent()[0].subject


def test_a_refusal_gives_the_amount_back_with_the_reason(
    cashback, acting, partner_legal, partner_org, staff, balance, ledger, django_capture_on_commit_callbacks
):
    payout = request(acting, partner_legal, partner_org, "15.00")
    MailboxMessage.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        payouts.payout_refuse(payout=payout, by=staff, reason="The holder's name does not match the account")

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REFUSED
    assert balance(partner_org) == Decimal("20.70")
    assert [entry.amount for entry in ledger(partner_org, EntryKind.PAYOUT)] == [
        Decimal("-15.00"),
        Decimal("15.00"),
    ]
    assert payout.release_entry.amount == Decimal("15.00")
    assert payouts.payable_amount(partner_org.wallet) == Decimal("20.70")
    assert "does not match" in sent()[0].body


def test_a_refusal_needs_a_reason(cashback, acting, partner_legal, partner_org, staff, balance):
    payout = request(acting, partner_legal, partner_org)

    with pytest.raises(ValidationError):
        payouts.payout_refuse(payout=payout, by=staff, reason="  ")

    assert Payout.objects.get().status == PayoutStatus.REQUESTED


def test_only_staff_decide(cashback, acting, partner_legal, partner_org):
    payout = request(acting, partner_legal, partner_org)

    with pytest.raises(PermissionDenied):
        payouts.payout_approve(payout=payout, by=partner_legal)
    with pytest.raises(PermissionDenied):
        payouts.payout_refuse(payout=payout, by=partner_legal, reason="no")

    assert Payout.objects.get().status == PayoutStatus.REQUESTED


def test_payouts_never_take_the_wallet_below_zero_one_after_the_other(
    cashback, acting, partner_legal, partner_org, balance
):
    request(acting, partner_legal, partner_org, "15.00")
    with pytest.raises(ValidationError):
        request(acting, partner_legal, partner_org, "15.00")

    assert balance(partner_org) == Decimal("5.70")
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).count() == 1
