"""`manage.py seed_demo`: demo data built through the services, and running it again changes nothing."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry, Order, OrderKind
from console.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from core.audit import audit_record
from core.models import AuditEvent
from organizations.models import BillingAddress, Membership, Organization, Product, Role, User
from partners.models import Partnership

EXPECTED_ROLES = {
    ("anna@helvetia.example", "Helvetia Web AG"): Role.LEGAL_REPRESENTATIVE,
    ("bruno@helvetia.example", "Helvetia Web AG"): Role.ADMINISTRATOR,
    ("carla@helvetia.example", "Helvetia Web AG"): Role.USER,
    ("lea@helvetia.example", "Helvetia Web AG"): Role.ACCOUNTANT,
    ("dario@helvetia.example", "Helvetia Web AG"): Role.EXTERNAL,
    ("erik@rheinmedia.example", "Rheinmedia GmbH"): Role.LEGAL_REPRESENTATIVE,
    ("camille@martin.example", "Camille Martin"): Role.LEGAL_REPRESENTATIVE,
    ("paul@pixelpartners.example", "Pixel Partners Sàrl"): Role.LEGAL_REPRESENTATIVE,
    ("petra@pixelpartners.example", "Pixel Partners Sàrl"): Role.ADMINISTRATOR,
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "products": Product.objects.count(),
        "billing_addresses": BillingAddress.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "external_grants": Membership.products.through.objects.count(),
        "orders": Order.objects.count(),
        "invoices": Invoice.objects.count(),
        "ledger": LedgerEntry.objects.count(),
        "partnerships": Partnership.objects.count(),
    }


@pytest.fixture
def seeded(db):
    return seed()


def test_running_it_twice_creates_nothing_more(seeded):
    first = counts()

    output = seed()

    assert counts() == first
    assert first["users"] == 10
    assert first["organizations"] == 4
    assert first["memberships"] == 9
    assert "nothing to create" in output


def test_every_demo_account_signs_in_with_the_demo_password(seeded):
    emails = [account["email"] for account in DEMO_ACCOUNTS]

    assert len(emails) == len(set(emails)) == 10
    for email in emails:
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email
        assert authenticate(email=email, password="wrong-password") is None


def test_the_summary_lists_every_account_and_the_password(seeded):
    assert DEMO_PASSWORD in seeded
    for account in DEMO_ACCOUNTS:
        assert account["email"] in seeded
        assert account["role_description"] in seeded


def test_members_have_the_listed_roles(seeded):
    roles = {
        (membership.user.email, membership.organization.name): membership.role
        for membership in Membership.objects.select_related("user", "organization")
    }

    assert roles == EXPECTED_ROLES


def test_the_external_user_is_granted_one_product_of_his_organization(seeded):
    dario = Membership.objects.get(user__email="dario@helvetia.example")

    granted = list(dario.products.all())

    assert len(granted) == 1
    assert granted[0].organization == dario.organization


def test_organizations_have_their_legal_data(seeded):
    helvetia = Organization.objects.get(name="Helvetia Web AG")
    rheinmedia = Organization.objects.get(name="Rheinmedia GmbH")
    camille = Organization.objects.get(name="Camille Martin")
    pixel = Organization.objects.get(name="Pixel Partners Sàrl")

    assert (helvetia.country.code, helvetia.currency, helvetia.vat_number) == (
        "CH",
        "CHF",
        "CHE116281710MWST",
    )
    assert (rheinmedia.country.code, rheinmedia.currency, rheinmedia.vat_number) == (
        "DE",
        "EUR",
        "DE136695976",
    )
    assert (camille.entity_type, camille.country.code, camille.currency, camille.vat_number) == (
        "individual",
        "FR",
        "EUR",
        "",
    )
    assert (pixel.country.code, pixel.currency, pixel.is_referenced_partner) == ("CH", "CHF", True)
    assert pixel.vat_number.startswith("CHE")
    assert not helvetia.is_referenced_partner


def test_each_organization_has_a_default_billing_address_and_two_to_five_products(seeded):
    for organization in Organization.objects.all():
        assert organization.billing_addresses.filter(is_default=True).count() == 1, organization
        assert 2 <= organization.products.count() <= 5, organization
        assert organization.products.values("product_type__category").distinct().count() >= 2, organization


def test_the_audit_log_holds_the_services_events(seeded):
    for organization in Organization.objects.all():
        created = AuditEvent.objects.get(organization=organization, action="organization.created")
        representative = organization.memberships.get(role=Role.LEGAL_REPRESENTATIVE).user
        assert created.actor == representative
        assert (
            AuditEvent.objects.filter(organization=organization, action="billing_address.created").count()
            == 1
        )
        # Each product was ordered (and invoiced) when the history began, not installed for free.
        assert (
            AuditEvent.objects.filter(organization=organization, action="order.new").count()
            == organization.products.count()
        )
    assert AuditEvent.objects.filter(action="membership.added").count() == 5


def test_the_staff_account_is_a_superuser(seeded):
    admin = User.objects.get(email="admin@manager.example")

    assert admin.is_staff
    assert admin.is_superuser
    assert admin.check_password(DEMO_PASSWORD)


def test_running_it_again_restores_demo_passwords_and_roles(seeded):
    bruno = User.objects.get(email="bruno@helvetia.example")
    bruno.set_password("changed-by-someone-1")
    bruno.save()
    Membership.objects.filter(user=bruno).update(role=Role.USER)
    before = counts()

    seed()

    assert authenticate(email="bruno@helvetia.example", password=DEMO_PASSWORD) == bruno
    assert Membership.objects.get(user=bruno).role == Role.ADMINISTRATOR
    assert counts()["memberships"] == before["memberships"]
    assert AuditEvent.objects.filter(action="membership.role_changed").count() == 1


# A year of history


def test_a_year_of_orders_renewals_invoices_and_cashback_on_the_first_run(seeded):
    now = timezone.now()
    orders = list(Order.objects.order_by("created_at"))
    assert len(orders) == 20
    assert now - timedelta(days=400) < orders[0].created_at < now - timedelta(days=365)
    assert orders[-1].created_at < now
    months = {timezone.localtime(order.created_at).strftime("%Y-%m") for order in orders}
    assert len(months) >= 12, "something to chart in every month of the year"
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() >= 4
    # Orders a partner placed for its client, and the cashback it earned.
    helvetia = Organization.objects.get(name="Helvetia Web AG")
    pixel = Organization.objects.get(name="Pixel Partners Sàrl")
    assert Order.objects.filter(organization=helvetia, placed_by_partner=pixel).count() >= 3
    assert AuditEvent.objects.filter(organization=helvetia, action="order.new", on_behalf_of=pixel).exists()
    cashback = LedgerEntry.objects.filter(wallet__organization=pixel, kind=EntryKind.CASHBACK)
    assert cashback.count() >= 5
    # Every order has its invoice, some paid from the wallet, some still due.
    assert Invoice.objects.count() == len(orders)
    assert {invoice.status for invoice in Invoice.objects.all()} == {InvoiceStatus.PAID, InvoiceStatus.DUE}
    for invoice in Invoice.objects.all():
        assert invoice.net_amount + invoice.tax_amount == invoice.gross_amount
    # The partnership was accepted when the history began; Rheinmedia's invitation is today's.
    accepted = Partnership.objects.get(client=helvetia)
    assert (accepted.status, accepted.access) == ("active", "full")
    assert Partnership.objects.get(client__name="Rheinmedia GmbH").status == "pending"


def test_the_history_is_the_same_on_every_fresh_database(seeded):
    """Dates are counted from today, everything else is fixed: the invoices' amounts in order."""
    amounts = [
        str(gross)
        for gross in Invoice.objects.order_by("issued_at", "pk").values_list("gross_amount", flat=True)
    ]
    assert amounts[:4] == ["74.59", "12.97", "12.97", "0.00"]
    assert len(amounts) == 20


def test_the_clock_is_the_real_one_again_after_the_history(seeded, organization):
    before = timezone.now()
    event = audit_record(actor=None, organization=organization, action="organization.updated")
    assert before - timedelta(seconds=5) < event.created_at <= timezone.now()
    assert abs(timezone.now() - before) < timedelta(seconds=5)
