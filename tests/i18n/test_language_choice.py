"""Which language a page speaks: the browser's on a first visit, the language menu's (sign-in page, user
menu), and the account's once signed in; and how each language writes dates and numbers."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from core.models import AuditEvent
from organizations.models import Organization, User

COOKIE = settings.LANGUAGE_COOKIE_NAME


def page_language(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def choose(client: Client, language: str, next_url: str = "/accounts/login/", **headers):
    return client.post(reverse("set_language"), {"language": language, "next": next_url}, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fr-CH,fr;q=0.9,en;q=0.5", "fr"),
        ("de-DE,de;q=0.9", "de"),
        ("it", "it"),
        ("en-US,en;q=0.9", "en"),
        ("es-ES,es;q=0.9", "en"),  # a language the console does not speak: English
        ("", "en"),
    ],
)
def test_a_first_visit_speaks_the_browsers_language(client, accept_language, expected):
    response = client.get(reverse("login"), headers={"accept-language": accept_language})

    assert response.status_code == 200
    assert page_language(response) == expected
    assert response["Content-Language"] == expected


@pytest.mark.django_db
def test_the_sign_in_page_offers_every_language_named_in_itself(client):
    page = client.get(reverse("login"), headers={"accept-language": "de"}).content.decode()

    assert f'action="{reverse("set_language")}"' in page
    for code, name in [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("it", "Italiano")]:
        assert re.search(rf'name="language" value="{code}" lang="{code}"[^>]*>{name}</button>', page), name
    assert re.search(r'value="de" lang="de" class="[^"]*\bactive\b[^"]*" aria-pressed="true"', page)


@pytest.mark.django_db
def test_choosing_a_language_when_signed_out_keeps_it_in_the_cookie(client):
    response = choose(client, "it", "/accounts/login/?next=/o/1/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/o/1/"
    assert response.cookies[COOKIE].value == "it"
    # The cookie outweighs the browser's language from then on.
    assert page_language(client.get(reverse("login"), headers={"accept-language": "fr"})) == "it"


def test_choosing_a_language_when_signed_in_keeps_it_in_the_account(client, legal_representative):
    client.force_login(legal_representative)

    response = choose(client, "de", "/o/1/")

    assert response.url == "/o/1/"
    assert response.cookies[COOKIE].value == "de"
    legal_representative.refresh_from_db()
    assert legal_representative.language == "de"
    event = AuditEvent.objects.get(action="user.language_changed")
    assert (event.actor, event.changes) == (legal_representative, {"language": ["", "de"]})
    # Choosing it again changes nothing and records nothing.
    choose(client, "de")
    assert AuditEvent.objects.filter(action="user.language_changed").count() == 1


def test_the_user_menu_offers_the_languages_and_marks_the_current_one(
    client, legal_representative, organization
):
    legal_representative.language = "it"
    legal_representative.save()
    client.force_login(legal_representative)

    page = client.get(reverse("dashboard", kwargs={"org_id": organization.pk})).content.decode()

    topbar = page[page.index('<header class="console-topbar') : page.index("</header>")]
    assert f'action="{reverse("set_language")}"' in topbar
    assert re.search(
        r'value="it" lang="it" class="[^"]*\bactive\b[^"]*" aria-pressed="true">Italiano<', topbar
    )
    assert re.search(
        r'value="fr" lang="fr" class="btn btn-outline-primary" aria-pressed="false">Français<', topbar
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "", "fr-xx", "<script>"])
def test_a_language_the_console_does_not_speak_is_refused(client, language):
    response = choose(client, language, "/accounts/login/")

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    page = client.get(response.url).content.decode()
    assert "Choose one of the languages offered." in page


def test_a_refused_language_leaves_the_account_as_it_was(client, legal_representative):
    legal_representative.language = "fr"
    legal_representative.save()
    client.force_login(legal_representative)

    choose(client, "xx")

    legal_representative.refresh_from_db()
    assert legal_representative.language == "fr"
    assert not AuditEvent.objects.filter(action="user.language_changed").exists()


@pytest.mark.django_db
def test_the_language_menu_goes_back_only_to_this_site(client):
    assert choose(client, "fr", "https://evil.example/phish").url == reverse("home")
    assert choose(client, "fr", "//evil.example/").url == reverse("home")


@pytest.mark.django_db
def test_the_language_menu_needs_a_post_with_its_csrf_token():
    client = Client(enforce_csrf_checks=True)

    assert client.get(reverse("set_language"), {"language": "fr"}).status_code == 405
    refused = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert refused.status_code == 403
    assert COOKIE not in refused.cookies


def test_a_signed_in_person_reads_their_accounts_language_whatever_the_browser_or_cookie_say(
    client, legal_representative, organization
):
    legal_representative.language = "it"
    legal_representative.save()
    client.cookies[COOKIE] = "fr"
    client.force_login(legal_representative)

    response = client.get(
        reverse("dashboard", kwargs={"org_id": organization.pk}), headers={"accept-language": "de"}
    )

    assert page_language(response) == "it"
    # The cookie follows the account, so that the sign-in page speaks Italian after signing out.
    assert response.cookies[COOKIE].value == "it"
    client.post(reverse("logout"))
    assert page_language(client.get(reverse("login"), headers={"accept-language": "de"})) == "it"


def test_an_account_without_a_language_reads_the_browsers(client, legal_representative, organization):
    client.force_login(legal_representative)

    response = client.get(
        reverse("dashboard", kwargs={"org_id": organization.pk}), headers={"accept-language": "fr"}
    )

    assert page_language(response) == "fr"
    assert COOKIE not in response.cookies
    legal_representative.refresh_from_db()
    assert legal_representative.language == ""


def test_signing_in_again_brings_back_the_accounts_language(client, legal_representative, password):
    legal_representative.language = "de"
    legal_representative.save()
    fresh = Client()  # another browser, which asks for French

    fresh.post(reverse("login"), {"username": legal_representative.email, "password": password})
    response = fresh.get(reverse("home"), headers={"accept-language": "fr"}, follow=True)

    assert page_language(response) == "de"
    assert fresh.cookies[COOKIE].value == "de"


@pytest.mark.django_db
def test_signing_up_keeps_the_language_the_page_was_shown_in(client):
    response = client.post(
        reverse("signup"),
        {
            "entity_type": "individual",
            "organization_name": "Camille Martin",
            "country": "FR",
            "full_name": "Camille Martin",
            "email": "camille@martin.example",
            "password": "a-long-enough-passphrase",
            "accept_terms": "on",
        },
        headers={"accept-language": "fr-FR,fr;q=0.9"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organization.objects.filter(name="Camille Martin").exists()
    assert User.objects.get(email="camille@martin.example").language == "fr"


@pytest.mark.parametrize(
    ("language", "short_date", "number"),
    [
        ("en", "2026-03-31", "1234.50"),  # English pages keep ISO dates
        ("fr", "31/03/2026", "1234,50"),
        ("de", "31.03.2026", "1234,50"),
        ("it", "31/03/2026", "1234,50"),
    ],
)
def test_each_language_writes_dates_and_numbers_its_own_way(language, short_date, number):
    with translation.override(language):
        assert formats.date_format(date(2026, 3, 31), "SHORT_DATE_FORMAT") == short_date
        assert formats.localize(Decimal("1234.50")) == number
