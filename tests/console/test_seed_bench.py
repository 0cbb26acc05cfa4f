from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, InvoiceSequence, Order
from console.management.commands.seed_bench import BENCH_PASSWORD, SMALL_PARTNER_CLIENTS, bench_partner_email
from organizations.access import Permission, resolve_access
from organizations.models import User
from partners.models import Access, PaymentMethod
from partners.selectors import managed_clients

pytestmark = pytest.mark.django_db


def _seed(clients=20, invoices=60, seed=2026, huge=0):
    call_command("seed_bench", clients=clients, invoices=invoices, seed=seed, huge=huge, stdout=StringIO())


def _large_partner_access():
    user = User.objects.get(email=bench_partner_email("large"))
    return resolve_access(user, user.memberships.get().organization_id)


def test_both_bench_partners_manage_their_clients_and_can_sign_in():
    _seed(clients=20)
    large = _large_partner_access()
    assert large.can(Permission.VIEW_MANAGED_CLIENTS)
    assert managed_clients(large).count() == 20
    small_user = User.objects.get(email=bench_partner_email("small"))
    small = resolve_access(small_user, small_user.memberships.get().organization_id)
    assert managed_clients(small).count() == SMALL_PARTNER_CLIENTS
    assert small_user.check_password(BENCH_PASSWORD)
    # Every kind of partnership the console knows is in the data.
    kinds = set(managed_clients(large).values_list("access", "payment_method"))
    assert kinds == {
        (Access.FULL, PaymentMethod.PARTNER),
        (Access.FULL, PaymentMethod.CLIENT),
        (Access.LIMITED, PaymentMethod.CLIENT),
    }


def test_invoices_are_numbered_without_gaps_and_add_up():
    _seed(clients=20, invoices=60)
    invoices = Invoice.objects.all()
    # The large partner's 60 and its paying clients' 6; the small partner's 30 and its clients' 3.
    assert invoices.count() == 99
    span = invoices.aggregate(first=Min("number"), last=Max("number"))
    assert span["last"] - span["first"] + 1 == 99
    assert InvoiceSequence.objects.get(series=invoices.first().series).last_number == span["last"]
    # Compared in Python: SQLite adds decimals as floats.
    assert all(
        net + tax == gross
        for net, tax, gross in invoices.values_list("net_amount", "tax_amount", "gross_amount")
    )
    assert InvoiceLine.objects.count() == 99
    assert not InvoiceLine.objects.exclude(net_amount=F("invoice__net_amount")).exists()


def test_whoever_pays_by_the_partnership_is_invoiced():
    _seed(invoices=60)
    partner_id = _large_partner_access().organization.pk
    assert Invoice.objects.filter(organization=partner_id).count() == 60
    paid_by_partner = Order.objects.filter(partner=partner_id, payment_method=PaymentMethod.PARTNER)
    paid_by_clients = Order.objects.filter(partner=partner_id, payment_method=PaymentMethod.CLIENT)
    assert paid_by_partner.exists()
    assert paid_by_clients.exists()
    assert set(paid_by_partner.values_list("invoice_lines__invoice__organization", flat=True)) == {partner_id}
    assert not paid_by_clients.filter(invoice_lines__invoice__organization=partner_id).exists()
    assert not paid_by_clients.exclude(payer=F("organization")).exists()
    assert not paid_by_clients.filter(cashback_amount=Decimal("0")).exists()


def _fingerprint() -> list[tuple]:
    return list(
        InvoiceLine.objects.order_by("invoice__number").values_list(
            "invoice__number",
            "order__organization__name",
            "order__product_type__slug",
            "order__kind",
            "invoice__gross_amount",
        )
    )


def _seed_and_roll_back(seed: int) -> list[tuple]:
    with transaction.atomic():
        _seed(seed=seed)
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    return fingerprint


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = _seed_and_roll_back(7)
    assert _seed_and_roll_back(7) == first
    assert _seed_and_roll_back(8) != first


def test_a_second_run_adds_nothing():
    _seed()
    counts = (User.objects.count(), Invoice.objects.count(), Order.objects.count())
    _seed()
    assert (User.objects.count(), Invoice.objects.count(), Order.objects.count()) == counts


def test_the_huge_partner_has_ten_times_the_large_ones_clients_and_invoices_and_can_come_later():
    _seed(clients=20, invoices=60)
    large_invoices = list(Invoice.objects.order_by("number").values_list("number", "gross_amount"))
    _seed(clients=20, invoices=60, huge=10)

    user = User.objects.get(email=bench_partner_email("huge"))
    huge = resolve_access(user, user.memberships.get().organization_id)
    assert managed_clients(huge).count() == 200
    assert Invoice.objects.filter(organization=huge.organization).count() == 600
    # The sizes seeded first are left as they were; the new invoices follow in the series without a gap.
    first_ones = Invoice.objects.order_by("number").values_list("number", "gross_amount")[:99]
    assert list(first_ones) == large_invoices
    span = Invoice.objects.aggregate(first=Min("number"), last=Max("number"))
    assert span["last"] - span["first"] + 1 == Invoice.objects.count() == 99 + 660


def test_every_invoice_is_issued_within_the_last_360_days_the_last_one_now():
    _seed(clients=20, invoices=60)
    span = Invoice.objects.aggregate(first=Min("issued_at"), last=Max("issued_at"))
    assert timedelta(days=300) < span["last"] - span["first"] <= timedelta(days=360)
    assert timezone.now() - span["last"] < timedelta(minutes=5)


def test_bench_data_of_another_size_is_refused():
    _seed(clients=20)
    with pytest.raises(CommandError, match="has 20 clients, not 30"):
        _seed(clients=30)


@pytest.mark.parametrize(("clients", "invoices", "huge"), [(0, 10, 0), (5, -1, 0), (5, 10, -1)])
def test_nonsense_sizes_are_refused(clients, invoices, huge):
    with pytest.raises(CommandError):
        _seed(clients=clients, invoices=invoices, huge=huge)
