"""The console in French, German and Italian, in a browser that asks for them (Accept-Language).

A visitor whose browser asks for French signs in and reads the console in French, switches to Italian in
the user menu and keeps Italian after signing out and in again (in another browser too). Two guides are
followed by their translated labels: "Ajouter un partenaire" in French, "Zusammenarbeit beenden" in German.
Where a label is not one of the glossary's, the element is found by its role or its field.
"""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from console.models import MailboxMessage
from organizations import services
from organizations.access import resolve_access
from organizations.models import ProductType, User
from partners import services as partner_services
from partners.models import Partnership, Status
from tests.e2e.conftest import signed_up
from tests.e2e.test_partner_guides import (
    CLIENT,
    CLIENT_EMAIL,
    CLIENT_PASSWORD,
    PARTNER,
    PARTNER_CONTACT,
    PARTNER_EMAIL,
    PARTNER_PASSWORD,
)

# (category button, product type, product name), as in the English guides' tests.
PRODUCTS = [
    ("Web hosting", "web-hosting", "www.client-ag.ch"),
    ("Mail Service", "mail-service", "mail.client-ag.ch"),
]


@pytest.fixture
def page_in(new_page: Callable[..., Page]) -> Callable[[str], Page]:
    """A page in a new browser whose language (Accept-Language, navigator.language) is `locale`."""
    return lambda locale: new_page(locale=locale)


@pytest.fixture
def client_and_partner(catalog, settings, live_server) -> tuple[User, User]:
    """Client AG (CH) with two products, and Pixel Agency, a referenced partner: their legal
    representatives."""
    settings.SITE_URL = live_server.url
    client_user, client = signed_up(
        email=CLIENT_EMAIL,
        password=CLIENT_PASSWORD,
        full_name="Lea Keller",
        organization=CLIENT,
        vat_number="CHE-116.281.710 MWST",
    )
    for _category, slug, name in PRODUCTS:
        services.product_install(
            access=resolve_access(client_user, client),
            product_type=ProductType.objects.get(slug=slug),
            name=name,
        )
    partner_user, partner = signed_up(
        email=PARTNER_EMAIL,
        password=PARTNER_PASSWORD,
        full_name="Nora Brunner",
        organization=PARTNER,
        vat_number="CHE-109.322.551 MWST",
    )
    partner_services.partner_profile_save(
        organization=partner, by=None, public_name=PARTNER, contact_email=PARTNER_CONTACT, description=""
    )
    return client_user, partner_user


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def sidebar(page: Page):
    return page.locator("#sidebar")


def sign_in(page: Page, *, title: str, password_label: str, email: str, password: str) -> None:
    """The sign-in page in the page's language: its title is also its button."""
    page.goto("/accounts/login/")
    expect(heading(page)).to_have_text(title)
    page.locator("input[name=username]").fill(email)
    page.get_by_label(password_label).fill(password)
    page.get_by_role("button", name=title, exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def open_user_menu(page: Page) -> None:
    page.locator(".console-topbar [data-bs-toggle=dropdown]").click()


def test_a_visitor_reading_french_switches_to_italian_and_keeps_it(page_in, client_and_partner):
    client_user, _partner_user = client_and_partner
    page = page_in("fr-FR")

    # The sign-in page speaks the browser's French, and offers every language named in itself.
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(heading(page)).to_have_text("Se connecter")
    for name in ("English", "Français", "Deutsch", "Italiano"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    sign_in(
        page,
        title="Se connecter",
        password_label="Mot de passe",
        email=CLIENT_EMAIL,
        password=CLIENT_PASSWORD,
    )

    # The console in French.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(sidebar(page).get_by_role("link", name="Tableau de bord")).to_be_visible()
    expect(sidebar(page).get_by_role("link", name="Produits")).to_be_visible()

    # The user menu → Italiano: the console at once, and the account, speak Italian.
    open_user_menu(page)
    page.get_by_role("button", name="Italiano", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(sidebar(page).get_by_role("link", name="Prodotti")).to_be_visible()
    client_user.refresh_from_db()
    assert client_user.language == "it"

    # Signed out: the sign-in page stays in Italian; signed in again, so does the console.
    open_user_menu(page)
    page.get_by_role("button", name="Esci").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "it")
    sign_in(page, title="Accedi", password_label="Password", email=CLIENT_EMAIL, password=CLIENT_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "it")
    expect(sidebar(page).get_by_role("link", name="Prodotti")).to_be_visible()

    # Another browser, which asks for German: once signed in, the account's Italian wins.
    elsewhere = page_in("de-DE")
    sign_in(
        elsewhere, title="Anmelden", password_label="Passwort", email=CLIENT_EMAIL, password=CLIENT_PASSWORD
    )
    expect(elsewhere.locator("html")).to_have_attribute("lang", "it")
    expect(sidebar(elsewhere).get_by_role("link", name="Prodotti")).to_be_visible()


def test_the_guide_ajouter_un_partenaire_in_french(page_in, client_and_partner):
    _client_user, partner_user = client_and_partner
    partner_user.language = "fr"  # the partner's contact address reads its organization's language
    partner_user.save()
    page = page_in("fr-FR")
    sign_in(
        page,
        title="Se connecter",
        password_label="Mot de passe",
        email=CLIENT_EMAIL,
        password=CLIENT_PASSWORD,
    )

    # Partenaire → Ajouter un partenaire → search → tick → Continuer.
    sidebar(page).get_by_role("link", name="Partenaire", exact=True).click()
    expect(heading(page)).to_have_text("Partenaire")
    page.get_by_role("link", name="Ajouter un partenaire").click()
    expect(heading(page)).to_have_text("Ajouter un partenaire")
    page.get_by_role("searchbox").fill("pixel")
    page.get_by_role("searchbox").press("Enter")
    page.get_by_role("checkbox", name=re.compile(re.escape(PARTNER))).check()
    page.get_by_role("button", name="Continuer").click()

    # Limited access (the left choice), the products per category, Continuer.
    page.locator("label.choice-card[for=access-limited]").click()
    expect(page.locator("#access-limited")).to_be_checked()
    page.get_by_role("button", name="Continuer").click()
    for category, _slug, name in PRODUCTS:
        page.get_by_role("button", name=category, exact=True).click()
        page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)}\b")).check()
    page.get_by_role("button", name="Continuer").click()

    expect(heading(page)).to_have_text("Partenaire")
    expect(page.get_by_role("row").filter(has_text=PARTNER)).to_be_visible()
    partnership = Partnership.objects.get(client__name=CLIENT, partner__name=PARTNER)
    assert (partnership.status, partnership.access) == (Status.PENDING, "limited")
    assert {product.name for product in partnership.products.all()} == {name for _c, _s, name in PRODUCTS}
    # The partner reads the invitation in French.
    invitation = MailboxMessage.objects.get(recipients__contains=f",{PARTNER_CONTACT},")
    assert invitation.subject == f"{CLIENT} invite {PARTNER} à gérer ses produits"
    assert "Accès : " in invitation.body


def test_the_guide_zusammenarbeit_beenden_in_german(page_in, client_and_partner):
    client_user, partner_user = client_and_partner
    client = client_user.memberships.get().organization
    partner = partner_user.memberships.get().organization
    partnership = partner_services.partnership_invite(
        access=resolve_access(client_user, client),
        partner=partner,
        access_level="full",
        products=[],
        payment_method="client",
        password_confirmed=True,
    )
    partner_services.partnership_accept(access=resolve_access(partner_user, partner), partnership=partnership)
    page = page_in("de-DE")
    sign_in(page, title="Anmelden", password_label="Passwort", email=CLIENT_EMAIL, password=CLIENT_PASSWORD)

    # Partner → ⋮ of the partner → Zusammenarbeit beenden → confirm → the password → Zusammenarbeit beenden.
    sidebar(page).get_by_role("link", name="Partner", exact=True).click()
    expect(heading(page)).to_have_text("Partner")
    page.get_by_role("row").filter(has_text=PARTNER).get_by_role("button").click()
    page.get_by_role("link", name="Zusammenarbeit beenden").click()
    expect(heading(page)).to_contain_text(PARTNER)
    page.get_by_role("button", name="Zusammenarbeit beenden").click()
    page.locator("input[type=password]").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Zusammenarbeit beenden").click()

    expect(heading(page)).to_have_text("Partner")
    partnership.refresh_from_db()
    assert partnership.status == Status.STOPPED
