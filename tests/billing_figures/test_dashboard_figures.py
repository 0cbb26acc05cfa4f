"""The dashboard's monthly figures: what was spent, and for a partner its cashback and its clients' orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.figures import dashboard_figures
from organizations.access import resolve_access
from organizations.models import ProductType, Role
from partners.services import partner_profile_save, partnership_accept, partnership_invite
from tests.factories import OrganizationFactory, member


@pytest.fixture
def client_and_partner(db):
    client_org = OrganizationFactory(name="Client AG", country="CH")
    client_legal = member(client_org, Role.LEGAL_REPRESENTATIVE)
    partner_org = OrganizationFactory(name="Agency SA", country="CH")
    partner_legal = member(partner_org, Role.LEGAL_REPRESENTATIVE)
    partner_profile_save(
        organization=partner_org, by=None, public_name="Agency SA", contact_email="hi@agency.example",
        reseller_discount_rate=Decimal("0.20"), cashback_rate=Decimal("0.10"),
    )  # fmt: skip
    partnership = partnership_invite(
        access=resolve_access(client_legal, client_org),
        partner=partner_org,
        access_level="full",
        password_confirmed=True,
    )
    partnership_accept(access=resolve_access(partner_legal, partner_org), partnership=partnership)
    return client_org, client_legal, partner_org, partner_legal


def test_spending_cashback_and_client_orders_per_month(client_and_partner):
    client_org, client_legal, partner_org, partner_legal = client_and_partner
    hosting = ProductType.objects.get(slug="web-hosting")  # CHF 69.00 a year
    services.product_order(access=resolve_access(client_legal, client_org), product_type=hosting, name="a.ch")
    services.product_order(
        access=resolve_access(partner_legal, client_org), product_type=hosting, name="b.ch"
    )

    spending = dashboard_figures(resolve_access(client_legal, client_org))
    assert [series.title for series in spending] == ["Spending (invoiced, tax included)"]
    this_month = spending[0].months[-1]
    assert this_month[0] == timezone.localdate().replace(day=1)
    assert this_month[1] == Decimal("149.18")  # 2 x (69.00 + 8.1 % Swiss VAT 5.59)
    assert len(spending[0].months) == 12

    cashback, revenue = dashboard_figures(resolve_access(partner_legal, partner_org))[1:]
    assert cashback.months[-1][1] == Decimal("13.80")  # 10 % of 69.00, on both orders
    assert cashback.total == Decimal("13.80")
    assert revenue.months[-1][1] == Decimal("138.00")


def test_a_partner_acting_for_the_client_sees_no_figures(client_and_partner):
    client_org, _, _, partner_legal = client_and_partner
    assert dashboard_figures(resolve_access(partner_legal, client_org)) == []


def test_the_dashboard_shows_the_chart_and_the_same_numbers_as_a_table(client, client_and_partner):
    client_org, client_legal, _, _ = client_and_partner
    hosting = ProductType.objects.get(slug="web-hosting")
    services.product_order(access=resolve_access(client_legal, client_org), product_type=hosting, name="a.ch")
    client.force_login(client_legal)
    page = client.get(reverse("dashboard", kwargs={"org_id": client_org.pk})).text
    assert "The last 12 months" in page
    assert '<svg class="monthly-chart"' in page
    assert "<caption>Spending (invoiced, tax included) per month, in CHF</caption>" in page
    assert f'<th scope="row">{timezone.localdate():%B %Y}</th><td>74.59</td>' in page


def test_closed_months_are_summed_once_and_the_current_month_every_time(client_and_partner):
    """A closed month cannot change (invoices are immutable): the second view reads only the current month,
    and shows the same figures, the current month's new invoice included."""
    client_org, client_legal, _, _ = client_and_partner
    hosting = ProductType.objects.get(slug="web-hosting")
    access = resolve_access(client_legal, client_org)
    three_months_ago = timezone.now() - timedelta(days=92)
    with time_machine.travel(three_months_ago, tick=False):
        services.product_order(access=access, product_type=hosting, name="a.ch")
    services.product_order(access=access, product_type=hosting, name="b.ch")

    with CaptureQueriesContext(connection) as first_view:
        first = dashboard_figures(access)[0]
    with CaptureQueriesContext(connection) as second_view:
        second = dashboard_figures(access)[0]
    services.product_order(access=access, product_type=hosting, name="c.ch")
    third = dashboard_figures(access)[0]

    old_month = timezone.localtime(three_months_ago).date().replace(day=1)
    assert dict(first.months)[old_month] == Decimal("74.59")
    assert first.months[-1][1] == Decimal("74.59")
    assert second.months == first.months
    assert third.months[-1][1] == Decimal("149.18")
    assert dict(third.months)[old_month] == Decimal("74.59")
    months_summed = [
        query["sql"].count("SUM(") for query in (*first_view, *second_view) if "SUM(" in query["sql"]
    ]
    assert months_summed == [12, 1]
