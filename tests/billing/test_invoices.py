"""Invoices: numbered without gaps per series, frozen once issued (buyer, seller, tax and amounts), corrected
only by credit notes."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from billing import services
from billing.models import (
    EntryKind,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    TaxRate,
)
from billing.money import TaxedAmount
from core.models import AuditEvent
from organizations.models import BillingAddress, EntityType
from tests.factories import BillingAddressFactory, OrganizationFactory, member

GERMAN_VAT_NUMBER = "DE136695976"
REVERSE_CHARGE = "reverse_charge"


def this_year() -> int:
    return timezone.localdate().year


@pytest.fixture
def invoice(client_org, client_legal, order):
    """A due invoice of the client: web hosting, 69.00 + 5.59 Swiss VAT."""
    return order(client_legal, client_org).invoice_lines.get().invoice


@pytest.fixture
def invoice_for(order):
    """An order by the organization's own member; returns its invoice."""

    def _invoice_for(organization, name="shop.example"):
        user = organization.memberships.order_by("pk").first()
        user = user.user if user else member(organization)
        return order(user, organization, name=name).invoice_lines.get().invoice

    return _invoice_for


def frozen(invoice) -> dict:
    invoice = Invoice.objects.get(pk=invoice.pk)
    return {
        **model_to_dict(invoice, exclude=["status", "paid_at"]),
        "lines": [model_to_dict(line) for line in invoice.lines.order_by("pk")],
    }


# Numbers


def test_numbers_follow_each_other_without_gap_per_series_across_organizations(invoice_for, staff):
    organizations = [OrganizationFactory(country=country) for country in ("CH", "DE", "US")]

    invoices = [invoice_for(organizations[index % 3], name=f"site{index}.example") for index in range(7)]

    series = f"INV{this_year()}"
    assert {invoice.series for invoice in invoices} == {series}
    first = invoices[0].number
    assert [invoice.number for invoice in invoices] == list(range(first, first + 7))
    assert invoices[0].display_number == f"{series}-{first:06d}"

    credit_notes = [
        services.credit_note_issue(invoice=invoices[index], by=staff, reason="test") for index in (4, 1)
    ]
    assert {note.series for note in credit_notes} == {f"CN{this_year()}"}
    assert [note.number for note in credit_notes] == [1, 2], "credit notes have their own series"
    assert invoice_for(organizations[0], name="after.example").number == first + 7, "no number skipped"


def test_an_invoice_issued_after_midnight_on_new_years_day_swiss_time_opens_the_new_series(
    client_org, invoice_for, monkeypatch
):
    """The invoice date is the local date (it decides the tax rate too): 00:30 in Zurich on 1 January is
    still 31 December in UTC, but the invoice belongs to the new year."""
    just_after_midnight = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 2026-01-01 00:30 in Zurich
    monkeypatch.setattr(timezone, "now", lambda: just_after_midnight)

    invoice = invoice_for(client_org)

    assert timezone.localdate(invoice.issued_at) == date(2026, 1, 1)
    assert invoice.series == "INV2026"


def test_the_database_refuses_two_invoices_with_the_same_number_in_a_series(invoice):
    duplicate = {**model_to_dict(invoice, exclude=["id", "organization", "credit_note_for"])}

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(organization=invoice.organization, **duplicate)


# Immutability


@pytest.mark.parametrize(
    "update_fields",
    [None, ["net_amount"], ["status", "gross_amount"], ["buyer"], ["number"], ["issued_at", "paid_at"], []],
)
def test_an_issued_invoice_cannot_be_changed(invoice, update_fields):
    before = frozen(invoice)
    invoice.net_amount = Decimal("1.00")
    invoice.gross_amount = Decimal("1.00")
    invoice.tax_amount = Decimal("0.00")
    invoice.buyer = {"name": "Someone else"}
    invoice.number += 1000

    save = invoice.save if update_fields is None else partial(invoice.save, update_fields=update_fields)

    with pytest.raises(PermissionError, match="cannot be changed"):
        save()

    assert frozen(invoice) == before


def test_only_the_payment_status_of_an_issued_invoice_moves(invoice):
    before = frozen(invoice)
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = timezone.now()

    invoice.save(update_fields=["status", "paid_at"])

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert frozen(invoice) == before


def test_an_issued_invoice_cannot_be_deleted(invoice):
    with pytest.raises(PermissionError, match="never deleted"):
        invoice.delete()
    with pytest.raises(PermissionError, match="never deleted"):
        Invoice.objects.filter(pk=invoice.pk).delete()
    with pytest.raises(PermissionError, match="never deleted"):
        Invoice.objects.all().delete()

    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_a_bulk_update_cannot_rewrite_an_issued_invoice(invoice):
    """`QuerySet.update()` (an admin action, a shell) must not bypass what `save()` refuses."""
    before = frozen(invoice)

    with pytest.raises(PermissionError):
        Invoice.objects.filter(pk=invoice.pk).update(net_amount=Decimal("1.00"), gross_amount=Decimal("6.59"))

    assert frozen(invoice) == before


def test_the_lines_of_an_issued_invoice_cannot_be_changed_or_deleted(invoice):
    """The lines are printed on the invoice: they are as frozen as its totals."""
    before = frozen(invoice)
    line = invoice.lines.get()

    line.description = "Something else"
    with pytest.raises(PermissionError):
        line.save()
    with pytest.raises(PermissionError):
        line.delete()
    with pytest.raises(PermissionError):
        InvoiceLine.objects.filter(invoice=invoice).update(description="Something else")
    with pytest.raises(PermissionError):
        InvoiceLine.objects.filter(invoice=invoice).delete()

    assert frozen(invoice) == before


def test_an_invoice_total_whose_net_and_tax_do_not_make_its_gross_cannot_be_built(invoice):
    """The invariant lives in TaxedAmount, through which every invoice and line total is built (a database
    CHECK cannot hold it on SQLite, which compares decimals as binary floats)."""
    with pytest.raises(ValueError, match="!= gross"):
        TaxedAmount(
            net=invoice.net_amount, tax=invoice.tax_amount, gross=invoice.gross_amount + Decimal("0.01")
        )
    assert TaxedAmount(net=invoice.net_amount, tax=invoice.tax_amount, gross=invoice.gross_amount)


# Seller and buyer, copied at issue


def test_the_seller_comes_from_settings_and_later_changes_do_not_touch_issued_invoices(
    client_org, invoice_for, settings
):
    settings.SELLER = {**settings.SELLER, "name": "Old Name SA", "vat_number": "CHE-116.281.710 MWST"}
    first = invoice_for(client_org, name="first.example")
    settings.SELLER = {**settings.SELLER, "name": "New Name SA", "street": "Quai du Seujet 9"}

    second = invoice_for(client_org, name="second.example")

    first.refresh_from_db()
    assert first.seller["name"] == "Old Name SA"
    assert second.seller == settings.SELLER


def test_the_buyers_default_billing_address_is_copied_and_later_changes_do_not_touch_issued_invoices(
    client_org, invoice_for
):
    BillingAddressFactory(organization=client_org, name="Other address", city="Bern", is_default=False)
    address = BillingAddressFactory(
        organization=client_org,
        name="Helvetia Web AG, Accounting",
        street="Rue du Marché 1",
        postal_code="1204",
        city="Genève",
        country="CH",
        email="accounting@helvetia.example",
        is_default=True,
    )
    first = invoice_for(client_org, name="first.example")
    expected = {
        "organization_id": client_org.pk,
        "name": "Helvetia Web AG, Accounting",
        "street": "Rue du Marché 1",
        "postal_code": "1204",
        "city": "Genève",
        "country": "CH",
        "vat_number": "CHE116281710MWST",  # the organization's, the address has none
        "email": "accounting@helvetia.example",
    }
    assert first.buyer == expected

    BillingAddress.objects.filter(pk=address.pk).update(street="Place Neuve 5", city="Carouge")
    client_org.vat_number = "CHE109322551"
    client_org.save(update_fields=["vat_number"])
    second = invoice_for(client_org, name="second.example")

    first.refresh_from_db()
    assert first.buyer == expected
    assert (second.buyer["street"], second.buyer["city"], second.buyer["vat_number"]) == (
        "Place Neuve 5",
        "Carouge",
        "CHE109322551",
    )


def test_without_a_billing_address_the_organizations_legal_data_are_the_buyer(client_org, invoice_for):
    invoice = invoice_for(client_org)

    assert (invoice.buyer["name"], invoice.buyer["country"], invoice.buyer["vat_number"]) == (
        "Helvetia Web AG",
        "CH",
        "CHE116281710MWST",
    )


def test_a_german_company_is_reverse_charged_only_while_it_has_a_vat_number(invoice_for):
    company = OrganizationFactory(
        name="Berlin Web GmbH", country="DE", entity_type=EntityType.COMPANY, vat_number=GERMAN_VAT_NUMBER
    )

    with_number = invoice_for(company, name="one.example")
    company.vat_number = ""
    company.save(update_fields=["vat_number"])
    without_number = invoice_for(company, name="two.example")
    company.vat_number = GERMAN_VAT_NUMBER
    company.save(update_fields=["vat_number"])
    again = invoice_for(company, name="three.example")

    with_number.refresh_from_db()
    line = with_number.lines.get()
    assert (line.tax_rule, line.tax_rate, with_number.tax_amount) == (REVERSE_CHARGE, 0, 0)
    assert line.tax_wording.startswith("Reverse charge")
    assert with_number.buyer["vat_number"] == GERMAN_VAT_NUMBER, "the buyer's VAT number is printed"
    line = without_number.lines.get()
    assert (line.tax_rule, line.tax_rate, without_number.tax_amount) == (
        "eu_destination",
        Decimal("0.19"),
        Decimal("13.11"),
    )
    assert again.lines.get().tax_rule == REVERSE_CHARGE


def test_a_vat_number_on_the_default_billing_address_counts_for_a_company(invoice_for):
    company = OrganizationFactory(country="DE", entity_type=EntityType.COMPANY, vat_number="")
    BillingAddressFactory(organization=company, country="DE", vat_number=GERMAN_VAT_NUMBER, is_default=True)

    invoice = invoice_for(company)

    assert invoice.lines.get().tax_rule == REVERSE_CHARGE
    assert invoice.buyer["vat_number"] == GERMAN_VAT_NUMBER


def test_an_individual_is_never_reverse_charged(invoice_for):
    person = OrganizationFactory(country="DE", entity_type=EntityType.INDIVIDUAL, vat_number="")
    BillingAddressFactory(organization=person, country="DE", vat_number=GERMAN_VAT_NUMBER, is_default=True)

    invoice = invoice_for(person)

    line = invoice.lines.get()
    assert (line.tax_rule, line.tax_rate, invoice.tax_amount) == (
        "eu_destination",
        Decimal("0.19"),
        Decimal("13.11"),
    )


def test_the_billing_address_country_decides_the_tax(invoice_for):
    """A Swiss organization invoiced at its default address in France pays French VAT."""
    organization = OrganizationFactory(country="CH", entity_type=EntityType.INDIVIDUAL)
    BillingAddressFactory(organization=organization, country="FR", city="Annemasse", is_default=True)

    invoice = invoice_for(organization)

    assert invoice.buyer["country"] == "FR"
    assert invoice.lines.get().tax_wording == "VAT FR 20.0 %"


def test_net_plus_tax_is_gross_on_every_invoice_and_line(invoice_for, product_type, order, staff):
    buyers = [
        OrganizationFactory(country="CH"),
        OrganizationFactory(country="FI", entity_type=EntityType.INDIVIDUAL),
        OrganizationFactory(country="DE", entity_type=EntityType.COMPANY, vat_number=GERMAN_VAT_NUMBER),
        OrganizationFactory(country="RO", entity_type=EntityType.INDIVIDUAL),
        OrganizationFactory(country="JP"),
    ]
    for buyer in buyers:
        user = member(buyer)
        for slug in (
            "web-hosting",
            "mail-service",
            "domain-com",
            "kdrive-team",
            "ssl-dv",
            "web-hosting-starter",
        ):
            placed = order(user, buyer, product_type=product_type(slug), name=f"{slug}.example")
        services.credit_note_issue(invoice=placed.invoice_lines.get().invoice, by=staff, reason="test")

    assert Invoice.objects.count() == 5 * 6 + 5
    for invoice in Invoice.objects.prefetch_related("lines"):
        assert invoice.net_amount + invoice.tax_amount == invoice.gross_amount, invoice
        lines = list(invoice.lines.all())
        assert lines, invoice
        assert sum(line.net_amount for line in lines) == invoice.net_amount
        assert sum(line.tax_amount for line in lines) == invoice.tax_amount
        for line in lines:
            assert line.net_amount + line.tax_amount == line.gross_amount, line


# Credit notes


def test_only_staff_issue_credit_notes(invoice, client_legal):
    before = frozen(invoice)

    with pytest.raises(PermissionDenied):
        services.credit_note_issue(invoice=invoice, by=client_legal, reason="please")

    assert frozen(invoice) == before
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DUE
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


def test_a_credit_note_reverses_a_due_invoice_without_refund(invoice, staff, ledger, client_org):
    credit_note = services.credit_note_issue(invoice=invoice, by=staff, reason="Ordered by mistake")

    assert credit_note.kind == InvoiceKind.CREDIT_NOTE
    assert credit_note.series == f"CN{this_year()}"
    assert credit_note.credit_note_for == invoice
    assert credit_note.organization == invoice.organization
    assert (credit_note.net_amount, credit_note.tax_amount, credit_note.gross_amount) == (
        Decimal("-69.00"),
        Decimal("-5.59"),
        Decimal("-74.59"),
    )
    line = credit_note.lines.get()
    assert line.net_amount == Decimal("-69.00")
    assert line.description.startswith("Credit for ")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
    assert ledger(client_org, EntryKind.REFUND) == []
    [event] = AuditEvent.objects.filter(action="invoice.credited")
    assert (event.actor, event.organization, event.target_id) == (staff, client_org, str(invoice.pk))
    assert event.changes == {
        "credit_note": credit_note.display_number,
        "reason": "Ordered by mistake",
        "refunded": False,
        "cashback_reversed": [],
    }


def test_a_credit_note_refunds_a_paid_invoice_to_the_wallet(
    client_org, client_legal, order, top_up, staff, balance, ledger
):
    top_up(client_org, "100.00")
    paid = order(client_legal, client_org).invoice_lines.get().invoice
    assert (paid.status, balance(client_org)) == (InvoiceStatus.PAID, Decimal("25.41"))

    credit_note = services.credit_note_issue(invoice=paid, by=staff, reason="")

    [refund] = ledger(client_org, EntryKind.REFUND)
    assert (refund.amount, refund.invoice, refund.balance_after) == (
        Decimal("74.59"),
        credit_note,
        Decimal("100.00"),
    )
    assert balance(client_org) == Decimal("100.00")
    paid.refresh_from_db()
    assert paid.status == InvoiceStatus.CREDITED
    assert AuditEvent.objects.get(action="invoice.credited").changes["reason"] == "Correction"


def test_an_invoice_is_credited_only_once(invoice, staff, balance, client_org):
    services.credit_note_issue(invoice=invoice, by=staff, reason="first")
    credit_note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)

    with pytest.raises(ValidationError, match="already been credited"):
        services.credit_note_issue(invoice=invoice, by=staff, reason="second")
    with pytest.raises(ValidationError):
        services.credit_note_issue(invoice=credit_note, by=staff, reason="a credit note is not credited")

    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert AuditEvent.objects.filter(action="invoice.credited").count() == 1
    assert balance(client_org) == 0


@pytest.mark.parametrize("change", ["buyer_vat_number", "tax_rate"])
def test_a_credit_note_mirrors_the_invoice_it_corrects_whatever_changed_since(
    invoice_for, staff, top_up, balance, ledger, change
):
    """A credit note cancels what was invoiced: the same tax at the same rate, to the cent, even when the
    buyer's VAT number or the country's rate changed in between; the refund is what the credit note says."""
    company = OrganizationFactory(country="FI", entity_type=EntityType.COMPANY, vat_number="")
    top_up(company, "100.00")
    invoice = invoice_for(company)  # 69.00 + 25.5 % = 86.60, paid
    assert invoice.gross_amount == Decimal("86.60")
    if change == "buyer_vat_number":
        company.vat_number = "FI20774740"
        company.save(update_fields=["vat_number"])
    else:
        today = timezone.localdate()
        TaxRate.objects.filter(country="FI", valid_until=None).update(valid_until=today - timedelta(days=1))
        TaxRate.objects.create(country="FI", rate=Decimal("0.26"), valid_from=today)

    credit_note = services.credit_note_issue(invoice=invoice, by=staff, reason="correction")

    assert (credit_note.net_amount, credit_note.tax_amount, credit_note.gross_amount) == (
        -invoice.net_amount,
        -invoice.tax_amount,
        -invoice.gross_amount,
    )
    original, credit = invoice.lines.get(), credit_note.lines.get()
    assert (credit.tax_rule, credit.tax_rate, credit.tax_wording) == (
        original.tax_rule,
        original.tax_rate,
        original.tax_wording,
    )
    [refund] = ledger(company, EntryKind.REFUND)
    assert refund.amount == -credit_note.gross_amount
    assert balance(company) == Decimal("100.00")
