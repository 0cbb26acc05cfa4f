"""The console in the active language: what changes with it, and what must stay as English pages show it."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from billing.figures import MonthlySeries
from console.views import monthly_charts
from organizations.access import Permission
from organizations.api.views import PERMISSION_WORDING, permission_refusal
from organizations.forms import BillingAddressForm, OrganizationForm, SignUpForm
from organizations.models import Role
from tests.factories import PartnershipFactory, ProductFactory, member

SERIES = MonthlySeries(
    title="Spending",
    currency="CHF",
    months=[
        (date(2026, month, 1), Decimal(amount)) for month, amount in enumerate(["40.00"] * 11 + ["74.59"], 1)
    ],
)


def test_the_chart_keeps_machine_coordinates_while_its_table_writes_french_numbers():
    with translation.override("fr"):
        chart = render_to_string("console/_monthly_chart.html", {"chart": monthly_charts([SERIES])[0]})

    svg = chart[chart.index("<svg") : chart.index("</svg>")]
    coordinates = re.findall(r' (?:x|y|height)="([^"]*)"', svg)
    # 40.00 of 74.59 is a bar 50.9 high: SVG reads only a decimal point, never "50,9".
    assert "50.9" in coordinates
    assert all(re.fullmatch(r"[0-9]+(\.[0-9]+)?", value) for value in coordinates), coordinates
    assert "<td>74,59</td>" in chart


@pytest.mark.parametrize(
    ("language", "switzerland"),
    [("en", "Switzerland"), ("de", "Schweiz"), ("fr", "Suisse"), ("it", "Svizzera")],
)
def test_country_lists_are_named_in_the_language_of_the_page(language, switzerland):
    with translation.override(language):
        for form in (SignUpForm(), OrganizationForm(), BillingAddressForm()):
            assert dict(form.fields["country"].choices)["CH"] == switzerland


def test_an_api_refusal_is_one_sentence_with_the_role():
    refusal = permission_refusal(PERMISSION_WORDING[Permission.EDIT_ORGANIZATION], "User")

    assert refusal == "Your role (User) does not allow you to edit the organization."


def test_an_api_refusal_worded_as_the_end_of_the_sentence_still_reads_whole():
    assert (
        permission_refusal("see the invoices and the wallet", "Administrator")
        == "Your role (Administrator) does not allow you to see the invoices and the wallet."
    )


def test_a_partner_dashboard_names_each_client_access_and_counts_products(client, partner_org, partner_legal):
    full = PartnershipFactory(partner=partner_org, access="full")
    ProductFactory(organization=full.client)
    limited = PartnershipFactory(partner=partner_org, access="limited")
    limited.products.set(
        [ProductFactory(organization=limited.client), ProductFactory(organization=limited.client)]
    )
    client.force_login(partner_legal)

    page = client.get(reverse("dashboard", kwargs={"org_id": partner_org.pk})).text

    assert "Full access · 1 product<" in page
    assert "Limited access · 2 products<" in page


def test_a_partner_acting_for_a_client_is_named_with_its_access(client, partner_org, partner_legal):
    partnership = PartnershipFactory(partner=partner_org, access="limited")
    client.force_login(partner_legal)

    page = client.get(reverse("dashboard", kwargs={"org_id": partnership.client_id})).text

    assert "Partner (Limited access)" in page
    assert f"on behalf of {partner_org.name}" in page


def test_an_external_user_count_of_products_is_written_with_its_plural(
    client, organization, legal_representative
):
    external = member(organization, Role.EXTERNAL, email="ext@helvetia.example")
    external.memberships.get().products.set([ProductFactory(organization=organization)])
    client.force_login(legal_representative)

    page = client.get(reverse("members", kwargs={"org_id": organization.pk})).text

    assert "(1 product)" in page
