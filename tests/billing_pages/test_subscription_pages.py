"""The console's subscription pages: a product's end and automatic renewal, cancel at the end of the period,
change of type with the prorated amounts, Pay now on a due invoice, Ending soon on the dashboard, and the
who-pays preview on both sides — and a client never shown its partner's price."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import services
from billing.models import EntryKind, InvoiceStatus, LedgerEntry, OrderKind
from console.models import MailboxMessage
from core.sudo import SESSION_KEY as SUDO_SESSION_KEY
from organizations.models import Product
from tests.factories import PartnershipFactory

from .support import acting, invoice_of, order, url

PARTNER_NET, PARTNER_GROSS = "58.65", "63.40"  # 69.00 less 15 %, with 8.1 % VAT


def page(client, user, path, **kwargs):
    client.force_login(user)
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_product_page_shows_its_period_end_and_automatic_renewal(
    client, organization, legal_representative
):
    product = order(legal_representative, organization).product
    html = page(client, legal_representative, url("product_detail", organization, product_id=product.pk))
    assert "Renews on" in html
    end = html.split('data-testid="product-end">')[1].split("<")[0]
    assert end.strip() not in ("", "—")
    assert "Turn automatic renewal off" in html
    assert "Cancel at the end of the period" in html


def test_the_switch_turns_automatic_renewal_off_and_a_user_without_the_product_cannot(
    client, organization, legal_representative, external_user
):
    product = order(legal_representative, organization).product
    client.force_login(external_user)
    refused = client.post(url("product_auto_renew", organization, product_id=product.pk))
    assert refused.status_code == 404
    client.force_login(legal_representative)
    response = client.post(url("product_auto_renew", organization, product_id=product.pk), follow=True)
    assert "Automatic renewal is off." in response.content.decode()
    product.refresh_from_db()
    assert product.auto_renew is False


def test_cancel_at_the_end_of_the_period_after_confirming(client, organization, legal_representative):
    product = order(legal_representative, organization).product
    html = page(client, legal_representative, url("product_cancel", organization, product_id=product.pk))
    assert "It keeps working until" in html
    response = client.post(url("product_cancel", organization, product_id=product.pk), follow=True)
    assert "is not renewed" in response.content.decode()
    product.refresh_from_db()
    assert product.cancelled_at is not None
    assert "Cancelled on" in response.content.decode()


def test_the_change_type_page_lists_the_prorated_amount_with_tax_and_changes_it(
    client, organization, legal_representative
):
    product = order(legal_representative, organization).product
    html = page(client, legal_representative, url("product_change_type", organization, product_id=product.pk))
    assert "Cloud Server" in html
    assert "Starter Web hosting" in html
    assert "credited" in html  # the free starter type credits the time left
    cloud = Product.objects.get(pk=product.pk).product_type.category.product_types.get(slug="cloud-server")

    response = client.post(
        url("product_change_type", organization, product_id=product.pk),
        {"product_type": cloud.pk},
        follow=True,
    )
    assert "is now Cloud Server" in response.content.decode()
    change = product.orders.get(kind=OrderKind.CHANGE)
    assert change.net_amount > Decimal("290")  # nearly a whole year left: 360.00 - 69.00


def test_the_client_renew_page_never_shows_the_partners_discounted_price(
    client, organization, legal_representative, partner_org, partner_legal
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    product = order(partner_legal, organization).product

    client_html = page(
        client, legal_representative, url("product_renew", organization, product_id=product.pk)
    )
    for hidden in (PARTNER_NET, PARTNER_GROSS, "reseller discount"):
        assert hidden not in client_html
    assert "Léman Digital SA" in client_html
    assert "pays this renewal under its own terms" in client_html

    partner_html = page(client, partner_legal, url("product_renew", organization, product_id=product.pk))
    assert "CHF 58.65" in partner_html or "58.65" in partner_html

    # The client's product pages, change of type, dashboard and invoices show no trace of it either.
    for name in ("product_detail", "product_change_type"):
        html = page(client, legal_representative, url(name, organization, product_id=product.pk))
        assert PARTNER_NET not in html
        assert PARTNER_GROSS not in html
    for path in (
        url("dashboard", organization),
        url("invoices", organization),
        url("products", organization),
    ):
        html = page(client, legal_representative, path)
        assert PARTNER_NET not in html
        assert PARTNER_GROSS not in html


def test_pay_now_pays_a_due_invoice_once(client, organization, legal_representative):
    invoice = invoice_of(order(legal_representative, organization))
    detail = url("invoice_detail", organization, invoice_id=invoice.pk)
    html = page(client, legal_representative, detail)
    assert "does not cover this invoice yet" in html
    assert "Pay now" not in html

    services._move(
        services.wallet_of(organization),
        amount=Decimal("100.00"),
        kind="refund",
        description="Refund",
        by=None,
    )
    assert "Pay now" in page(client, legal_representative, detail)
    first = client.post(url("invoice_pay", organization, invoice_id=invoice.pk), follow=True)
    again = client.post(url("invoice_pay", organization, invoice_id=invoice.pk), follow=True)
    assert "has been paid from your wallet" in first.content.decode()
    assert "already been paid" in again.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert LedgerEntry.objects.filter(invoice=invoice, kind=EntryKind.PAYMENT).count() == 1


def test_the_dashboard_lists_what_ends_soon(client, organization, legal_representative):
    soon = order(legal_representative, organization, name="soon.example").product
    later = order(legal_representative, organization, name="later.example").product
    Product.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(days=12))
    html = page(client, legal_representative, url("dashboard", organization))
    assert "Ending soon" in html
    section = html.split('data-testid="ending-soon"')[1].split("</section>")[0]
    assert "soon.example" in section
    assert later.name not in section


@pytest.fixture
def sudo_client(client):
    def _login(user):
        client.force_login(user)
        session = client.session
        session[SUDO_SESSION_KEY] = time.time()
        session.save()
        return client

    return _login


def test_the_payment_page_previews_the_renewals_under_each_choice_without_the_partners_price(
    sudo_client, organization, legal_representative, partner_org, partner_legal
):
    link = PartnershipFactory(
        client=organization, partner=partner_org, access="full", payment_method="client"
    )
    order(partner_legal, organization, name="by-partner.example")
    client = sudo_client(legal_representative)
    html = client.get(url("partner_payment_edit", organization, partnership_id=link.pk)).content.decode()

    assert "Renewals in the coming 12 months" in html
    assert "by-partner.example" in html
    assert "74.59" in html  # the client pays: 69.00 + 8.1 %
    assert "Paid by your partner" in html
    assert PARTNER_NET not in html
    assert PARTNER_GROSS not in html


def test_the_partner_sees_the_same_preview_with_its_price(
    client, organization, legal_representative, partner_org, partner_legal
):
    link = PartnershipFactory(
        client=organization, partner=partner_org, access="full", payment_method="client"
    )
    order(partner_legal, organization, name="by-partner.example")
    html = page(client, partner_legal, url("managed_client_who_pays", partner_org, partnership_id=link.pk))
    assert "74.59" in html
    assert PARTNER_GROSS in html
    # The client's own people do not reach the partner's page.
    client.force_login(legal_representative)
    assert client.get(url("managed_client_who_pays", partner_org, partnership_id=link.pk)).status_code == 404


def test_a_renewal_reminder_email_goes_to_the_payer_only(
    organization, legal_representative, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    product = order(partner_legal, organization).product

    with (
        time_machine.travel(product.expires_at - timedelta(days=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.renewal_reminders_send() == 1

    [reminder] = MailboxMessage.objects.filter(subject__contains=product.name)
    assert partner_legal.email in reminder.recipients
    assert legal_representative.email not in reminder.recipients
    assert PARTNER_GROSS in reminder.body


def test_the_client_reaches_none_of_the_partners_invoices_pdfs_or_prices_through_pages_or_api(
    client, organization, legal_representative, partner_org, partner_legal, monkeypatch
):
    """A change of type the partner pays: the partner's invoice (page, PDF, API) is not found from the
    client's side, and the orders API gives the client no amount for it."""
    monkeypatch.setattr("billing.views.render_invoice_pdf", lambda invoice: b"%PDF-1.7 test")
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    product = order(partner_legal, organization).product
    cloud = product.product_type.category.product_types.get(slug="cloud-server")
    partner_invoice = services.product_change_type(
        access=acting(partner_legal, organization), product=product, product_type=cloud
    )
    assert partner_invoice.organization == partner_org

    client.force_login(legal_representative)
    for org_ in (organization, partner_org):
        for name in ("invoice_detail", "invoice_pdf"):
            response = client.get(url(name, org_, invoice_id=partner_invoice.pk))
            assert response.status_code == 404, (name, org_)
        api = client.get(f"/api/v1/organizations/{org_.pk}/invoices/{partner_invoice.pk}")
        assert api.status_code == 404
    orders = client.get(f"/api/v1/organizations/{organization.pk}/orders").json()["results"]
    assert orders
    for listed in orders:
        assert listed["net_amount"] is None, listed
        assert listed["discount_rate"] is None, listed
    assert str(partner_invoice.gross_amount) not in client.get(url("invoices", organization)).content.decode()
