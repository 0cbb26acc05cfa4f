"""The password window on the API's sensitive partner actions (Full access, who pays, accepting Full access):
a browser session must have confirmed its password within the window, as on the console pages; a token,
created with the password, acts within its scopes."""

import time

import pytest
from rest_framework.test import APIClient

from core.sudo import SESSION_KEY
from partners.models import Partnership
from tests.factories import PartnershipFactory, ProductFactory

ASKED = "Confirm your password first (/accounts/confirm-password/)"


@pytest.fixture
def session(client_legal):
    client = APIClient()
    client.force_login(client_legal)
    return client


def open_window(client):
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()


def test_inviting_a_partner_with_full_access_asks_the_password_window_of_a_session(
    session, client_org, partner_org
):
    url = f"/api/v1/organizations/{client_org.pk}/partnerships"
    full = {"partner": partner_org.pk, "access": "full", "payment_method": "partner"}
    limited = {
        "partner": partner_org.pk,
        "access": "limited",
        "products": [ProductFactory(organization=client_org).pk],
    }

    refused = session.post(url, full, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(ASKED)
    assert not Partnership.objects.exists()
    assert session.post(url, limited, format="json").status_code == 201, "Limited access needs no password"
    Partnership.objects.all().delete()

    open_window(session)

    assert session.post(url, full, format="json").status_code == 201
    assert Partnership.objects.get().access == "full"


def test_who_pays_asks_the_window_of_a_session_not_of_a_token(
    session, bearer, make_token, client_legal, client_org, partner_org
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, access="full")
    url = f"/api/v1/organizations/{client_org.pk}/partnerships/{partnership.pk}"
    _, plaintext = make_token(client_legal, scopes_=["partners:write"])

    refused = session.patch(url, {"payment_method": "partner"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(ASKED)
    partnership.refresh_from_db()
    assert partnership.payment_method == "client"

    by_token = bearer(plaintext).patch(url, {"payment_method": "partner"}, format="json")
    assert by_token.status_code == 200
    partnership.refresh_from_db()
    assert partnership.payment_method == "partner"


def test_accepting_a_request_for_full_access_asks_the_window_unless_narrowed_to_limited(
    session, client_org, partner_org
):
    def request_for_full_access(**partner):
        return PartnershipFactory(
            client=client_org, access="full", status="pending", initiated_by="partner", **partner
        )

    full, narrowed = request_for_full_access(partner=partner_org), request_for_full_access()
    product = ProductFactory(organization=client_org)
    base = f"/api/v1/organizations/{client_org.pk}/partnerships"

    refused = session.post(f"{base}/{full.pk}/accept", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(ASKED)
    full.refresh_from_db()
    assert full.status == "pending"
    limited = session.post(
        f"{base}/{narrowed.pk}/accept", {"access": "limited", "products": [product.pk]}, format="json"
    )
    assert limited.status_code == 200, limited.content
    assert limited.json()["access"] == "limited"

    open_window(session)

    assert session.post(f"{base}/{full.pk}/accept", {}, format="json").status_code == 200
    full.refresh_from_db()
    assert (full.status, full.access) == ("active", "full")
