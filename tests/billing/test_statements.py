"""Partner statements: last month's statement of a partner matches its ledger, orders and invoices exactly;
it is produced once per month (the periodic job and a request on demand alike), frozen, and only for a month
that is over; the PDF and the CSV print its figures.

Léman Digital SA (15 % reseller discount, 10 % cashback) manages Helvetia Web AG, which pays its own orders
(the partner earns cashback), and Alpine Shop, for which the partner pays (at its discount).
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone

from billing import payouts, statements
from billing.models import EntryKind, Invoice, LedgerEntry, PartnerStatement, Wallet
from billing.tasks import produce_partner_statements
from organizations.models import Role
from tests.factories import OrganizationFactory, PartnershipFactory, member

IBAN = "CH93 0076 2011 6238 5295 7"


def last_month():
    return statements.previous_month(timezone.localdate())


def moment(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def alpine(partner_org):
    client = OrganizationFactory(name="Alpine Shop", country="CH")
    member(client, Role.LEGAL_REPRESENTATIVE, email="owner@alpine.example")
    PartnershipFactory(client=client, partner=partner_org, access="full", payment_method="partner")
    return client


@pytest.fixture
def activity(partnership, order, acting, partner_legal, client_org, alpine, partner_org, top_up, staff):
    """Before last month: one cashback. Last month: a top-up, two cashbacks, an order paid for Alpine, a
    payout refused and one paid. This month: one more cashback (not in last month's statement)."""
    partnership()
    month = last_month()
    with time_machine.travel(moment(month - timedelta(days=3)), tick=False):
        order(partner_legal, client_org, name="before.example.ch")
    with time_machine.travel(moment(month + timedelta(days=2)), tick=False):
        top_up(partner_org, Decimal("100.00"))
        order(partner_legal, client_org, name="shop.example.ch")
        order(partner_legal, client_org, name="blog.example.ch")
        order(partner_legal, alpine, name="alpine.example.ch")
    with time_machine.travel(moment(month + timedelta(days=9)), tick=False):
        access = acting(partner_legal, partner_org)
        refused = payouts.payout_request(access=access, amount="5.00", iban=IBAN, account_holder="Léman")
        payouts.payout_refuse(payout=refused, by=staff, reason="Wrong account")
        paid = payouts.payout_request(access=access, amount="10.00", iban=IBAN, account_holder="Léman")
        payouts.payout_approve(payout=paid, by=staff)
    order(partner_legal, client_org, name="now.example.ch")
    return month


def ledger_in(partner, month, kind=None):
    start, end = statements.month_bounds(month)
    entries = LedgerEntry.objects.filter(
        wallet__organization=partner, created_at__gte=start, created_at__lt=end
    )
    if kind:
        entries = entries.filter(kind=kind)
    return entries


def test_last_month_s_statement_matches_the_partner_s_ledger_exactly(activity, partner_org):
    produced = produce_partner_statements.call()

    assert produced == 1
    statement = PartnerStatement.objects.get(organization=partner_org, month=activity)
    figures = statement.figures
    month_entries = ledger_in(partner_org, activity).order_by("created_at", "pk")
    before = LedgerEntry.objects.filter(
        wallet__organization=partner_org, created_at__lt=statements.month_bounds(activity)[0]
    ).order_by("-created_at", "-pk")
    opening = before.first().balance_after
    closing = month_entries.last().balance_after
    assert Decimal(figures["ledger"]["opening"]) == opening == Decimal("6.90")
    assert Decimal(figures["ledger"]["closing"]) == closing
    for kind in EntryKind.values:
        total = ledger_in(partner_org, activity, kind).aggregate(total=Sum("amount"))["total"] or Decimal("0")
        assert Decimal(figures["ledger"][kind]) == total, kind
    moved = sum((Decimal(figures["ledger"][kind]) for kind in EntryKind.values), Decimal("0"))
    assert opening + moved == closing
    assert Decimal(figures["cashback_total"]) == Decimal("13.80")
    assert figures["cashback"] == [
        {
            "client": "Helvetia Web AG",
            "product": "blog.example.ch",
            "product_type": "Web hosting",
            "amount": "6.90",
        },
        {
            "client": "Helvetia Web AG",
            "product": "shop.example.ch",
            "product_type": "Web hosting",
            "amount": "6.90",
        },
    ]
    assert Decimal(figures["ledger"]["payout"]) == Decimal("-10.00")  # 5.00 held and given back, 10.00 paid


def test_the_savings_and_invoices_paid_for_clients_are_the_partner_s_own(activity, partner_org, alpine):
    statement = statements.statements_produce_for_month() and PartnerStatement.objects.get(
        organization=partner_org
    )

    savings = statement.figures["savings"]
    assert [(row["client"], row["public_price"], row["paid"], row["saving"]) for row in savings] == [
        ("Alpine Shop", "69.00", "58.65", "10.35")
    ]
    invoice = Invoice.objects.get(organization=partner_org)
    assert statement.figures["invoices"] == [
        {
            "number": invoice.display_number,
            "day": timezone.localdate(invoice.issued_at).isoformat(),
            "kind": "invoice",
            "clients": "Alpine Shop",
            "currency": "CHF",
            "net": "58.65",
            "tax": "4.75",
            "gross": "63.40",
            "status": invoice.status,
        }
    ]
    assert statement.figures["invoices_total"] == "63.40"
    assert [(row["amount"], row["status"]) for row in statement.figures["payouts"]] == [
        ("5.00", "refused"),
        ("10.00", "paid"),
    ]


def test_the_periodic_job_produces_each_statement_once_and_it_stays_as_produced(
    activity, partner_org, order, partner_legal, client_org
):
    assert statements.statements_produce_for_month() == 1
    frozen = PartnerStatement.objects.get().figures

    with time_machine.travel(moment(activity + timedelta(days=20)), tick=False):
        order(partner_legal, client_org, name="late.example.ch")  # a movement dated in last month, afterwards

    assert statements.statements_produce_for_month() == 0
    assert PartnerStatement.objects.get().figures == frozen


def test_a_statement_asked_for_on_demand_is_the_one_the_job_produced(
    activity, acting, partner_legal, partner_org
):
    asked = statements.statement_produce(access=acting(partner_legal, partner_org), month=activity)

    assert statements.statements_produce_for_month() == 0
    assert PartnerStatement.objects.get() == asked
    assert asked.created_by == partner_legal


def test_an_older_month_can_be_asked_for(activity, acting, partner_legal, partner_org):
    older = statements.previous_month(activity)

    statement = statements.statement_produce(access=acting(partner_legal, partner_org), month=older)

    assert statement.figures["cashback_total"] == "6.90"
    assert statement.figures["ledger"]["opening"] == "0.00"


@pytest.mark.parametrize("offset", [0, 40])
def test_a_month_that_is_not_over_has_no_statement(acting, partner_legal, partner_org, offset):
    month = statements.first_of_month(timezone.localdate() + timedelta(days=offset))

    with pytest.raises(ValidationError) as refusal:
        statements.statement_produce(access=acting(partner_legal, partner_org), month=month)

    assert "month" in refusal.value.message_dict
    assert not PartnerStatement.objects.exists()


def test_only_the_partner_s_own_people_with_billing_rights_get_statements(
    acting, partner_org, client_org, client_legal, partnership, partner_legal
):
    partnership()
    external = member(partner_org, Role.EXTERNAL, email="ext@leman.example")

    with pytest.raises(PermissionDenied):
        statements.statement_produce(access=acting(external, partner_org), month=last_month())
    with pytest.raises(PermissionDenied):
        statements.statement_produce(access=acting(client_legal, client_org), month=last_month())
    with pytest.raises(PermissionDenied):
        statements.statement_produce(access=acting(partner_legal, client_org), month=last_month())
    assert not PartnerStatement.objects.exists()


def test_the_csv_twin_lists_every_figure(activity, partner_org):
    statements.statements_produce_for_month()
    statement = PartnerStatement.objects.get()

    lines = list(statements.statement_csv_lines(statement))

    assert lines[0] == "section,day,client,product,product_type,reference,currency,amount,detail\r\n"
    assert f"balance,{activity.isoformat()},,,,opening,CHF,6.90,\r\n" in lines
    assert ",,Helvetia Web AG,shop.example.ch,Web hosting,,CHF,6.90,\r\n" in lines[4 + len(EntryKind.values)]
    assert any(line.startswith("reseller_savings,") and ",CHF,10.35," in line for line in lines)
    assert any(line.startswith("invoice,") and ",63.40," in line for line in lines)
    assert any(line.startswith("payout,") and "10.00,paid" in line for line in lines)


def test_the_pdf_prints_the_figures(activity, partner_org):
    from io import BytesIO

    from pypdf import PdfReader

    statements.statements_produce_for_month()
    statement = PartnerStatement.objects.get()

    text = "".join(
        page.extract_text() for page in PdfReader(BytesIO(statements.render_statement_pdf(statement))).pages
    )

    assert "Partner statement" in text
    assert "Léman Digital SA" in text
    assert "Helvetia Web AG" in text
    assert "13.80" in text
    assert "10.35" in text
    assert "63.40" in text


def test_an_empty_month_still_has_a_statement_with_its_balance(partner_org):
    assert statements.statements_produce_for_month() == 1

    figures = PartnerStatement.objects.get().figures
    assert figures["cashback"] == []
    assert figures["ledger"]["opening"] == figures["ledger"]["closing"] == "0.00"
    assert not Wallet.objects.exists()


def test_no_statement_before_the_year_2000(acting, partner_legal, partner_org):
    with pytest.raises(ValidationError) as refusal:
        statements.statement_produce(access=acting(partner_legal, partner_org), month=date(1999, 12, 1))

    assert "Statements start in 2000" in refusal.value.message_dict["month"][0]
