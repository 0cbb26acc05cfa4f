"""The subscription API: a product's period and automatic renewal, cancellation, change of type, Pay now,
and the who-pays preview of a partnership (client and partner side) — who may call each, with which token
scope, and what a client never sees (its partner's price and invoices)."""

from decimal import Decimal

import pytest

from billing import services
from billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from organizations.models import Role
from tests.factories import OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member
from tokens import services as token_services
from tokens.scopes import MANAGER_API

from .conftest import ROLES
from .test_billing_api import invoice_of, new_key, order_as, org_url


@pytest.fixture
def partner_org(db):
    return PartnerProfileFactory(
        organization=OrganizationFactory(name="Agence Léman SA", country="CH")
    ).organization


@pytest.fixture
def partner_user(partner_org):
    return member(partner_org, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example")


SEES_PARTNERS = dict(zip(ROLES, [200, 200, 403, 403, 403, 404, 401], strict=True))


@pytest.fixture
def link(organization, partner_org):
    return PartnershipFactory(
        client=organization, partner=partner_org, access="full", payment_method="client"
    )


@pytest.fixture
def ordered_by_partner(organization, link, partner_user):
    return order_as(partner_user, organization, name="by-partner.example.ch")


@pytest.mark.parametrize("role", ROLES)
def test_the_client_side_preview_is_for_those_who_see_the_partners(
    role, callers, client_of, organization, link, ordered_by_partner
):
    response = client_of(callers[role]).get(org_url(organization, f"partnerships/{link.pk}/who-pays-preview"))
    assert response.status_code == SEES_PARTNERS[role], response.content


def test_the_client_sees_the_renewals_under_each_choice_but_not_the_partners_price(
    client_of, organization, legal_representative, link, ordered_by_partner, partner_org
):
    response = client_of(legal_representative).get(
        org_url(organization, f"partnerships/{link.pk}/who-pays-preview")
    )

    assert response.status_code == 200
    by_method = {choice["payment_method"]: choice for choice in response.json()}
    assert by_method["client"]["is_current"] is True
    [client_pays] = by_method["client"]["renewals"]
    assert (client_pays["product_name"], client_pays["gross_amount"]) == ("by-partner.example.ch", "74.59")
    assert client_pays["payer"]["id"] == organization.pk
    [partner_pays] = by_method["partner"]["renewals"]
    assert partner_pays["payer"] == {"id": partner_org.pk, "name": partner_org.name}
    assert (partner_pays["net_amount"], partner_pays["gross_amount"]) == (None, None)
    assert "58.65" not in response.content.decode()
    assert "63.40" not in response.content.decode()


def test_the_partner_sees_every_amount_on_its_side_and_nothing_for_another_partners_client(
    client_of, organization, link, ordered_by_partner, partner_org, partner_user
):
    client = client_of(partner_user)
    response = client.get(org_url(partner_org, f"managed-clients/{link.pk}/who-pays-preview"))

    assert response.status_code == 200
    by_method = {choice["payment_method"]: choice for choice in response.json()}
    assert by_method["partner"]["renewals"][0]["net_amount"] == "58.65"
    assert by_method["partner"]["renewals"][0]["gross_amount"] == "63.40"
    # Acting for the client, the partner has no client-side preview; another partner's client is not found.
    assert client.get(org_url(organization, f"partnerships/{link.pk}/who-pays-preview")).status_code == 404
    other = PartnershipFactory(partner=member(organization, Role.USER).memberships.get().organization)
    assert client.get(org_url(partner_org, f"managed-clients/{other.pk}/who-pays-preview")).status_code == 404


def test_a_change_of_type_paid_by_the_partner_shows_the_client_no_invoice(
    client_of, organization, legal_representative, partner_org, partner_user
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    product = order_as(partner_user, organization, name="paid-by-partner.example.ch").product

    response = client_of(legal_representative).post(
        org_url(organization, f"products/{product.pk}/change-type"),
        {"product_type": "cloud-server"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["document"] is None
    assert response.json()["product"]["product_type"] == "cloud-server"
    assert Invoice.objects.filter(organization=partner_org, lines__order__kind="change").count() == 1


def test_change_type_names_the_field_of_a_type_of_another_category(
    client_of, organization, legal_representative
):
    product = order_as(legal_representative, organization).product
    response = client_of(legal_representative).post(
        org_url(organization, f"products/{product.pk}/change-type"),
        {"product_type": "mail-service"},
        format="json",
    )
    assert response.status_code == 400
    assert "product_type" in response.json()


def test_pay_now_is_idempotent_and_refuses_an_uncovered_invoice(
    client_of, organization, legal_representative
):
    invoice = invoice_of(order_as(legal_representative, organization))
    client = client_of(legal_representative)
    url = org_url(organization, f"invoices/{invoice.pk}/pay")

    refused = client.post(url)
    assert refused.status_code == 400
    assert "does not cover" in str(refused.json())

    services._move(
        services.wallet_of(organization),
        amount=Decimal("80.00"),
        kind="refund",
        description="Refund",
        by=None,
    )
    key = new_key()
    first = client.post(url, headers={"Idempotency-Key": key})
    again = client.post(url, headers={"Idempotency-Key": key})
    without_key = client.post(url)

    assert first.status_code == again.status_code == without_key.status_code == 200
    assert first.json()["status"] == InvoiceStatus.PAID
    assert again["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(invoice=invoice, kind=EntryKind.PAYMENT).count() == 1


def test_the_subscription_reads_its_period_end_and_renewal_and_a_read_token_cannot_change_it(
    client_of, organization, legal_representative, bearer_of
):
    product = order_as(legal_representative, organization).product
    url = org_url(organization, f"products/{product.pk}/subscription")

    body = client_of(legal_representative).get(url).json()
    assert (body["period"], body["auto_renew"], body["cancelled_at"]) == ("year", True, None)
    assert body["expires_at"] is not None

    read_only = bearer_of(legal_representative, ["billing:read"])
    assert read_only.get(url).status_code == 200
    refused = read_only.patch(url, {"auto_renew": False}, format="json")
    assert refused.status_code == 403
    assert "billing:write" in refused.json()["detail"]
    product.refresh_from_db()
    assert product.auto_renew is True

    writer = bearer_of(legal_representative, ["billing:write"])
    assert writer.post(org_url(organization, f"products/{product.pk}/cancel")).status_code == 200
    product.refresh_from_db()
    assert (product.auto_renew, product.cancelled_at is not None) == (False, True)


@pytest.fixture
def bearer_of(db):
    from rest_framework.test import APIClient

    def _bearer_of(user, scopes):
        created = token_services.token_create(
            user=user, name="Script", application=MANAGER_API, scopes=scopes, password_confirmed=True
        )
        plaintext = created[1] if isinstance(created, tuple) else created.plaintext
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        return client

    return _bearer_of
