"""Billing in the Django admin: tax rates are edited (and audited); invoices, orders, wallets and the ledger
are read-only and never deleted; a credit note is issued through the service by an admin action."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from billing.models import IdempotencyRecord, Invoice, LedgerEntry, Order, TaxRate, Wallet
from core.models import AuditEvent
from tests.billing_pages.support import acting, invoice_of, make_invoice, order
from tests.factories import UserFactory

READ_ONLY_MODELS = [Invoice, Order, Wallet, LedgerEntry, IdempotencyRecord]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@manager.example", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def billed(organization, legal_representative):
    """An organization with a paid order (a top-up, a payment, an invoice with a line)."""
    from billing import services

    services.wallet_top_up(access=acting(legal_representative, organization), amount="100")
    return order(legal_representative, organization, name="admin.helvetia.example")


@pytest.mark.parametrize("model", [TaxRate, *READ_ONLY_MODELS])
def test_every_billing_changelist_opens(staff_client, billed, model):
    response = staff_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", [Invoice, Order, Wallet, LedgerEntry])
def test_every_billing_record_opens_read_only(staff_client, billed, model):
    obj = model.objects.first()

    response = staff_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert 'name="_save"' not in response.text


@pytest.mark.parametrize("model", READ_ONLY_MODELS)
def test_billing_records_are_never_added_or_deleted_in_the_admin(staff_client, billed, model):
    IdempotencyRecord.objects.create(
        user=UserFactory(), key="k", scope="s", request_hash="h", response_status=201, response_body={}
    )
    obj = model.objects.first()

    assert staff_client.get(admin_url(model, "add")).status_code == 403
    assert staff_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert staff_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_the_changelists_cost_the_same_for_few_and_many_rows(
    staff_client, organization, legal_representative, django_assert_max_num_queries
):
    for _ in range(30):
        make_invoice(organization)
    for model in (Invoice, LedgerEntry, Order, Wallet):
        with django_assert_max_num_queries(12):
            staff_client.get(admin_url(model, "changelist"))


def test_an_invoice_is_found_by_its_printed_number(staff_client, organization):
    wanted = make_invoice(organization)
    make_invoice(organization)

    response = staff_client.get(admin_url(Invoice, "changelist"), {"q": wanted.display_number})

    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [wanted]


def test_staff_download_an_invoice_pdf_from_the_admin(staff_client, billed):
    invoice = invoice_of(billed)

    response = staff_client.get(reverse("admin:billing_invoice_pdf", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_a_tax_rate_is_added_in_the_admin_and_the_change_is_audited(staff_client, staff):
    response = staff_client.post(
        admin_url(TaxRate, "add"),
        {"country": "DE", "rate": "0.2000", "valid_from": "2030-01-01", "valid_until": ""},
    )

    assert response.status_code == 302
    rate = TaxRate.objects.get(country="DE", valid_from="2030-01-01")
    assert rate.rate == Decimal("0.2000")
    event = AuditEvent.objects.get(action="admin.taxrate.added")
    assert event.actor == staff
    assert event.changes["rate"] == "0.2000"


def test_the_tax_rate_list_filters_by_country(staff_client):
    response = staff_client.get(admin_url(TaxRate, "changelist"), {"country": "CH"})

    assert {str(rate.country) for rate in response.context["cl"].result_list} == {"CH"}


def test_the_credit_note_action_asks_for_a_reason_first(staff_client, billed):
    invoice = invoice_of(billed)

    response = staff_client.post(
        admin_url(Invoice, "changelist"), {"action": "issue_credit_note", ACTION_CHECKBOX_NAME: [invoice.pk]}
    )

    assert response.status_code == 200
    assert "Issue the credit note" in response.text
    assert invoice.display_number in response.text
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_the_credit_note_action_credits_the_invoice_and_refunds_the_wallet(
    staff_client, staff, organization, billed
):
    invoice = invoice_of(billed)
    assert invoice.status == "paid"
    balance_before = Wallet.objects.get(organization=organization).balance

    response = staff_client.post(
        admin_url(Invoice, "changelist"),
        {
            "action": "issue_credit_note",
            ACTION_CHECKBOX_NAME: [invoice.pk],
            "apply": "1",
            "reason": "Ordered twice",
        },
        follow=True,
    )

    credit_note = Invoice.objects.get(kind="credit_note")
    invoice.refresh_from_db()
    assert response.status_code == 200
    assert f"credit note {credit_note.display_number} issued" in response.text
    assert invoice.status == "credited"
    assert credit_note.credit_note_for == invoice
    assert credit_note.gross_amount == -invoice.gross_amount
    assert Wallet.objects.get(organization=organization).balance == balance_before + invoice.gross_amount
    event = AuditEvent.objects.get(action="invoice.credited")
    assert event.actor == staff
    assert event.changes["reason"] == "Ordered twice"


def test_crediting_a_credited_invoice_again_is_refused_with_a_message(staff_client, billed):
    invoice = invoice_of(billed)
    data = {"action": "issue_credit_note", ACTION_CHECKBOX_NAME: [invoice.pk], "apply": "1", "reason": "x"}
    staff_client.post(admin_url(Invoice, "changelist"), data)

    response = staff_client.post(admin_url(Invoice, "changelist"), data, follow=True)

    assert "This invoice has already been credited." in response.text
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_the_ledger_is_never_edited_even_by_a_superuser(staff_client, billed):
    entry = LedgerEntry.objects.first()

    response = staff_client.post(admin_url(LedgerEntry, "change", entry.pk), {"amount": "1000"})

    assert response.status_code == 403
