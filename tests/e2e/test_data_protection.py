"""Data protection in a browser: the DPA certificate as the guide describes it, cookie preferences from the
footer, the theme without a flash, the outdated-browser page, and screenshots of every page added."""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from compliance.consent import CONSENT_COOKIE
from compliance.dpa import verification_code
from compliance.models import CookieConsent, DpaCertificate
from organizations import services
from organizations.access import resolve_access
from organizations.models import Role, User
from tests.factories import PASSWORD, member

ORGANIZATION = "Helvetia Web AG"
NECESSARY_ONLY = "1:00:1764168000"


@pytest.fixture
def representative(organization) -> User:
    user = member(
        organization, Role.LEGAL_REPRESENTATIVE, email="anna@helvetia.example", full_name="Anna Meier"
    )
    services.billing_address_create(
        access=resolve_access(user, organization),
        data={
            "name": ORGANIZATION,
            "street": "Rue du Marché 1",
            "postal_code": "1204",
            "city": "Genève",
            "country": "CH",
        },
    )
    return user


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def consented(page: Page, live_server) -> Page:
    """The page's browser has already chosen "necessary only", so the banner stays out of screenshots."""
    page.context.add_cookies([{"url": live_server.url, "name": CONSENT_COOKIE, "value": NECESSARY_ONLY}])
    return page


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_generate_the_dpa_certificate_as_the_guide_describes(
    new_page, sign_in, screenshot, representative, organization, live_server, tmp_path: Path, theme
):
    User.objects.filter(pk=representative.pk).update(theme=theme)
    page = consented(new_page(theme), live_server)
    sign_in(page, representative.email, PASSWORD)

    # Settings → Data protection → Generate
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Data protection").click()
    expect(heading(page)).to_have_text("Data protection")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", theme)
    screenshot(page, f"{theme}-data-protection")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Generate").click()
    download = download_info.value
    assert re.fullmatch(r"DPA-\d{4}-[0-9A-F]{10}\.pdf", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    body = path.read_bytes()
    assert body.startswith(b"%PDF")
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())
    certificate = DpaCertificate.objects.get()
    assert ORGANIZATION in text
    assert "Rue du Marché 1" in text
    assert "CHE-116.281.710 MWST" in text
    assert certificate.number in text
    code = verification_code(certificate.number)
    assert code in text

    # The list of issued certificates shows it after a reload.
    page.reload()
    expect(page.get_by_role("cell", name=certificate.number)).to_be_visible()

    # Anyone holding the certificate checks it on the public verification page.
    visitor = consented(new_page(theme), live_server)
    visitor.goto("/dpa/verify/")
    visitor.get_by_label("Certificate number").fill(certificate.number)
    visitor.get_by_label("Verification code").fill(code)
    visitor.get_by_role("button", name="Verify").click()
    result = visitor.get_by_test_id("verification-result")
    expect(result).to_contain_text("This certificate is valid.")
    expect(result).to_contain_text(ORGANIZATION)
    screenshot(visitor, f"{theme}-dpa-verify-valid")
    visitor.get_by_label("Verification code").fill("AAAAA-BBBBB-CCCCC-DDDDD")
    visitor.get_by_role("button", name="Verify").click()
    expect(result).to_contain_text("This certificate is not valid.")
    expect(visitor.get_by_text(ORGANIZATION)).to_have_count(0)
    screenshot(visitor, f"{theme}-dpa-verify-not-valid")


def test_a_user_is_told_the_certificate_is_not_for_them(
    page: Page, sign_in, browser_errors, organization, representative, live_server
):
    user = member(organization, Role.USER, email="carla@helvetia.example")
    consented(page, live_server)
    sign_in(page, user.email, PASSWORD)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Settings").click()
    expect(
        page.get_by_role("navigation", name="Settings").get_by_role("link", name="Data protection")
    ).to_have_count(0)
    browser_errors.allow(r"status of 403")
    response = page.goto(f"/o/{organization.pk}/settings/data-protection/")
    assert response is not None
    assert response.status == 403
    expect(heading(page)).to_contain_text("You cannot do this")


def test_cookie_preferences_from_the_banner_and_the_footer(new_page, sign_in, screenshot, representative):
    page = new_page()
    page.goto("/legal/privacy/")
    banner = page.get_by_role("region", name="Cookies")
    expect(banner).to_be_visible()
    assert page.evaluate("Manager.consent.allows('analytics')") is False
    screenshot(page, "light-cookie-banner")

    # "Necessary only" saves the choice without leaving the page.
    banner.get_by_role("button", name="Necessary only").click()
    expect(banner).to_have_count(0)
    expect(heading(page)).to_have_text("Privacy policy")
    cookie = next(c for c in page.context.cookies() if c["name"] == CONSENT_COOKIE)
    assert cookie["value"].startswith("1:00:")
    page.reload()
    expect(page.get_by_role("region", name="Cookies")).to_have_count(0)

    # Later, from the footer: allow analytics.
    page.get_by_role("contentinfo").get_by_role("link", name="Cookie preferences").click()
    expect(heading(page)).to_have_text("Cookie preferences")
    expect(page.get_by_test_id("consent-state")).to_contain_text("necessary.")
    page.get_by_label("Analytics cookies").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_role("status")).to_contain_text("Your cookie preferences have been saved.")
    expect(page.get_by_test_id("consent-state")).to_contain_text("necessary, analytics.")
    expect(page.get_by_label("Analytics cookies")).to_be_checked()
    expect(page.get_by_label("Marketing cookies")).not_to_be_checked()
    assert page.evaluate("Manager.consent.allows('analytics')") is True
    assert page.evaluate("Manager.consent.allows('marketing')") is False
    screenshot(page, "light-cookie-preferences")

    # Signed in, the choice made in the banner is stored with the account.
    dark = new_page("dark")
    sign_in(dark, representative.email, PASSWORD)
    dark_banner = dark.get_by_role("region", name="Cookies")
    screenshot(dark, "dark-cookie-banner")
    dark_banner.get_by_text("Choose").click()
    dark_banner.get_by_label("Marketing cookies").check()
    dark_banner.get_by_role("button", name="Save my choice").click()
    expect(dark_banner).to_have_count(0)
    stored = CookieConsent.objects.get(user=representative)
    assert (stored.analytics, stored.marketing) == (False, True)
    dark.get_by_role("contentinfo").get_by_role("link", name="Cookie preferences").click()
    expect(dark.get_by_label("Marketing cookies")).to_be_checked()
    screenshot(dark, "dark-cookie-preferences")


THEME_AT_FIRST_BODY = """
window.__themeAtFirstBody = null;
new MutationObserver(function (changes, observer) {
  if (document.body) {
    window.__themeAtFirstBody = document.documentElement.getAttribute("data-bs-theme");
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_switching_the_theme_applies_before_the_first_paint(
    new_page, sign_in, screenshot, representative, live_server
):
    page = consented(new_page("light"), live_server)
    page.add_init_script(THEME_AT_FIRST_BODY)
    sign_in(page, representative.email, PASSWORD)
    page.get_by_role("banner").get_by_role("button", name=representative.full_name).click()
    # The menu says what "Automatic" follows and where the system's mode is set, as the guide explains.
    expect(page.get_by_text("Automatic follows your operating system's light or dark mode")).to_be_visible()
    expect(page.get_by_text("Settings → Personalization → Colors")).to_be_visible()
    screenshot(page, "light-theme-menu")
    page.get_by_role("group", name="Theme").get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.reload()
    # Already dark when the body was first parsed, i.e. before anything was painted: no light flash.
    assert page.evaluate("window.__themeAtFirstBody") == "dark"

    # "Automatic" in a browser whose system is dark: dark from the first paint too.
    User.objects.filter(pk=representative.pk).update(theme="auto")
    dark_system = consented(new_page("dark"), live_server)
    dark_system.add_init_script(THEME_AT_FIRST_BODY)
    sign_in(dark_system, representative.email, PASSWORD)
    dark_system.reload()
    assert dark_system.evaluate("window.__themeAtFirstBody") == "dark"
    dark_system.get_by_role("banner").get_by_role("button", name=representative.full_name).click()
    screenshot(dark_system, "dark-theme-menu")


def test_an_outdated_browser_is_sent_to_the_plain_page(new_page, screenshot, live_server):
    for theme in ("light", "dark"):
        page = consented(new_page(theme), live_server)
        # A browser without fetch or CSS custom properties, as an old Safari on iOS 12 would lack some.
        page.add_init_script("delete window.fetch; CSS.supports = function () { return false; };")
        page.goto("/accounts/login/")
        expect(page).to_have_url(re.compile(r"/browser-not-supported/\?missing="))
        expect(heading(page)).to_have_text("Your browser is out of date")
        missing = page.get_by_test_id("missing-features")
        expect(missing).to_contain_text("Loading data in the background")
        expect(missing).to_contain_text("CSS custom properties")
        expect(page.get_by_text("Update your browser to its latest version")).to_be_visible()
        screenshot(page, f"{theme}-outdated-browser")

    # A current browser stays where it is.
    current = consented(new_page(), live_server)
    current.goto("/accounts/login/")
    expect(heading(current)).to_have_text("Sign in")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_the_pages_added(
    new_page, sign_in, screenshot, representative, organization, live_server, theme
):
    User.objects.filter(pk=representative.pk).update(theme=theme)
    page = consented(new_page(theme), live_server)
    for name, path, title in [
        ("privacy-policy", "/legal/privacy/", "Privacy policy"),
        ("data-protection-policy", "/legal/data-protection/", "Data protection"),
        ("whistleblower", "/legal/whistleblower/", "Whistleblower protection"),
        ("dpa-verify", "/dpa/verify/", "Verify a DPA certificate"),
    ]:
        page.goto(path)
        expect(heading(page)).to_have_text(title)
        screenshot(page, f"{theme}-{name}")
    sign_in(page, representative.email, PASSWORD)
    page.goto("/accounts/security/")
    expect(heading(page)).to_have_text("Security")
    screenshot(page, f"{theme}-account-security")
    page.goto(f"/o/{organization.pk}/settings/activity/?action=billing_address.")
    expect(heading(page)).to_have_text("Activity log")
    expect(page.get_by_role("cell", name=re.compile("billing_address.created"))).to_be_visible()
    screenshot(page, f"{theme}-activity-log-filtered")


def test_the_admin_footer_offers_cookie_preferences(new_page, sign_in, screenshot, organization, live_server):
    """Staff reach the legal pages and their cookie choice from the admin too."""
    staff = member(organization, Role.ADMINISTRATOR, email="staff@helvetia.example", full_name="Sam Staff")
    User.objects.filter(pk=staff.pk).update(is_staff=True, is_superuser=True)
    for theme in ("light", "dark"):
        page = consented(new_page(theme), live_server)
        sign_in(page, staff.email, PASSWORD)
        page.goto("/admin/")
        footer = page.get_by_role("navigation", name="Footer")
        screenshot(page, f"{theme}-admin-footer")
        footer.get_by_role("link", name="Cookie preferences").click()
        expect(heading(page)).to_have_text("Cookie preferences")
