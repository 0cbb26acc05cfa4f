"""Bearer authentication: the token acts as its user; expired, revoked, disabled, idle or unknown tokens are
401 with a clear message and `WWW-Authenticate: Bearer`; `last_used_at` is written at most once a minute."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from console.models import MailboxMessage
from tokens import services
from tokens.models import ApiToken

NOW = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


def test_a_token_acts_as_its_user(bearer, make_token, legal_representative, organization):
    _, plaintext = make_token(legal_representative)

    response = bearer(plaintext).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == legal_representative.email
    assert [o["id"] for o in response.json()["organizations"]] == [organization.pk]


def test_without_credentials_the_api_answers_401_with_the_bearer_challenge(db):
    response = APIClient().get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def _refused(client, message):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert message in response.json()["detail"]


def test_a_revoked_token_is_refused(bearer, make_token, plain_user):
    token, plaintext = make_token(plain_user)
    services.token_revoke(token=token, by=plain_user)

    _refused(bearer(plaintext), "This API token has been revoked.")


def test_a_disabled_token_is_refused_with_the_reason(bearer, make_token, plain_user, administrator):
    token, plaintext = make_token(plain_user)
    services.token_disable(token=token, reason="Leaked in a public repository.", by=administrator)

    _refused(bearer(plaintext), "This API token has been disabled: Leaked in a public repository.")


def test_a_token_works_until_its_expiry_then_is_refused(bearer, make_token, plain_user):
    with time_machine.travel(NOW, tick=False):
        _, plaintext = make_token(plain_user, expires_at=NOW + timedelta(days=30))
    with time_machine.travel(NOW + timedelta(days=29, hours=23), tick=False):
        assert bearer(plaintext).get("/api/v1/me").status_code == 200
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        _refused(bearer(plaintext), "This API token expired on 2026-04-01")


def test_the_token_of_a_deactivated_account_is_refused(bearer, make_token, plain_user):
    _, plaintext = make_token(plain_user)
    plain_user.is_active = False
    plain_user.save()

    _refused(bearer(plaintext), "The account of this API token is deactivated.")


def test_last_used_is_written_at_most_once_a_minute(bearer, make_token, plain_user):
    with time_machine.travel(NOW, tick=False):
        token, plaintext = make_token(plain_user)
    client = bearer(plaintext)

    def call_at(moment):
        with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/me", REMOTE_ADDR="203.0.113.7").status_code == 200
        token_reads = [q for q in queries if "tokens_apitoken" in q["sql"] and q["sql"].startswith("SELECT")]
        assert len(token_reads) == 1, "one query for the token and its user"
        assert "organizations_user" in token_reads[0]["sql"]
        return [q for q in queries if q["sql"].startswith("UPDATE") and "tokens_apitoken" in q["sql"]]

    assert len(call_at(NOW + timedelta(minutes=5))) == 1
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(minutes=5)
    assert ApiToken.objects.get(pk=token.pk).last_used_ip == "203.0.113.7"
    assert call_at(NOW + timedelta(minutes=5, seconds=30)) == []
    assert call_at(NOW + timedelta(minutes=5, seconds=59)) == []
    assert len(call_at(NOW + timedelta(minutes=6, seconds=1))) == 1
    assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(minutes=6, seconds=1)


@pytest.mark.django_db(transaction=False)
def test_a_token_idle_for_a_year_is_disabled_when_used(
    bearer, make_token, plain_user, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        token, plaintext = make_token(plain_user)
    with time_machine.travel(NOW + timedelta(days=364), tick=False):
        assert bearer(plaintext).get("/api/v1/me").status_code == 200
    # One year after that last use.
    with (
        time_machine.travel(NOW + timedelta(days=364 + 365), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _refused(bearer(plaintext), "This API token has been disabled: Not used for one year.")

    token.refresh_from_db()
    assert (token.status, token.status_reason) == ("disabled", "Not used for one year.")
    mail = MailboxMessage.objects.get()
    assert plain_user.email in mail.recipients
    assert 'Your API token "Script" has been disabled' in mail.subject
