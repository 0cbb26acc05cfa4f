"""Repeat views from the page cache: served while the data is unchanged, never after a committed write, never
to someone the access rules refuse, never across sessions. These tests commit for real (transactional), as
the data version moves only when a transaction commits."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from billing import services
from console.data_version import _Bump, changes_data, current_data_version
from organizations.access import resolve_access
from organizations.models import Organization, ProductType, Role
from partners.services import partnership_stop
from tests.factories import OrganizationFactory, PartnershipFactory, member
from tokens.scopes import MANAGER_API
from tokens.services import token_create


@pytest.fixture
def page_cache(settings, transactional_db):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def partner_with_client(page_cache, partner_org, partner_legal):
    client = OrganizationFactory(name="Alpine Shop")
    PartnershipFactory(client=client, partner=partner_org, access="full", payment_method="client")
    return client


def signed_in(user) -> Client:
    """A browser that has signed in: it holds a session and, as after the sign-in page, a CSRF cookie."""
    browser = Client()
    browser.force_login(user)
    browser.get(reverse("terms"))
    return browser


def queries_of(browser: Client, url: str):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200, response.content[:300]
    return response, len(captured)


def managed_clients_url(partner_org) -> str:
    return reverse("managed_clients", kwargs={"org_id": partner_org.pk})


# The data version


@pytest.mark.parametrize(
    ("sql", "changes"),
    [
        ('INSERT INTO "billing_invoice" ("number") VALUES (%s)', True),
        ('UPDATE "organizations_organization" SET "name" = %s', True),
        ('DELETE FROM "partners_partnership" WHERE "id" = %s', True),
        ('SELECT "organizations_organization"."id" FROM "organizations_organization"', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "console_dataversion" ("id", "token") VALUES (%s, %s)', False),
    ],
)
def test_only_writes_to_the_data_change_its_version(sql, changes):
    assert changes_data(sql) is changes


def test_a_committed_write_gives_the_data_a_new_version_and_a_rolled_back_one_does_not(transactional_db):
    organization = OrganizationFactory(name="Helvetia Web AG")
    before = current_data_version()

    def failing_transaction():
        with transaction.atomic():
            Organization.objects.filter(pk=organization.pk).update(name="Never saved")
            raise RuntimeError("the transaction fails")

    with pytest.raises(RuntimeError):
        failing_transaction()
    assert current_data_version() == before

    with transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(name="Helvetia Hosting AG")
        assert current_data_version() == before, "other requests see the new version only after the commit"
    assert current_data_version() != before


def test_a_transaction_bumps_the_version_once_whatever_the_number_of_writes(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        for number in range(3):
            OrganizationFactory(name=f"Client {number}")
    assert sum(isinstance(callback, _Bump) for callback in callbacks) == 1


def test_saving_a_session_leaves_the_version_alone(transactional_db):
    before = current_data_version()
    Session.objects.create(session_key="x" * 32, session_data="", expire_date="2030-01-01T00:00:00Z")
    assert current_data_version() == before


def test_a_session_is_read_with_the_data_version_and_an_expired_one_not_at_all(transactional_db):
    from console.sessions import SessionStore

    store = SessionStore()
    store["theme"] = "dark"
    store.create()
    reread = SessionStore(store.session_key)
    assert reread["theme"] == "dark"
    assert reread.data_version == current_data_version()

    Session.objects.filter(session_key=store.session_key).update(expire_date="2000-01-01T00:00:00Z")
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert expired.data_version is None


# Pages


def test_a_repeat_view_of_managed_clients_is_served_from_the_cache_with_fewer_queries(
    partner_with_client, partner_org, partner_legal
):
    browser = signed_in(partner_legal)
    browser.get(managed_clients_url(partner_org))  # the first visit records the organization in the session
    first, rendered_queries = queries_of(browser, managed_clients_url(partner_org))
    again, cached_queries = queries_of(browser, managed_clients_url(partner_org))

    assert again.content == first.content
    assert b"Alpine Shop" in again.content
    assert cached_queries < rendered_queries
    assert cached_queries == 1  # the session and the data version, read together; not even the user


def test_a_visit_to_another_organization_in_between_is_recorded_by_a_full_view(
    partner_with_client, partner_org, partner_legal
):
    browser = signed_in(partner_legal)
    url = managed_clients_url(partner_org)
    queries_of(browser, url)
    queries_of(browser, url)
    assert browser.get(reverse("dashboard", kwargs={"org_id": partner_with_client.pk})).status_code == 200
    assert browser.session["current_organization_id"] == partner_with_client.pk

    queries_of(browser, url)
    assert browser.session["current_organization_id"] == partner_org.pk


def test_a_committed_change_shows_on_the_next_view(partner_with_client, partner_org, partner_legal):
    browser = signed_in(partner_legal)
    url = managed_clients_url(partner_org)
    queries_of(browser, url)

    Organization.objects.filter(pk=partner_with_client.pk).update(name="Alpine Outdoor AG")

    page, _ = queries_of(browser, url)
    assert b"Alpine Outdoor AG" in page.content
    assert b"Alpine Shop" not in page.content


def test_the_access_rules_run_before_the_cache(partner_with_client, partner_org, partner_legal, partner_user):
    """A cached page is never a way around a refusal: an outsider still gets 404, a member without the right
    403, and a partner whose collaboration ended no longer sees the client."""
    url = managed_clients_url(partner_org)
    queries_of(signed_in(partner_legal), url)

    outsider = member(OrganizationFactory(name="Elsewhere GmbH"), Role.LEGAL_REPRESENTATIVE)
    assert signed_in(outsider).get(url).status_code == 404
    external = member(partner_org, Role.EXTERNAL, email="external@leman.example")
    assert signed_in(external).get(url).status_code in (403, 404)

    client_dashboard = reverse("dashboard", kwargs={"org_id": partner_with_client.pk})
    browser = signed_in(partner_legal)
    assert browser.get(client_dashboard).status_code == 200
    partnership = partner_with_client.partnerships_as_client.get()
    partnership_stop(
        access=resolve_access(partner_legal, partner_org), partnership=partnership, password_confirmed=True
    )
    page, _ = queries_of(browser, url)
    assert b"Alpine Shop" not in page.content
    assert browser.get(client_dashboard).status_code == 404


def test_each_session_has_its_own_copy_with_its_own_csrf_token(
    partner_with_client, partner_org, partner_legal
):
    url = managed_clients_url(partner_org)
    first_browser, second_browser = signed_in(partner_legal), signed_in(partner_legal)
    queries_of(first_browser, url)
    queries_of(first_browser, url)

    page, queries = queries_of(second_browser, url)
    assert queries > 5, "another session's copy is not served"
    second_browser.get(url)
    csrf_token = second_browser.cookies["csrftoken"].value
    assert csrf_token != first_browser.cookies["csrftoken"].value
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = second_browser.cookies
    response = strict.post(
        reverse("set_theme"), {"theme": "dark", "csrfmiddlewaretoken": token_in(page.content.decode())}
    )
    assert response.status_code in (200, 302), "the page's form token belongs to this session"


def token_in(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_a_page_with_a_message_to_show_is_rendered_and_the_message_shown_once(
    partner_with_client, partner_org, partner_legal
):
    browser = signed_in(partner_legal)
    url = managed_clients_url(partner_org)
    queries_of(browser, url)
    browser.post(reverse("set_theme"), {"theme": "purple", "next": url})  # refused, with a message

    assert b"Choose automatic, light or dark." in browser.get(url).content
    assert b"Choose automatic, light or dark." not in browser.get(url).content


def test_the_cache_can_be_turned_off(partner_with_client, partner_org, partner_legal, settings):
    settings.PAGE_CACHE_SECONDS = 0
    browser = signed_in(partner_legal)
    browser.get(managed_clients_url(partner_org))  # the first visit records the organization in the session
    _, first = queries_of(browser, managed_clients_url(partner_org))
    _, again = queries_of(browser, managed_clients_url(partner_org))
    assert again == first


@pytest.mark.parametrize(
    "ends_the_session",
    [
        pytest.param(lambda browser, user: browser.logout(), id="signed out"),
        pytest.param(lambda browser, user: Session.objects.all().delete(), id="session deleted"),
        pytest.param(
            lambda browser, user: user.set_password("A new one, 2026!") or user.save(), id="new password"
        ),
        pytest.param(
            lambda browser, user: setattr(user, "is_active", False) or user.save(), id="deactivated"
        ),
        pytest.param(
            lambda browser, user: (
                setattr(user, "session_generation", user.session_generation + 1) or user.save()
            ),
            id="signed out everywhere",
        ),
    ],
)
def test_a_cached_page_is_not_served_once_the_session_no_longer_signs_its_user_in(
    ends_the_session, partner_with_client, partner_org, partner_legal
):
    """The cache is looked up before the user is read: what would refuse the session must refuse it here."""
    browser = signed_in(partner_legal)
    browser.get(managed_clients_url(partner_org))
    assert browser.get(managed_clients_url(partner_org)).status_code == 200  # kept

    ends_the_session(browser, partner_legal)
    response = browser.get(managed_clients_url(partner_org))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_idle_session_is_signed_out_before_the_cache_is_read(
    partner_with_client, partner_org, partner_legal, settings, monkeypatch
):
    from organizations import session_limits

    browser = signed_in(partner_legal)
    browser.get(managed_clients_url(partner_org))
    assert browser.get(managed_clients_url(partner_org)).status_code == 200  # kept
    later = session_limits.now() + settings.SESSION_IDLE_TIMEOUT + 1
    monkeypatch.setattr(session_limits, "now", lambda: later)

    response = browser.get(managed_clients_url(partner_org))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# The API invoice list


@pytest.fixture
def billed(page_cache, catalog, organization, legal_representative):
    def _order(name):
        return services.product_order(
            access=resolve_access(legal_representative, organization),
            product_type=ProductType.objects.get(slug="web-hosting"),
            name=name,
        )

    return _order


def test_the_api_invoice_list_shows_a_new_invoice_at_once_and_repeats_from_the_cache(
    billed, organization, legal_representative
):
    api = APIClient()
    api.force_login(legal_representative)
    url = f"/api/v1/organizations/{organization.pk}/invoices"
    billed("shop.example.ch")
    first = api.get(url).json()
    with CaptureQueriesContext(connection) as captured:
        again = api.get(url).json()
    assert again == first
    assert len(captured) == 1  # the session and the data version, read together; not even the user

    billed("mail.example.ch")
    assert api.get(url).json()["count"] == first["count"] + 1


def test_the_api_invoice_list_refuses_who_may_not_see_it_even_once_cached(
    billed, organization, legal_representative, external_user
):
    url = f"/api/v1/organizations/{organization.pk}/invoices"
    billed("shop.example.ch")
    allowed = APIClient()
    allowed.force_login(legal_representative)
    assert allowed.get(url).status_code == 200

    refused = APIClient()
    refused.force_login(external_user)
    assert refused.get(url).status_code == 403
    outsider = APIClient()
    outsider.force_login(member(OrganizationFactory(name="Elsewhere GmbH"), Role.LEGAL_REPRESENTATIVE))
    assert outsider.get(url).status_code == 404


def api_token(user, scopes: list[str]):
    return token_create(
        user=user, name="Script", application=MANAGER_API, scopes=scopes, password_confirmed=True
    )


def test_a_token_without_the_billing_scope_is_refused_after_its_user_s_list_was_cached(
    billed, organization, legal_representative
):
    url = f"/api/v1/organizations/{organization.pk}/invoices"
    billed("shop.example.ch")
    _, members_only = api_token(legal_representative, ["members:read"])
    session = APIClient()
    session.force_login(legal_representative)
    assert session.get(url).status_code == 200  # kept for this user, this URL, this data

    response = APIClient().get(url, headers={"Authorization": f"Bearer {members_only}"})
    assert response.status_code == 403


def test_a_repeat_call_answered_from_the_cache_still_counts_against_the_session_s_throttle(
    billed, organization, legal_representative, monkeypatch
):
    from tokens.throttling import TokenOrUserRateThrottle

    monkeypatch.setattr(TokenOrUserRateThrottle, "THROTTLE_RATES", {"api": "3/min"})
    url = f"/api/v1/organizations/{organization.pk}/invoices"
    billed("shop.example.ch")
    api = APIClient()
    api.force_login(legal_representative)

    answers = [api.get(url) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[1].json() == answers[0].json()  # served from the cache, and counted


def test_a_token_s_repeat_call_is_answered_from_the_cache_after_the_token_is_checked(
    billed, organization, legal_representative
):
    url = f"/api/v1/organizations/{organization.pk}/invoices"
    billed("shop.example.ch")
    token, plaintext = api_token(legal_representative, ["billing:read"])
    script = APIClient(headers={"Authorization": f"Bearer {plaintext}"})
    first = script.get(url).json()
    with CaptureQueriesContext(connection) as captured:
        again = script.get(url).json()
    assert again == first
    assert len(captured) == 1  # the token, its user and the data version, read together

    token.expires_at = token.created_at  # expired: refused, cached answer or not
    token.save()
    assert script.get(url).status_code == 401
