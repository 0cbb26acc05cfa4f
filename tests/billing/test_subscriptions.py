"""The subscription lifecycle: every product has a period and an end; automatic renewal on or off; cancel at
the end of the period; upgrade or downgrade with a prorated invoice or credit note and the payer's tax;
renewal reminders to whoever pays, once each; "Pay now" from the wallet; the who-pays preview.

Amounts are computed here from the catalog prices and the Swiss VAT rate (8.1 %), not with billing.money."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from billing import selectors, services
from billing.models import (
    EntryKind,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    LedgerEntry,
    Order,
    OrderKind,
    RenewalReminder,
)
from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.models import EntityType, Product, ProductStatus, ProductType, Role
from partners import services as partner_services
from tests.factories import PASSWORD, OrganizationFactory, ProductFactory, member

YEAR = timedelta(days=365)
START = timezone.datetime(2026, 3, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(60))


def type_of(slug):
    return ProductType.objects.get(slug=slug)


def gross_of_chf(net: str) -> tuple[Decimal, Decimal, Decimal]:
    net = Decimal(net)
    tax = (net * Decimal("0.081")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    return net, tax, net + tax


def written() -> dict:
    return {
        "orders": Order.objects.count(),
        "invoices": Invoice.objects.count(),
        "ledger": LedgerEntry.objects.count(),
        "products": list(
            Product.objects.order_by("pk").values_list("product_type_id", "auto_renew", "cancelled_at")
        ),
    }


# Every product has an end


def test_a_product_installed_without_an_order_ends_one_period_after_its_installation(client_org):
    product = ProductFactory(organization=client_org)
    assert product.expires_at == product.created_at + YEAR


def test_the_data_migration_gives_existing_products_the_end_of_their_last_order(
    client_org, client_legal, order, renew
):
    ordered = order(client_legal, client_org, name="ordered.example").product
    renewal = renew(client_legal, ordered)
    bare = ProductFactory(organization=client_org, name="bare.example")
    Product.objects.filter(pk__in=[ordered.pk, bare.pk]).update(expires_at=None)

    migration = importlib.import_module("billing.migrations.0010_product_ends_from_orders")
    migration.set_ends(apps, None)

    ordered.refresh_from_db()
    bare.refresh_from_db()
    assert ordered.expires_at == renewal.period_end
    assert bare.expires_at == bare.created_at + YEAR


# Automatic renewal and cancellation


def test_auto_renewal_off_is_not_renewed_and_expires_at_its_end(client_org, client_legal, acting, order):
    product = order(client_legal, client_org).product
    services.product_auto_renew_set(
        access=acting(client_legal, client_org), product=product, auto_renew=False
    )
    end = product.expires_at

    with time_machine.travel(end - timedelta(hours=2), tick=False):
        assert services.renewals_run() == 0
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE

    with time_machine.travel(end + timedelta(minutes=1), tick=False):
        assert services.renewals_run() == 0
    product.refresh_from_db()
    assert product.status == ProductStatus.EXPIRED
    assert not product.orders.filter(kind=OrderKind.RENEWAL).exists()
    assert AuditEvent.objects.filter(action="product.expired", target_id=str(product.pk)).count() == 1


def test_an_auto_renewing_product_renews_on_its_date_and_a_cancelled_one_ends(
    client_org, client_legal, acting, order
):
    renewing = order(client_legal, client_org, name="renewing.example").product
    cancelled = order(client_legal, client_org, name="cancelled.example").product
    services.product_cancel(access=acting(client_legal, client_org), product=cancelled)
    end = renewing.expires_at

    with time_machine.travel(end - timedelta(hours=6), tick=False):
        assert services.renewals_run() == 1
    with time_machine.travel(cancelled.expires_at + timedelta(minutes=1), tick=False):
        services.renewals_run()

    renewing.refresh_from_db()
    cancelled.refresh_from_db()
    assert renewing.expires_at == end + YEAR
    assert renewing.status == ProductStatus.ACTIVE
    assert cancelled.status == ProductStatus.EXPIRED
    assert not cancelled.orders.filter(kind=OrderKind.RENEWAL).exists()


def test_turning_auto_renewal_on_takes_back_a_cancellation(client_org, client_legal, acting, order):
    product = order(client_legal, client_org).product
    access = acting(client_legal, client_org)
    services.product_cancel(access=access, product=product)
    product.refresh_from_db()
    assert (product.auto_renew, product.cancelled_at is not None) == (False, True)
    services.product_auto_renew_set(access=access, product=product, auto_renew=True)
    product.refresh_from_db()
    assert (product.auto_renew, product.cancelled_at) == (True, None)


def test_an_external_user_without_the_product_and_a_partner_without_a_grant_cannot_cancel(
    client_org, client_legal, client_external, partner_legal, partnership, acting, order
):
    product = order(client_legal, client_org).product
    partnership(access="limited", products=[])
    before = written()
    for user in (client_external, partner_legal):
        with pytest.raises(PermissionDenied):
            services.product_cancel(access=acting(user, client_org), product=product)
        with pytest.raises(PermissionDenied):
            services.product_auto_renew_set(
                access=acting(user, client_org), product=product, auto_renew=False
            )
    assert written() == before


# Upgrade and downgrade


def test_an_upgrade_half_way_invoices_the_prorated_difference_with_swiss_vat(
    client_org, client_legal, acting, order, top_up
):
    with time_machine.travel(START, tick=False):
        product = order(client_legal, client_org).product
    top_up(client_org, 500)
    with time_machine.travel(START + timedelta(days=182, hours=12), tick=False):
        invoice = services.product_change_type(
            access=acting(client_legal, client_org), product=product, product_type=type_of("cloud-server")
        )

    # Half a year left: 360.00 / 2 - 69.00 / 2 = 145.50 before tax.
    net, tax, gross = gross_of_chf("145.50")
    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.organization == client_org
    assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (net, tax, gross)
    assert invoice.lines.get().tax_rate == Decimal("0.0810")
    assert invoice.status == InvoiceStatus.PAID  # the wallet covered it
    product.refresh_from_db()
    assert product.product_type.slug == "cloud-server"
    assert product.expires_at == START + YEAR  # the end does not move
    assert "Change of type: Cloud Server" in invoice.lines.get().description


def test_a_downgrade_credits_the_difference_to_the_payers_wallet_with_the_consumers_vat(acting, web_hosting):
    consumer = OrganizationFactory(name="Erika Muster", country="DE", entity_type=EntityType.INDIVIDUAL)
    owner = member(consumer, Role.LEGAL_REPRESENTATIVE)
    access = acting(owner, consumer)
    with time_machine.travel(START, tick=False):
        product = services.product_order(
            access=access, product_type=type_of("cloud-server"), name="erika.example"
        ).product
    with time_machine.travel(START + timedelta(days=273, hours=18), tick=False):  # a quarter of a year left
        credit_note = services.product_change_type(access=access, product=product, product_type=web_hosting)

    # 69.00 / 4 - 360.00 / 4 = -72.75 before tax, German VAT 19 % for a consumer.
    assert credit_note.kind == InvoiceKind.CREDIT_NOTE
    assert (credit_note.net_amount, credit_note.tax_amount, credit_note.gross_amount) == (
        Decimal("-72.75"),
        Decimal("-13.82"),
        Decimal("-86.57"),
    )
    assert credit_note.lines.get().tax_rate == Decimal("0.1900")
    refund = LedgerEntry.objects.get(wallet__organization=consumer, kind=EntryKind.REFUND)
    assert refund.amount == Decimal("86.57")
    assert refund.invoice == credit_note


def test_a_change_to_another_category_or_the_same_type_is_refused_and_writes_nothing(
    client_org, client_legal, client_user, acting, order
):
    product = order(client_legal, client_org).product
    before = written()
    with pytest.raises(ValidationError) as refused:
        services.product_change_type(
            access=acting(client_legal, client_org), product=product, product_type=type_of("mail-service")
        )
    assert "product_type" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.product_change_type(
            access=acting(client_legal, client_org), product=product, product_type=type_of("web-hosting")
        )
    assert written() == before


def test_an_upgrade_placed_by_the_partner_that_pays_is_invoiced_to_the_partner_at_its_discount(
    client_org, client_legal, partner_org, partner_legal, partnership, acting, order
):
    partnership(access="full", payment_method="partner")
    with time_machine.travel(START, tick=False):
        product = order(partner_legal, client_org).product
    with time_machine.travel(START + timedelta(days=182, hours=12), tick=False):
        invoice = services.product_change_type(
            access=acting(client_legal, client_org), product=product, product_type=type_of("cloud-server")
        )
    # (360.00 - 69.00) x 0.85 / 2 = 123.675: 306.00 / 2 - 58.65 / 2 = 123.675 → 123.68
    assert invoice.organization == partner_org
    assert invoice.net_amount == Decimal("123.68")


# Renewal reminders


def test_reminders_go_30_and_7_days_before_to_whoever_pays_once_each(
    client_org,
    client_legal,
    partner_org,
    partner_legal,
    partnership,
    order,
    django_capture_on_commit_callbacks,
):
    partnership(access="full", payment_method="partner")
    product = order(partner_legal, client_org).product
    end = product.expires_at

    def run(at):
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return services.renewal_reminders_send()

    assert run(end - timedelta(days=31)) == 0
    assert run(end - timedelta(days=29)) == 1
    assert run(end - timedelta(days=28)) == 0  # sent once
    assert run(end - timedelta(days=6)) == 1
    assert run(end - timedelta(days=5)) == 0

    reminders = RenewalReminder.objects.filter(product=product).order_by("-days_before")
    assert [(r.days_before, r.payer) for r in reminders] == [(30, partner_org), (7, partner_org)]
    sent = list(MailboxMessage.objects.filter(subject__contains=product.name).order_by("pk"))
    assert len(sent) == 2
    for message in sent:
        assert partner_legal.email in message.recipients
        assert client_legal.email not in message.recipients  # the client never reads the partner's price
        assert "CHF 63.40" in message.body  # 58.65 + 8.1 % VAT, the partner's price


def test_a_cancelled_product_gets_no_reminder(client_org, client_legal, acting, order):
    product = order(client_legal, client_org).product
    services.product_cancel(access=acting(client_legal, client_org), product=product)
    with time_machine.travel(product.expires_at - timedelta(days=6), tick=False):
        assert services.renewal_reminders_send() == 0


# Pay now


def test_pay_now_pays_a_due_invoice_once_when_the_wallet_covers_it(client_org, client_legal, acting, order):
    first = order(client_legal, client_org)
    invoice = first.invoice_lines.get().invoice
    access = acting(client_legal, client_org)
    assert invoice.status == InvoiceStatus.DUE

    with pytest.raises(ValidationError) as refused:
        services.invoice_pay(access=access, invoice=invoice)
    assert "does not cover" in " ".join(refused.value.messages)
    assert selectors.pay_now_for(access, invoice).possible is False

    # Cashback or a refund can fill the wallet without a top-up; here, a refund of a downgrade.
    services._move(
        services.wallet_of(client_org), amount=Decimal("100"), kind=EntryKind.REFUND, description="x", by=None
    )
    assert selectors.pay_now_for(access, invoice).possible is True
    services.invoice_pay(access=access, invoice=invoice)
    services.invoice_pay(access=access, invoice=invoice)  # a second click pays nothing

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    payments = LedgerEntry.objects.filter(invoice=invoice, kind=EntryKind.PAYMENT)
    assert [p.amount for p in payments] == [Decimal("-74.59")]
    assert services.wallet_of(client_org).balance == Decimal("25.41")
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 1


def test_pay_now_is_refused_to_a_member_without_the_wallet_and_to_another_organization(
    client_org, client_legal, client_external, partner_org, partner_legal, acting, order
):
    invoice = order(client_legal, client_org).invoice_lines.get().invoice
    with pytest.raises(PermissionDenied):
        services.invoice_pay(access=acting(client_external, client_org), invoice=invoice)
    with pytest.raises(PermissionDenied):
        services.invoice_pay(access=acting(partner_legal, partner_org), invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DUE


# The who-pays preview


@pytest.mark.parametrize("switch_to", ["partner", "client"])
def test_the_preview_amounts_are_the_invoices_issued_after_the_switch(
    client_org, client_legal, partner_org, partner_legal, partnership, acting, order, switch_to
):
    link = partnership(access="full", payment_method="client" if switch_to == "partner" else "partner")
    with time_machine.travel(START, tick=False):
        by_partner = order(partner_legal, client_org, name="by-partner.example").product
        by_client = order(
            client_legal, client_org, product_type=type_of("mail-service"), name="own.example"
        ).product

    with time_machine.travel(START + timedelta(days=30), tick=False):
        previews = selectors.who_pays_preview(acting(partner_legal, partner_org), link)
        chosen = next(p for p in previews if p.payment_method == switch_to)
        partner_services.partnership_change_payment_method(
            access=acting(client_legal, client_org),
            partnership=link,
            payment_method=switch_to,
            password=PASSWORD,
        )
    assert [(row.product.pk, row.on) for row in chosen.rows] == [
        (by_partner.pk, START + YEAR),
        (by_client.pk, START + YEAR),
    ]

    with time_machine.travel(START + YEAR - timedelta(hours=3), tick=False):
        assert services.renewals_run() == 2

    for row in chosen.rows:
        renewal = Order.objects.get(product=row.product, kind=OrderKind.RENEWAL)
        invoice = renewal.invoice_lines.get().invoice
        assert invoice.organization == row.payer
        assert (invoice.net_amount, invoice.tax_amount, invoice.gross_amount) == (
            row.amount.net,
            row.amount.tax,
            row.amount.gross,
        )
        assert renewal.period_start == row.on


def test_the_client_never_sees_what_the_partner_would_pay_in_the_preview(
    client_org, client_legal, partner_org, partner_legal, partnership, acting, order
):
    link = partnership(access="full", payment_method="client")
    order(partner_legal, client_org, name="by-partner.example")
    client_view = {
        p.payment_method: p for p in selectors.who_pays_preview(acting(client_legal, client_org), link)
    }
    partner_view = {
        p.payment_method: p for p in selectors.who_pays_preview(acting(partner_legal, partner_org), link)
    }

    assert client_view["partner"].rows[0].payer == partner_org
    assert client_view["partner"].rows[0].amount is None
    assert client_view["client"].rows[0].amount.gross == Decimal("74.59")
    assert partner_view["partner"].rows[0].amount.net == Decimal("58.65")


def test_the_preview_is_empty_for_an_outsider(client_org, client_legal, partnership, acting, order, outsider):
    link = partnership(access="full")
    order(client_legal, client_org)
    assert selectors.who_pays_preview(acting(outsider, outsider.memberships.get().organization), link) == []


def test_the_activity_log_tells_each_subscription_event_in_a_sentence(
    client_org, client_legal, acting, order, top_up
):
    from compliance.activity import describe

    access = acting(client_legal, client_org)
    product = order(client_legal, client_org).product
    services.product_auto_renew_set(access=access, product=product, auto_renew=False)
    services.product_change_type(access=access, product=product, product_type=type_of("cloud-server"))
    services.product_cancel(access=access, product=product)
    with time_machine.travel(product.expires_at + timedelta(minutes=1), tick=False):
        services.renewals_run()
    invoice = Invoice.objects.filter(organization=client_org, status=InvoiceStatus.DUE).first()
    top_up(client_org, "1")  # a small top-up pays nothing
    services._move(
        services.wallet_of(client_org),
        amount=Decimal("1000"),
        kind=EntryKind.REFUND,
        description="x",
        by=None,
    )
    services.invoice_pay(access=access, invoice=invoice)

    sentences = {
        event.action: describe(event).sentence
        for event in AuditEvent.objects.filter(
            action__in=[
                "product.auto_renew_changed",
                "product.type_changed",
                "product.cancelled",
                "product.expired",
                "invoice.paid",
            ]
        )
    }
    assert "turned the automatic renewal of" in sentences["product.auto_renew_changed"]
    assert "from web-hosting to cloud-server" in sentences["product.type_changed"]
    assert "at the end of its period" in sentences["product.cancelled"]
    assert "ended at the end of its period, without renewal" in sentences["product.expired"]
    assert invoice.display_number in sentences["invoice.paid"]


def test_a_reminder_of_an_earlier_period_does_not_hold_back_this_periods(
    client_org, client_legal, order, renew
):
    product = order(client_legal, client_org).product
    first_end = product.expires_at
    with time_machine.travel(first_end - timedelta(days=5), tick=False):
        assert services.renewal_reminders_send() == 1  # the 7-day reminder of the first period
    renew(client_legal, product)
    product.refresh_from_db()
    with time_machine.travel(product.expires_at - timedelta(days=20), tick=False):
        assert services.renewal_reminders_send() == 1  # the 30-day one of the second
    with time_machine.travel(product.expires_at - timedelta(days=5), tick=False):
        assert services.renewal_reminders_send() == 1  # and its 7-day one
    assert RenewalReminder.objects.filter(product=product).count() == 3
