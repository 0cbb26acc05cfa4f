"""`/api/v1/tokens`: list your tokens, create one with your password (answered once), revoke; throttling per
token and per user; the Django admin lists tokens without secrets and lets staff disable them."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.admin.sites import site
from rest_framework.test import APIClient

from core.models import AuditEvent
from tokens.admin import ApiTokenAdmin
from tokens.models import ApiToken
from tokens.throttling import TokenOrUserRateThrottle


@pytest.fixture
def session(plain_user):
    client = APIClient()
    client.force_login(plain_user)
    return client


def test_create_a_token_needs_the_password_and_answers_it_once(session, plain_user, password, bearer):
    body = {"name": "CI", "application": "manager", "scopes": ["billing:read"]}

    missing = session.post("/api/v1/tokens", body, format="json")
    wrong = session.post("/api/v1/tokens", {**body, "password": "wrong"}, format="json")
    created = session.post("/api/v1/tokens", {**body, "password": password}, format="json")

    assert missing.status_code == 400
    assert missing.json() == {"password": ["This field is required."]}
    assert wrong.status_code == 400
    assert wrong.json() == {"password": ["The password is not correct."]}
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    plaintext = created.json()["token"]
    assert created.json()["scopes"] == ["billing:read"]
    assert created.json()["status"] == "Active"
    assert bearer(plaintext).get("/api/v1/me").status_code == 403  # organizations:read was not given
    listed = session.get("/api/v1/tokens").json()["results"]
    assert [t["token"] for t in listed] == [ApiToken.objects.get().masked]
    assert plaintext not in str(listed)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "", "scopes": ["billing:read"]}, {"name": ["This field may not be blank."]}),
        ({"name": "x", "scopes": []}, {"scopes": ["Choose at least one scope."]}),
        (
            {"name": "x", "scopes": ["billing:admin"]},
            {"scopes": ["Not a scope of this application: billing:admin."]},
        ),
        (
            {"name": "x", "application": "nope", "scopes": ["x"]},
            {"application": ["Choose an application from the list."]},
        ),
        (
            {"name": "x", "scopes": ["billing:read"], "expires_at": "2000-01-01T00:00:00Z"},
            {"expires_at": ["The validity must end in the future."]},
        ),
    ],
)
def test_bad_token_requests_are_400_with_field_errors(session, password, body, errors):
    response = session.post("/api/v1/tokens", {**body, "password": password}, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not ApiToken.objects.exists()


def test_revoke_your_token_but_not_someone_elses(session, plain_user, administrator, make_token, bearer):
    mine, plaintext = make_token(plain_user)
    theirs, _ = make_token(administrator)

    assert session.delete(f"/api/v1/tokens/{theirs.pk}").status_code == 404
    assert session.delete(f"/api/v1/tokens/{mine.pk}").status_code == 204

    assert ApiToken.objects.get(pk=theirs.pk).status == "active"
    assert ApiToken.objects.get(pk=mine.pk).status == "revoked"
    assert bearer(plaintext).get("/api/v1/tokens").status_code == 401


def test_tokens_revoke_all_ends_every_token_of_the_user(plain_user, administrator, make_token):
    from tokens.services import tokens_revoke_all

    make_token(plain_user)
    make_token(plain_user)
    theirs, _ = make_token(administrator)

    assert tokens_revoke_all(user=plain_user, reason="Password compromised.") == 2
    assert set(ApiToken.objects.filter(user=plain_user).values_list("status", "status_reason")) == {
        ("revoked", "Password compromised.")
    }
    assert ApiToken.objects.get(pk=theirs.pk).status == "active"


def test_each_token_has_its_own_budget_then_429_with_retry_after(monkeypatch, make_token, plain_user, bearer):
    monkeypatch.setattr(TokenOrUserRateThrottle, "THROTTLE_RATES", {"api": "3/min"})
    _, first = make_token(plain_user)
    _, second = make_token(plain_user)

    answers = [bearer(first).get("/api/v1/me") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["detail"].startswith("Request was throttled.")
    assert bearer(second).get("/api/v1/me").status_code == 200


def test_a_session_is_throttled_per_user(monkeypatch, session):
    monkeypatch.setattr(TokenOrUserRateThrottle, "THROTTLE_RATES", {"api": "2/min"})

    assert [session.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]


def test_the_budget_comes_back_when_retry_after_has_passed(monkeypatch, make_token, plain_user, bearer):
    monkeypatch.setattr(TokenOrUserRateThrottle, "THROTTLE_RATES", {"api": "2/min"})
    _, plaintext = make_token(plain_user)
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, 10, tzinfo=UTC), tick=False) as clock:
        answers = [bearer(plaintext).get("/api/v1/me") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        retry_after = int(answers[-1]["Retry-After"])
        assert 0 < retry_after <= 60

        clock.shift(retry_after - 1)
        assert bearer(plaintext).get("/api/v1/me").status_code == 429
        clock.shift(1)
        assert bearer(plaintext).get("/api/v1/me").status_code == 200


def test_the_admin_lists_tokens_without_secrets_and_staff_disable_them(
    client, admin_user, make_token, plain_user, django_capture_on_commit_callbacks
):
    token, plaintext = make_token(plain_user, name="Deploy")
    client.force_login(admin_user)

    listed = client.get("/admin/tokens/apitoken/")
    detail = client.get(f"/admin/tokens/apitoken/{token.pk}/change/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/tokens/apitoken/",
            {"action": "disable_tokens", "_selected_action": [token.pk]},
            follow=True,
        )

    assert token.masked in listed.text
    for page in (listed, detail):
        assert plaintext not in page.text
        assert token.token_hash not in page.text
    token.refresh_from_db()
    assert (token.status, token.status_reason) == ("disabled", "Disabled by the staff.")
    assert AuditEvent.objects.get(action="api_token.disabled").actor == admin_user
    model_admin = ApiTokenAdmin(ApiToken, site)
    assert not model_admin.has_add_permission(None)
    assert not model_admin.has_delete_permission(None)


def test_the_token_list_has_a_query_budget(bearer, make_token, plain_user, django_assert_max_num_queries):
    for index in range(8):
        make_token(plain_user, name=f"Token {index}")
    _, plaintext = make_token(plain_user, name="Lister")

    with django_assert_max_num_queries(4):
        response = bearer(plaintext).get("/api/v1/tokens")

    assert response.json()["count"] == 9
