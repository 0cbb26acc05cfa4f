"""Cookie consent: the banner until a choice exists, the choice in a cookie and with the account, changeable
from the footer at any time, and no optional cookie before consent."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.consent import CONSENT_COOKIE, CONSENT_VERSION, parse_consent
from compliance.models import CookieConsent
from core.models import AuditEvent

BANNER = 'id="cookie-banner"'
PUBLIC_PAGES = ["login", "privacy_policy", "data_protection_policy", "whistleblower", "cookie_preferences"]


def choose(client, **data):
    return client.post(reverse("cookie_preferences"), data)


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_a_first_visit_shows_the_banner_and_sets_no_optional_cookie(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert BANNER in response.text
    assert "Necessary only" in response.text
    assert "Analytics cookies" in response.text
    assert "Marketing cookies" in response.text
    # Only what the console needs: at most the CSRF token; never a consent or tracking cookie by itself.
    assert set(response.cookies) <= {"csrftoken"}


def test_the_banner_script_is_a_static_file(client, db):
    response = client.get(reverse("login"))
    assert '<script src="/static/console/cookies.js" defer></script>' in response.text
    assert "<script>" not in response.text


def test_necessary_only_hides_the_banner_and_remembers_the_choice(client, db):
    response = choose(client, choice="necessary", analytics="on", marketing="on", next="/legal/privacy/")
    assert response.status_code == 302
    assert response.url == "/legal/privacy/"
    cookie = response.cookies[CONSENT_COOKIE]
    consent = parse_consent(cookie.value)
    assert (consent.analytics, consent.marketing, consent.version) == (False, False, CONSENT_VERSION)
    assert abs(consent.given_at - timezone.now()) < timedelta(seconds=5)
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert BANNER not in client.get(reverse("login")).text


def test_choosing_analytics_only(client, db):
    choose(client, choice="save", analytics="on")
    consent = parse_consent(client.cookies[CONSENT_COOKIE].value)
    assert (consent.analytics, consent.marketing) == (True, False)
    page = client.get(reverse("cookie_preferences")).text
    assert "necessary, analytics." in page
    assert re.search(r'<input type="checkbox" name="analytics"[^>]* checked>', page)
    assert not re.search(r'<input type="checkbox" name="marketing"[^>]* checked>', page)


def test_the_choice_is_changed_later_from_the_footer(client, db):
    choose(client, choice="save", analytics="on", marketing="on")
    footer = client.get(reverse("privacy_policy")).text
    assert f'href="{reverse("cookie_preferences")}">Cookie preferences</a>' in footer
    choose(client, choice="save", marketing="on")
    consent = parse_consent(client.cookies[CONSENT_COOKIE].value)
    assert (consent.analytics, consent.marketing) == (False, True)


def test_a_signed_in_users_choice_is_stored_with_the_time(client, plain_user):
    client.force_login(plain_user)
    choose(client, choice="save", analytics="on")
    choose(client, choice="necessary")
    first, second = CookieConsent.objects.filter(user=plain_user).order_by("given_at", "id")
    assert (first.analytics, first.marketing) == (True, False)
    assert (second.analytics, second.marketing) == (False, False)
    assert second.version == CONSENT_VERSION
    assert abs(second.given_at - timezone.now()) < timedelta(seconds=5)
    assert AuditEvent.objects.filter(actor=plain_user, action="cookie_consent.given").count() == 2
    with pytest.raises(PermissionError):
        second.delete()


def test_the_stored_choice_follows_the_user_to_another_browser(client, plain_user, password):
    client.force_login(plain_user)
    choose(client, choice="save", marketing="on")
    client.logout()
    client.cookies.clear()
    assert BANNER in client.get(reverse("login")).text
    client.post(reverse("login"), {"username": plain_user.email, "password": password})
    response = client.get(reverse("privacy_policy"))
    assert BANNER not in response.text


def test_an_anonymous_choice_is_only_in_the_cookie(client, db):
    choose(client, choice="save", analytics="on")
    assert not CookieConsent.objects.exists()


def test_a_choice_made_before_signing_in_is_stored_with_the_account(client, plain_user, password):
    """The banner is answered on the sign-in page; signing in then keeps that choice, with its time."""
    choose(client, choice="save", marketing="on")
    chosen_at = parse_consent(client.cookies[CONSENT_COOKIE].value).given_at
    client.post(reverse("login"), {"username": plain_user.email, "password": password})
    stored = CookieConsent.objects.get(user=plain_user)
    assert (stored.analytics, stored.marketing, stored.given_at) == (False, True, chosen_at)
    # Signing in again with the same choice in the browser stores nothing new.
    client.logout()
    client.post(reverse("login"), {"username": plain_user.email, "password": password})
    assert CookieConsent.objects.filter(user=plain_user).count() == 1


def test_an_older_browser_choice_does_not_replace_a_newer_one_of_the_account(client, plain_user, password):
    client.cookies[CONSENT_COOKIE] = "1:11:1764168000"  # 2025-11-26, before the account's choice
    CookieConsent.objects.create(user=plain_user, analytics=False, marketing=False, version=CONSENT_VERSION)
    client.post(reverse("login"), {"username": plain_user.email, "password": password})
    assert CookieConsent.objects.filter(user=plain_user).count() == 1


def test_the_banner_saves_without_a_reload_when_asked_for_json(client, db):
    response = client.post(
        reverse("cookie_preferences"), {"choice": "save", "marketing": "on"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"analytics": False, "marketing": True, "version": CONSENT_VERSION}
    assert parse_consent(response.cookies[CONSENT_COOKIE].value).marketing


def test_the_preferences_page_refuses_to_send_people_elsewhere(client, db):
    response = choose(client, choice="necessary", next="https://evil.example/")
    assert response.url == reverse("cookie_preferences")


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "1:2x:1764168000", "0:10:1764168000", "1:10", "1:10:notanumber", "2:11:1764168000"],
)
def test_a_malformed_or_outdated_cookie_asks_again(client, db, value):
    client.cookies[CONSENT_COOKIE] = value
    assert parse_consent(value) is None
    assert BANNER in client.get(reverse("login")).text


def test_a_valid_cookie_reads_back():
    consent = parse_consent("1:01:1764168000")
    assert (consent.analytics, consent.marketing) == (False, True)
    assert consent.given_at == datetime(2025, 11, 26, 14, 40, tzinfo=UTC)
