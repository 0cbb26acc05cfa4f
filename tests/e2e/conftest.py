"""Browser tests: Playwright drives the system's Chromium against pytest-django's live server.

Every test here is marked `e2e`. Each test gets a fresh browser context (cookies, color scheme), and fails if
the page logged a console error or threw: that is how a Content-Security-Policy violation (an inline script
or style the policy blocks) shows up.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django would then refuse synchronous ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS_DIR = E2E_DIR.parents[1] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


class BrowserErrors:
    """Console errors and uncaught exceptions of every page of a test; some can be expected explicitly."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._allowed: list[re.Pattern[str]] = []

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (for example the 404 of a page that must not exist)."""
        self._allowed.append(re.compile(pattern))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console error: {message.text} ({location})")

    def _on_page_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error.message}")

    def unexpected(self) -> list[str]:
        return [error for error in self.errors if not any(pattern.search(error) for pattern in self._allowed)]


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    """The live server speaks plain HTTP with no TLS proxy in front, so the browser gets the session and CSRF
    cookies without the Secure flag production sets (tests/console/test_hardening.py checks that flag)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def color_scheme() -> str:
    """The operating system's light or dark mode the browser reports; override or parametrize it."""
    return "light"


@pytest.fixture
def new_page(browser: Browser, browser_errors: BrowserErrors, live_server) -> Iterator[Callable[..., Page]]:
    """Open a page in a new browser context (its own cookies) with the given color scheme and, when given,
    language (Accept-Language, navigator.language)."""
    contexts = []

    def _new_page(color_scheme: str = "light", locale: str | None = None) -> Page:
        options = {"locale": locale} if locale else {}
        context = browser.new_context(
            base_url=live_server.url, color_scheme=color_scheme, viewport=VIEWPORT, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        browser_errors.watch(page)
        return page

    yield _new_page
    for context in contexts:
        context.close()
    unexpected = browser_errors.unexpected()
    assert not unexpected, "The browser reported errors:\n" + "\n".join(unexpected)


@pytest.fixture
def page(new_page: Callable[..., Page], color_scheme: str) -> Page:
    return new_page(color_scheme)


@pytest.fixture
def sign_in() -> Callable[[Page, str, str], None]:
    """Sign in through the sign-in page's form, as a person would."""

    def _sign_in(page: Page, email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    return _sign_in


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot under test-artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)

    def _screenshot(page: Page, name: str) -> Path:
        path = SCREENSHOTS_DIR / f"{name}.png"
        # caret="initial": hiding the text cursor would inject an inline style, which the CSP refuses.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return _screenshot


def signed_up(
    *, email: str, password: str, full_name: str, organization: str, vat_number: str = "", address=None
):
    """A person signed up through the service, with an organization in CH (a company when it has a VAT
    number, else an individual) whose default billing address is `address`: (user, organization)."""
    from organizations import services
    from organizations.access import resolve_access

    user, created = services.user_sign_up(
        email=email,
        password=password,
        full_name=full_name,
        organization_name=organization,
        entity_type="company" if vat_number else "individual",
        country="CH",
        vat_number=vat_number,
        accept_terms=True,
    )
    if address is not None:
        services.billing_address_create(
            access=resolve_access(user, created),
            data={"name": organization, "country": "CH", **address},
            is_default=True,
        )
    return user, created
