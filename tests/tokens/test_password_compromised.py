"""The compromised-password action (Account → Security) ends the API tokens of the account too."""

import pytest
from django.test import Client
from django.urls import reverse

from tokens.models import ApiToken, TokenStatus

NEW_PASSWORD = "a-new-and-long-passphrase-2026"


@pytest.mark.django_db
def test_a_compromised_password_revokes_every_token_of_the_account_and_no_other(
    legal_representative, administrator, organization, password, make_token, bearer
):
    _, first = make_token(legal_representative, name="Backups")
    _, second = make_token(legal_representative, name="Invoices")
    _, colleague = make_token(administrator, name="Colleague")
    invoices = f"/api/v1/organizations/{organization.pk}/invoices"
    assert bearer(first).get(invoices).status_code == 200

    browser = Client()
    browser.force_login(legal_representative)
    response = browser.post(
        reverse("password_compromised"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    for plaintext in (first, second):
        refused = bearer(plaintext).get(invoices)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["detail"].lower()
    assert set(ApiToken.objects.filter(user=legal_representative).values_list("status", flat=True)) == {
        TokenStatus.REVOKED
    }
    assert bearer(colleague).get(invoices).status_code == 200
