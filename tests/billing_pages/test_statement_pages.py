"""Billing → Statements: a referenced partner asks for a past month's statement and downloads it as PDF or
CSV; a client, an external member and an outsider find no statement; staff see every partner's statements in
the admin, with their files."""

from datetime import datetime, time

import pytest
import time_machine
from django.utils import timezone

from billing import statements
from billing.models import PartnerStatement
from organizations.models import Role
from tests.factories import OrganizationFactory, member

from .support import order, url


@pytest.fixture
def last_month():
    return statements.previous_month(timezone.localdate())


@pytest.fixture
def earned(full_partnership, organization, partner_legal, last_month):
    """The partner ordered two Web hostings for Helvetia last month: CHF 13.80 of cashback."""
    with time_machine.travel(datetime.combine(last_month, time(12), tzinfo=timezone.get_current_timezone())):
        order(partner_legal, organization, name="one.example.ch")
        order(partner_legal, organization, name="two.example.ch")


def test_the_partner_asks_for_last_month_and_downloads_it(
    client, earned, partner_org, partner_legal, last_month
):
    client.force_login(partner_legal)
    page = client.get(url("statements", partner_org))
    assert f'<option value="{last_month:%Y-%m}"' in page.text

    done = client.post(url("statements", partner_org), {"month": f"{last_month:%Y-%m}"}, follow=True)

    statement = PartnerStatement.objects.get()
    assert "is ready" in done.text
    table = done.text[done.text.index('data-testid="statements"') :]
    assert "CHF\xa013.80" in table or "CHF 13.80" in table
    pdf = client.get(url("statement_pdf", partner_org, statement_id=statement.pk))
    csv = client.get(url("statement_csv", partner_org, statement_id=statement.pk))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"statement-{last_month:%Y-%m}.pdf" in pdf["Content-Disposition"]
    assert b"Helvetia Web AG" in b"".join(csv.streaming_content)


def test_a_month_that_is_not_offered_is_refused_on_the_field(client, partner_org, partner_legal):
    client.force_login(partner_legal)

    response = client.post(url("statements", partner_org), {"month": f"{timezone.localdate():%Y-%m}"})

    assert response.status_code == 200
    assert 'class="form-select is-invalid"' in response.text
    assert not PartnerStatement.objects.exists()


def test_a_partner_user_reads_statements(client, earned, partner_org, last_month):
    statements.statements_produce_for_month()
    someone = member(partner_org, Role.USER, email="user@leman.example")
    client.force_login(someone)

    page = client.get(url("statements", partner_org))

    assert page.status_code == 200
    assert url("statement_pdf", partner_org, statement_id=PartnerStatement.objects.get().pk) in page.text


def test_an_external_member_and_an_outsider_find_no_statement(client, earned, partner_org, outsider):
    statements.statements_produce_for_month()
    statement = PartnerStatement.objects.get()
    external = member(partner_org, Role.EXTERNAL, email="ext@leman.example")

    client.force_login(external)
    assert client.get(url("statements", partner_org)).status_code == 403
    assert client.get(url("statement_pdf", partner_org, statement_id=statement.pk)).status_code == 403
    client.force_login(outsider)
    assert client.get(url("statements", partner_org)).status_code == 404
    assert client.get(url("statement_csv", partner_org, statement_id=statement.pk)).status_code == 404


def test_a_client_has_no_statements_page_nor_the_partner_s(
    client, earned, organization, legal_representative, partner_org
):
    statements.statements_produce_for_month()
    statement = PartnerStatement.objects.get()
    client.force_login(legal_representative)

    assert client.get(url("statements", organization)).status_code == 404
    assert client.get(url("statement_pdf", organization, statement_id=statement.pk)).status_code == 404
    assert (
        'href="{}"'.format(url("statements", organization))
        not in client.get(url("wallet", organization)).text
    )


def test_staff_see_every_partner_s_statements_in_the_admin(client, earned, partner_org, last_month):
    other = OrganizationFactory(name="Other Partner SA", is_referenced_partner=True)
    statements.statements_produce_for_month()
    staff = member(
        OrganizationFactory(name="Platform"), Role.LEGAL_REPRESENTATIVE, is_staff=True, is_superuser=True
    )
    client.force_login(staff)

    listing = client.get("/admin/billing/partnerstatement/")
    statement = PartnerStatement.objects.get(organization=partner_org)
    pdf = client.get(f"/admin/billing/partnerstatement/{statement.pk}/file/pdf/")
    csv = client.get(f"/admin/billing/partnerstatement/{statement.pk}/file/csv/")

    assert listing.status_code == 200
    assert "Léman Digital SA" in listing.text
    assert other.name in listing.text
    assert "13.80" in listing.text
    assert pdf.content.startswith(b"%PDF")
    assert b"one.example.ch" in b"".join(csv.streaming_content)
