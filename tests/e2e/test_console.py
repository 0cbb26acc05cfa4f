"""The console in a browser: navigation by keyboard, adding a user, the theme, screenshots, and isolation."""

import re

import pytest
from playwright.sync_api import Page, expect

from organizations import services
from organizations.access import resolve_access
from organizations.models import Membership, ProductType, Role, User
from tests.factories import PASSWORD, member

ORGANIZATION = "Helvetia Web AG"
NEW_COLLEAGUE = "new.colleague@helvetia.example"


@pytest.fixture
def representative(organization, catalog) -> User:
    """The legal representative of a Swiss company with two products, a billing address and a colleague."""
    user = member(
        organization, Role.LEGAL_REPRESENTATIVE, email="anna@helvetia.example", full_name="Anna Meier"
    )
    member(organization, Role.ADMINISTRATOR, email="marco@helvetia.example", full_name="Marco Rossi")
    access = resolve_access(user, organization)
    for slug, name in [("web-hosting", "helvetia-web.ch"), ("mail-service", "mail.helvetia-web.ch")]:
        services.product_install(access=access, product_type=ProductType.objects.get(slug=slug), name=name)
    services.billing_address_create(
        access=access,
        data={
            "name": ORGANIZATION,
            "street": "Rue du Marché 1",
            "postal_code": "1204",
            "city": "Genève",
            "country": "CH",
            "email": "billing@helvetia.example",
            "vat_number": "CHE-116.281.710 MWST",
        },
    )
    return user


def sidebar(page: Page):
    return page.get_by_role("navigation", name="Main menu")


def tab_to(page: Page, locator, limit: int = 40) -> None:
    """Press Tab from where the focus is until `locator` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} cannot be reached with the Tab key")


def open_user_menu(page: Page, user: User):
    page.get_by_role("banner").get_by_role("button", name=user.full_name).click()
    return page.get_by_role("group", name="Theme")


def test_the_sidebar_is_reachable_with_the_keyboard(page: Page, sign_in, representative, organization):
    sign_in(page, representative.email, PASSWORD)
    expect(page).to_have_title("Dashboard · Manager")

    # The first Tab reaches the skip link, which moves the focus to the page's content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    destinations = [
        ("Products", f"/o/{organization.pk}/products/", "Products"),
        ("Billing", f"/o/{organization.pk}/billing/invoices/", "Invoices"),
        ("Settings", f"/o/{organization.pk}/settings/organization/", ORGANIZATION),
        ("Dashboard", f"/o/{organization.pk}/", ORGANIZATION),
    ]
    for name, path, heading in destinations:
        link = sidebar(page).get_by_role("link", name=name, exact=True)
        page.locator("body").focus()
        tab_to(page, link)
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(re.escape(path) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(sidebar(page).get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
    expect(page.get_by_text("helvetia-web.ch", exact=True)).to_be_visible()


def test_adding_a_user_sends_a_set_password_link_to_the_mailbox(
    page: Page, new_page, sign_in, representative, organization, live_server, settings
):
    settings.DEMO_MODE = True
    settings.SITE_URL = live_server.url
    sign_in(page, representative.email, PASSWORD)

    sidebar(page).get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Email address").fill(NEW_COLLEAGUE)
    role = page.get_by_label("Role")
    expect(role).to_have_value("user")
    role.select_option(label="External")
    expect(page.locator("#group-products")).to_be_visible()
    role.select_option(label="User")
    expect(page.locator("#group-products")).to_be_hidden()
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text(f"{NEW_COLLEAGUE} has been added as User.")
    row = page.get_by_role("row").filter(has_text=NEW_COLLEAGUE)
    expect(row.get_by_role("cell").nth(2)).to_have_text("User")
    assert Membership.objects.get(user__email=NEW_COLLEAGUE, organization=organization).role == Role.USER

    # The simulated mailbox lists the invitation; its link opens the set-password page.
    page.goto(f"/mailbox/?to={NEW_COLLEAGUE}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Mailbox of {NEW_COLLEAGUE}")
    page.get_by_role("link", name=re.compile(f"You have been added to {ORGANIZATION}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"You have been added to {ORGANIZATION}")
    link = page.locator(".mail-body").get_by_role("link").filter(has_text="/accounts/reset/")
    expect(link).to_have_attribute("href", re.compile("^" + re.escape(live_server.url) + "/accounts/reset/"))
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")

    page.get_by_label("New password", exact=True).fill("colleague-passphrase-2026")
    page.get_by_label("New password confirmation").fill("colleague-passphrase-2026")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is saved")

    # The new colleague signs in (in a browser of their own) and lands in the organization.
    colleague = new_page()
    sign_in(colleague, NEW_COLLEAGUE, "colleague-passphrase-2026")
    expect(colleague.get_by_role("heading", level=1)).to_have_text(ORGANIZATION)
    expect(sidebar(colleague).locator(".org-switcher")).to_contain_text(f"{ORGANIZATION} User")


def test_the_theme_menu_and_the_automatic_theme(new_page, sign_in, representative):
    page = new_page("light")
    sign_in(page, representative.email, PASSWORD)
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "light")

    theme = open_user_menu(page, representative)
    expect(theme.get_by_role("button", name="Automatic")).to_have_attribute("aria-pressed", "true")
    theme.get_by_role("button", name="Dark").click()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "dark")
    expect(page).to_have_title("Dashboard · Manager")
    assert User.objects.get(pk=representative.pk).theme == "dark"

    # Automatic follows the operating system: light here...
    open_user_menu(page, representative).get_by_role("button", name="Automatic").click()
    expect(html).to_have_attribute("data-theme-preference", "auto")
    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "light")
    assert User.objects.get(pk=representative.pk).theme == "auto"

    # ... and dark in a browser whose system is in dark mode.
    dark_system = new_page("dark")
    sign_in(dark_system, representative.email, PASSWORD)
    expect(dark_system.locator("html")).to_have_attribute("data-bs-theme", "dark")
    expect(
        open_user_menu(dark_system, representative).get_by_role("button", name="Automatic")
    ).to_have_attribute("aria-pressed", "true")

    # An explicit Light wins over the system's dark mode.
    dark_system.get_by_role("button", name="Light").click()
    expect(dark_system.locator("html")).to_have_attribute("data-bs-theme", "light")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_of_the_main_pages(
    new_page, sign_in, screenshot, representative, organization, settings, theme
):
    settings.DEMO_MODE = True
    User.objects.filter(pk=representative.pk).update(theme=theme)
    page = new_page(theme)  # the sign-in page follows the system, as nobody is signed in yet
    html = page.locator("html")

    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(html).to_have_attribute("data-bs-theme", theme)
    screenshot(page, f"{theme}-sign-in")

    sign_in(page, representative.email, PASSWORD)
    pages = [
        ("dashboard", f"/o/{organization.pk}/", ORGANIZATION),
        ("products", f"/o/{organization.pk}/products/", "Products"),
        ("my-organization", f"/o/{organization.pk}/settings/organization/", ORGANIZATION),
        ("my-organization-edit", f"/o/{organization.pk}/settings/organization/edit/", f"Edit {ORGANIZATION}"),
        ("users", f"/o/{organization.pk}/settings/users/", "Users"),
        ("billing-addresses", f"/o/{organization.pk}/billing/addresses/", "Billing addresses"),
        ("activity-log", f"/o/{organization.pk}/settings/activity/", "Activity log"),
    ]
    for name, path, heading in pages:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(html).to_have_attribute("data-bs-theme", theme)
        screenshot(page, f"{theme}-{name}")


def test_an_outsider_gets_the_not_found_page_for_another_organization(
    page: Page, sign_in, browser_errors, organization, representative, outsider
):
    sign_in(page, outsider.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere GmbH")
    browser_errors.allow(rf"status of 404 .*/o/{organization.pk}/")

    for path in [f"/o/{organization.pk}/", f"/o/{organization.pk}/settings/organization/"]:
        response = page.goto(path)
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("This page does not exist")
        expect(page.get_by_text(ORGANIZATION)).to_have_count(0)
