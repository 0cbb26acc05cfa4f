"""The accountant seat: invoices, credit notes, PDFs, the wallet's balance and exports, read-only; no top-up,
no products, no users, no settings; in the console, the API and the scopes its tokens may carry."""

import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from billing import services
from billing.models import LedgerEntry
from organizations.access import Permission, resolve_access
from organizations.models import Membership, Role
from tests.factories import OrganizationFactory, member
from tokens import scopes

pytestmark = pytest.mark.django_db


def bearer(plaintext: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return api


@pytest.fixture
def invoices(organization, legal_representative, web_hosting, order, staff):
    """Two invoices of the organization, the first one corrected by a credit note."""
    first = order(legal_representative, organization, name="one.example.ch").invoice_lines.get().invoice
    second = order(legal_representative, organization, name="two.example.ch").invoice_lines.get().invoice
    credit_note = services.credit_note_issue(invoice=first, by=staff, reason="Ordered twice.")
    return first, second, credit_note


def page(client, name, organization, **kwargs):
    return client.get(reverse(name, kwargs={"org_id": organization.pk, **kwargs}))


def test_the_accountant_s_access_is_billing_read_only(organization, accountant):
    access = resolve_access(accountant, organization)

    assert access.permissions == {
        Permission.VIEW_DASHBOARD,
        Permission.VIEW_BILLING,
        Permission.VIEW_INVOICES,
    }
    assert access.role_label == "Accountant"


def test_the_sidebar_shows_the_accountant_only_what_it_may_open(client, organization, accountant):
    client.force_login(accountant)

    html = page(client, "dashboard", organization).content.decode()

    sidebar = html[html.index('id="sidebar"') : html.index("</nav>", html.index('id="sidebar"'))]
    for opened in ("dashboard", "invoices", "api_tokens"):
        assert reverse(opened, kwargs={"org_id": organization.pk}) in sidebar
    for closed in ("products", "partners", "organization_settings", "members"):
        assert reverse(closed, kwargs={"org_id": organization.pk}) not in html
    assert "Your products" not in html


@pytest.mark.parametrize(
    "name", ["products", "product_order", "members", "member_add", "organization_settings", "partners"]
)
def test_the_accountant_is_refused_products_users_and_settings_with_a_reason(
    client, organization, accountant, name
):
    client.force_login(accountant)

    response = page(client, name, organization)

    assert response.status_code == 403
    assert "Your role (Accountant) does not allow this page." in response.content.decode()


def test_the_accountant_reads_invoices_credit_notes_and_downloads_a_pdf(
    client, organization, accountant, invoices, monkeypatch
):
    monkeypatch.setattr("billing.views.render_invoice_pdf", lambda invoice: b"%PDF-1.7 test")
    first, _second, credit_note = invoices
    client.force_login(accountant)

    listing = page(client, "invoices", organization).content.decode()
    detail = page(client, "invoice_detail", organization, invoice_id=credit_note.pk)
    pdf = page(client, "invoice_pdf", organization, invoice_id=first.pk)

    assert first.display_number in listing
    assert credit_note.display_number in listing
    assert detail.status_code == 200
    assert first.display_number in detail.content.decode()
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_accountant_sees_the_balance_but_no_top_up_and_a_top_up_is_refused(
    client, organization, accountant, top_up, balance
):
    top_up(organization, Decimal("50.00"))
    client.force_login(accountant)

    wallet = page(client, "wallet", organization).content.decode()
    refused = client.post(
        reverse("wallet", kwargs={"org_id": organization.pk}),
        {"amount": "100.00", "idempotency_key": str(uuid.uuid4())},
    )

    assert "CHF" in wallet
    assert "50.00" in wallet
    assert 'name="amount"' not in wallet
    assert 'data-testid="top-up-not-allowed"' in wallet
    assert refused.status_code == 403
    assert balance(organization) == Decimal("50.00")
    assert LedgerEntry.objects.filter(wallet__organization=organization).count() == 1


def test_the_accountant_cannot_top_up_through_the_service_either(organization, accountant, balance):
    with pytest.raises(PermissionDenied, match="top up"):
        services.wallet_top_up(access=resolve_access(accountant, organization), amount="10.00")
    assert balance(organization) == Decimal("0.00")


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_invoices_export_lists_invoices_and_credit_notes_oldest_first(
    client, organization, accountant, invoices
):
    first, second, credit_note = invoices
    client.force_login(accountant)

    response = page(client, "invoices_export", organization)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:5] == ["Invoice", "Type", "Issued on", "Status", "Corrects"]
    assert [row[0] for row in rows] == [
        first.display_number,
        second.display_number,
        credit_note.display_number,
    ]
    assert rows[2][1:2] == ["Credit note"]
    assert rows[2][4] == first.display_number
    assert rows[1][5:9] == ["69.00", "5.59", "74.59", "CHF"]


def test_invoices_export_follows_the_page_s_filters(client, organization, accountant, invoices):
    client.force_login(accountant)

    response = client.get(
        reverse("invoices_export", kwargs={"org_id": organization.pk}), {"status": "credited"}
    )

    _header, *rows = _csv(response)
    assert {row[3] for row in rows} == {"Credited"}


def test_invoices_export_is_refused_to_an_external_member_and_to_a_partner(
    client, organization, external_user, invoices
):
    client.force_login(external_user)

    assert page(client, "invoices_export", organization).status_code == 403


# The API and its tokens


def test_an_accountant_only_user_may_give_a_token_only_billing_read(accountant):
    assert scopes.scopes_allowed_to(accountant) == {"billing:read"}

    token, _plaintext = services_token(accountant, ["billing:read"])
    assert token.scopes == ["billing:read"]

    for refused in (["billing:write"], ["billing:read", "products:read"], ["members:read"]):
        with pytest.raises(ValidationError) as error:
            services_token(accountant, refused)
        assert "billing:read" in str(error.value)


def test_an_accountant_here_and_an_administrator_elsewhere_keeps_every_scope(accountant):
    elsewhere = OrganizationFactory(name="Elsewhere AG", country="CH")
    Membership.objects.create(user=accountant, organization=elsewhere, role=Role.ADMINISTRATOR)

    assert scopes.scopes_allowed_to(accountant) is None
    token, _plaintext = services_token(accountant, scopes.all_scopes(scopes.MANAGER_API))
    assert "billing:write" in token.scopes


def services_token(user, chosen):
    from tokens.services import token_create

    return token_create(
        user=user, name="Books", application=scopes.MANAGER_API, scopes=chosen, password_confirmed=True
    )


def test_the_accountant_s_token_reads_invoices_and_the_wallet_and_is_refused_a_top_up(
    organization, accountant, invoices, monkeypatch
):
    monkeypatch.setattr("billing.pdf.render_invoice_pdf", lambda invoice: b"%PDF-1.7 test")
    _token, plaintext = services_token(accountant, ["billing:read"])
    api = bearer(plaintext)
    base = f"/api/v1/organizations/{organization.pk}"

    listed = api.get(f"{base}/invoices")
    pdf = api.get(f"{base}/invoices/{invoices[0].pk}/pdf")
    exported = api.get(f"{base}/invoices/export")
    wallet = api.get(f"{base}/wallet")
    topped = api.post(f"{base}/wallet/top-up", {"amount": "10.00"}, format="json")
    products = api.get(f"{base}/products")

    assert len(listed.json()["results"]) == 3
    assert pdf.status_code == 200
    assert exported.status_code == 200
    assert wallet.status_code == 200
    assert topped.status_code == 403
    assert products.status_code == 403


def test_an_accountant_signed_in_is_refused_a_top_up_and_an_order_by_the_api(organization, accountant):
    api = APIClient()
    api.force_login(accountant)
    base = f"/api/v1/organizations/{organization.pk}"

    topped = api.post(
        f"{base}/wallet/top-up", {"amount": "10.00"}, format="json", headers={"Idempotency-Key": "k-1"}
    )
    ordered = api.post(
        f"{base}/orders", {"product_type": "web-hosting", "name": "x.example.ch"}, format="json"
    )

    assert topped.status_code == 403
    assert topped.json()["detail"] == "Your role (Accountant) does not allow you to top up the wallet."
    assert ordered.status_code == 403
    assert LedgerEntry.objects.count() == 0


def test_a_partner_s_accountant_does_not_act_for_its_clients(organization, partner_org, partnership):
    partnership(access="full")
    books = member(partner_org, Role.ACCOUNTANT, email="books@leman.example")

    assert resolve_access(books, organization) is None
