"""Cashback payouts under concurrent requests (real threads, each with its own connection, released together):
two payouts at once never take the wallet below zero, and a payout approved twice at once is paid once."""

from decimal import Decimal

import pytest

from billing import payouts, services
from billing.models import EntryKind, LedgerEntry, Payout, PayoutStatus, Wallet
from core.models import AuditEvent
from organizations.access import resolve_access
from organizations.models import Membership, ProductType, Role
from tests.billing.test_concurrency import assert_ledger_explains_the_balance, run_together
from tests.factories import OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member

pytestmark = pytest.mark.django_db(transaction=True)

IBAN = "CH93 0076 2011 6238 5295 7"


@pytest.fixture(autouse=True)
def race_database(shared_database, catalog):
    """The shared database, with the rows of the data migrations loaded again."""


@pytest.fixture
def partner_with_cashback():
    """A partner with CHF 13.80 of cashback: it ordered two Web hostings for a client that pays them."""
    partner = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(organization=partner, cashback_rate=Decimal("0.100"))
    legal = member(partner, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example")
    member(partner, Role.ADMINISTRATOR, email="admin@leman.example")
    client = OrganizationFactory(name="Helvetia Web AG", country="CH")
    member(client, Role.LEGAL_REPRESENTATIVE, email="owner@helvetia.example")
    PartnershipFactory(client=client, partner=partner, access="full", payment_method="client")
    hosting = ProductType.objects.get(slug="web-hosting")
    for name in ("one.example.ch", "two.example.ch"):
        services.product_order(access=resolve_access(legal, client), product_type=hosting, name=name)
    assert Wallet.objects.get(organization=partner).balance == Decimal("13.80")
    return partner


def requesting(user, organization, amount):
    def prepare():
        access = resolve_access(user, organization)
        return lambda: payouts.payout_request(
            access=access, amount=amount, iban=IBAN, account_holder="Léman Digital SA"
        )

    return prepare


def test_two_payouts_at_once_never_take_the_wallet_below_zero(partner_with_cashback):
    partner = partner_with_cashback
    people = [m.user for m in Membership.objects.filter(organization=partner).select_related("user")]

    outcomes = run_together(*(requesting(person, partner, "10.00") for person in people))

    made = [outcome for outcome in outcomes if isinstance(outcome, Payout)]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, Payout)]
    assert len(made) == 1, outcomes
    assert len(refused) == 1
    assert "amount" in refused[0].message_dict
    assert assert_ledger_explains_the_balance(partner) == Decimal("3.80")
    assert LedgerEntry.objects.filter(wallet__organization=partner, kind=EntryKind.PAYOUT).count() == 1


def test_many_payouts_at_once_hold_exactly_what_the_cashback_covers(partner_with_cashback):
    partner = partner_with_cashback
    legal = Membership.objects.get(organization=partner, role=Role.LEGAL_REPRESENTATIVE).user

    outcomes = run_together(*(requesting(legal, partner, "3.00") for _ in range(6)))

    # Four of 3.00 fit in 13.80, five do not.
    assert sum(isinstance(outcome, Payout) for outcome in outcomes) == 4
    assert assert_ledger_explains_the_balance(partner) == Decimal("1.80")


def test_an_approval_run_twice_at_once_pays_once(partner_with_cashback):
    partner = partner_with_cashback
    legal = Membership.objects.get(organization=partner, role=Role.LEGAL_REPRESENTATIVE).user
    payout = requesting(legal, partner, "13.80")()()
    staff = member(OrganizationFactory(name="Platform"), Role.LEGAL_REPRESENTATIVE, is_staff=True)

    def approving():
        return lambda: payouts.payout_approve(payout=payout, by=staff)

    def refusing():
        return lambda: payouts.payout_refuse(payout=payout, by=staff, reason="Wrong account")

    outcomes = run_together(approving, approving, refusing)

    decided = [outcome for outcome in outcomes if isinstance(outcome, Payout)]
    assert len(decided) == 1, outcomes
    payout.refresh_from_db()
    assert payout.status in (PayoutStatus.PAID, PayoutStatus.REFUSED)
    assert AuditEvent.objects.filter(action__in=["payout.paid", "payout.refused"]).count() == 1
    expected = Decimal("0.00") if payout.status == PayoutStatus.PAID else Decimal("13.80")
    assert assert_ledger_explains_the_balance(partner) == expected
