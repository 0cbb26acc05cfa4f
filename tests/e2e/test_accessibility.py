"""Accessibility (WCAG 2.2 AA) of every console and public page, with axe-core, the keyboard and a phone.

Every page the language walk knows (tests/i18n/test_pages.py: PAGES and the error pages, as the users who
see them, with the data they show; a page added there is walked here too) is opened in a browser in four
modes: light and dark theme, on a desktop screen and on a 390 px wide phone. On each page axe-core (bundled
by axe-playwright-python: no network) must find no serious or critical violation: every rule in light, on the
desktop and on the phone, and the rules that the colours decide in dark. The menus of the main pages are
opened and checked too, and on the phone no page may be wider than the screen (a page that pans sideways
hides its right edge). One browser context per user and mode keeps the signed-in session for all of that
user's pages. A failure names the page, the user, the rule and the element.

A main guide (Partner → Add a partner) is then followed with the keyboard alone, the focus visible at every
step, and the dashboard's charts are checked for whole, readable month labels.
"""

import itertools
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from core.sudo import SESSION_KEY as SUDO_SESSION_KEY
from partners.models import Partnership, Status
from tests.e2e import test_partner_guides
from tests.e2e.conftest import SCREENSHOTS_DIR, TIMEOUT_MS, VIEWPORT, BrowserErrors
from tests.e2e.test_partner_guides import CLIENT, CLIENT_EMAIL, CLIENT_PASSWORD, GRANTED, PARTNER
from tests.i18n import test_pages
from tests.i18n.test_pages import ERROR_PAGES, PAGES, Visit, World

# The fixtures of the pages' walk (every page, as the users who see it) and of the partner guides.
world = test_pages.world
guides = test_partner_guides.guides

PHONE = {"width": 390, "height": 844}
# The rules that the colours decide: a page that passes every rule in light is checked for these in dark.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


@dataclass(frozen=True)
class Mode:
    color_scheme: str
    viewport: dict
    rules: list[str] | None = None  # axe-core's rules to run; None: all of them
    forms_sent: bool = False  # also the pages shown after a form is sent (its errors), not only those opened

    @property
    def browser_options(self) -> dict:
        # Without animations, a menu is checked once it is open, not while it slides in.
        return {"color_scheme": self.color_scheme, "viewport": self.viewport, "reduced_motion": "reduce"}


MODES = {
    "light": Mode("light", VIEWPORT, forms_sent=True),
    "dark": Mode("dark", VIEWPORT, rules=COLOUR_RULES, forms_sent=True),
    "phone-light": Mode("light", PHONE),
    "phone-dark": Mode("dark", PHONE, rules=COLOUR_RULES),
}
BLOCKING_IMPACTS = set(os.environ.get("A11Y_IMPACTS", "serious,critical").split(","))


def visits() -> list[tuple[str, Visit]]:
    """Every page of the walk (A11Y_PAGES=dashboard,products narrows it while working on a page)."""
    walked = [(name, visit) for name, page_visits in PAGES.items() for visit in page_visits]
    walked += list(ERROR_PAGES.items())
    only = [name for name in os.environ.get("A11Y_PAGES", "").split(",") if name]
    return [(name, visit) for name, visit in walked if not only or name in only]


def session_cookie(user, base_url: str, *, sudo: bool = False) -> dict:
    """The session of a person who signed in (and confirmed the password just now, with `sudo`)."""
    client = Client()
    client.force_login(user)
    if sudo:
        session = client.session
        session[SUDO_SESSION_KEY] = timezone.now().timestamp()
        session.save()
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}


@dataclass
class Browsing:
    """The browser contexts of one mode, one per user, signed in once."""

    browser: Browser
    base_url: str
    mode: Mode
    errors: BrowserErrors
    contexts: dict[tuple[str, bool], BrowserContext] = field(default_factory=dict)

    def page_for(self, world: World, visit: Visit) -> Page:
        key = (visit.user, visit.sudo)
        if key not in self.contexts:
            context = self.browser.new_context(base_url=self.base_url, **self.mode.browser_options)
            context.set_default_timeout(TIMEOUT_MS)
            user = world.users[visit.user]
            if user is not None:
                context.add_cookies([session_cookie(user, self.base_url, sudo=visit.sudo)])
            page = context.new_page()
            self.errors.watch(page)
            self.contexts[key] = context
        return self.contexts[key].pages[0]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def open_visit(page: Page, visit: Visit, world: World, base_url: str) -> Response:
    """Open the page as the visit says: a GET, or the POST of a form step (with the CSRF token the browser
    holds, as the form would send it). Answers the response of the page shown."""
    url = visit.url(world)
    if visit.data is None:
        response = page.goto(url)
    else:
        data = visit.data(world) if callable(visit.data) else visit.data
        token = csrf_token(page)
        if token is None:
            page.goto(url)
            token = csrf_token(page)
        body = urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)

        def as_post(route):
            headers = {**route.request.headers, "content-type": "application/x-www-form-urlencoded"}
            route.continue_(method="POST", post_data=body, headers=headers)

        page.route(re.compile(re.escape(base_url + url) + "$"), as_post, times=1)
        response = page.goto(url)
    assert response is not None
    return response


def csrf_token(page: Page) -> str | None:
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return cookies.get(settings.CSRF_COOKIE_NAME)


def serious_violations(page: Page, rules: list[str] | None = None, within: str | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page (or `within` the elements a CSS selector
    names), one line per element: rule, target, why."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = page.evaluate("([within, options]) => axe.run(within || document, options)", [within, options])
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            why = node.get("failureSummary", "").replace("\n", " ")
            found.append(f"{violation['id']} ({violation['impact']}) at {target}: {why[:300]}")
    return found


WIDTHS = """() => {
  const screen = window.innerWidth;
  const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + [...e.classList].map(c => "." + c).join("");
  // The elements that stick out while their parent does not: where the page gets wider.
  const out = [...document.querySelectorAll("body *")].filter(e => {
    const parent = e.parentElement;
    return e.getBoundingClientRect().right > screen + 1 && parent
      && parent.getBoundingClientRect().right <= screen + 1 && getComputedStyle(e).position !== "fixed";
  });
  return {page: document.documentElement.scrollWidth, screen, out: out.slice(0, 3).map(name)};
}"""


# Pages whose menus (user menu, organization switcher, a row's ⋮) are opened and checked too.
MENU_PAGES = {"dashboard", "members", "partners", "managed_clients"}


def menu_violations(page: Page, rules: list[str] | None) -> list[str]:
    """Open each menu of the page in turn (the keyboard's Enter on its button: the user menu, the organization
    switcher, a row's ⋮, and on a phone the main menu) and check what it shows."""
    found = []
    toggles = page.locator("[data-bs-toggle=dropdown]:visible, [data-bs-toggle=offcanvas]:visible")
    for index in range(min(toggles.count(), 4)):
        toggle = toggles.nth(index)
        toggle.focus()
        page.keyboard.press("Enter")
        shown = ".dropdown-menu.show, .offcanvas-lg.show, .offcanvas.show"
        expect(page.locator(shown).first).to_be_visible()
        menu = toggle.evaluate("e => e.getAttribute('aria-label') || e.innerText.trim()")
        found += [f"menu {menu!r}: {line}" for line in serious_violations(page, rules, shown)]
        page.keyboard.press("Escape")
        expect(page.locator(shown)).to_have_count(0)
    return found


def wider_than_screen(page: Page) -> str | None:
    widths = page.evaluate(WIDTHS)
    if widths["page"] > widths["screen"]:
        return f"{widths['page']} px wide on a {widths['screen']} px screen (past its edge: {widths['out']})"
    return None


@pytest.mark.parametrize("mode", MODES)
def test_every_page_has_no_serious_accessibility_violation(mode, catalog, world, browser, live_server):
    errors = BrowserErrors()
    errors.allow(r"status of 40[034]")  # the refused and missing pages of the walk say so to the console
    browsing = Browsing(browser=browser, base_url=live_server.url, mode=MODES[mode], errors=errors)
    walked = [(name, visit) for name, visit in visits() if MODES[mode].forms_sent or visit.data is None]
    problems = []
    counted = 0
    try:
        for name, visit in walked:
            page = browsing.page_for(world, visit)
            where = f"{name} ({visit.url(world)}, as {visit.user}{', posted' if visit.data else ''})"
            response = open_visit(page, visit, world, live_server.url)
            assert response.status == visit.status, f"{where} answered {response.status}"
            if "<html" not in response.text():
                continue  # a fragment htmx puts into a page (the page around it is walked)
            if os.environ.get("A11Y_SCREENSHOTS"):
                SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
                shot = f"a11y-{os.environ['A11Y_SCREENSHOTS']}-{mode}-{name}-{visit.user}.png"
                page.screenshot(path=str(SCREENSHOTS_DIR / shot), full_page=True, caret="initial")
            found = serious_violations(page, MODES[mode].rules)
            if name in MENU_PAGES:
                found += menu_violations(page, MODES[mode].rules)
            counted += len(found)
            problems += [f"{where}: {line}" for line in found]
            if MODES[mode].viewport is PHONE and (too_wide := wider_than_screen(page)):
                problems.append(f"{where}: the page is {too_wide}")
    finally:
        browsing.close()
    assert not problems, f"{len(problems)} problems in {mode} mode ({counted} axe violations):\n" + "\n".join(
        problems
    )
    assert not errors.unexpected(), "The browser reported errors:\n" + "\n".join(errors.unexpected())


# The keyboard alone


FOCUS = r"""() => {
  const focused = document.activeElement;
  // A radio or checkbox drawn as a card (.btn-check) shows its focus on the card, its label.
  const shown = focused.classList.contains("btn-check") ? focused.nextElementSibling : focused;
  const style = getComputedStyle(shown);
  // The colour around the element: its ancestors' backgrounds, the translucent ones laid over the opaque.
  const layers = [];
  for (let node = shown.parentElement; node; node = node.parentElement) {
    const [r, g, b, a = 1] = getComputedStyle(node).backgroundColor.match(/[\d.]+/g).map(Number);
    if (a > 0) layers.push([r, g, b, a]);
    if (a >= 1) break;
  }
  let [r, g, b] = [255, 255, 255];
  for (const [lr, lg, lb, la] of layers.reverse()) {
    [r, g, b] = [lr * la + r * (1 - la), lg * la + g * (1 - la), lb * la + b * (1 - la)];
  }
  const background = `rgb(${r}, ${g}, ${b})`;
  const box = shown.getBoundingClientRect();
  return {
    element: focused.tagName.toLowerCase() + (focused.id ? "#" + focused.id : ""),
    name: (focused.getAttribute("aria-label") || focused.innerText || focused.name || "").trim().slice(0, 60),
    outline: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor, background,
    visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""


def _rgb(color: str) -> tuple[float, float, float]:
    parts = [float(part) for part in re.findall(r"[\d.]+", color)[:3]]
    return parts[0], parts[1], parts[2]


def contrast(first: str, second: str) -> float:
    def luminance(color: str) -> float:
        channels = [c / 255 for c in _rgb(color)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def expect_visible_focus(page: Page) -> dict:
    """The focused element is on screen with an outline of at least 2 px that stands out 3:1 from the
    background around it (WCAG 2.2: 2.4.7 focus visible, 1.4.11 non-text contrast)."""
    focus = page.evaluate(FOCUS)
    where = f"{focus['element']} {focus['name']!r}"
    assert focus["visible"], f"the focused {where} is off screen"
    assert focus["outline"] != "none", f"the focused {where} shows no outline"
    assert focus["width"] >= 2, f"the focus outline of {where} is {focus['width']} px thin"
    ratio = contrast(focus["color"], focus["background"])
    assert ratio >= 3, (
        f"the focus outline of {where} is {focus['color']} on {focus['background']} ({ratio:.2f}:1)"
    )
    return focus


def tab_to(page: Page, target, *, limit: int = 60) -> None:
    """Press Tab until `target` has the focus, checking that every element on the way shows its focus."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            continue  # past the last element, the focus leaves the page (for the browser's own bar)
        expect_visible_focus(page)
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reached with Tab")


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_adding_a_partner_with_the_keyboard_alone(page, guides, color_scheme, screenshot):
    """Partner → Add a partner → search → tick → Continue → Limited → products → Continue, with Tab, Enter,
    Space and the arrow keys only, the focus always visible; the skip link leads to the main content."""
    # Focused elements are scrolled to at once, not smoothly, so that where they are can be checked.
    page.emulate_media(reduced_motion="reduce")
    # Sign in: the email field has the focus as the page opens.
    page.goto("/accounts/login/")
    email = page.get_by_label("Email address")
    expect(email).to_be_focused()
    page.keyboard.type(CLIENT_EMAIL)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(CLIENT_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(CLIENT)

    # On the dashboard, the first Tab shows the skip link; Enter moves the focus to the main content, and
    # the next Tab goes to its first link.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    expect_visible_focus(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    expect_visible_focus(page)

    # Partner, in the main menu.
    tab_to(
        page, page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Partner", exact=True)
    )
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner")
    tab_to(page, page.get_by_role("link", name="Add a partner"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a partner")

    # Search, tick the partner with Space, Continue.
    search = page.get_by_label("Name or email address of the partner")
    expect(search).to_be_focused()  # autofocus: the page is there to search
    page.keyboard.type("pixel")
    page.keyboard.press("Enter")
    tick = page.get_by_role("checkbox", name=f"Select {PARTNER}")
    expect(tick).to_be_visible()
    tab_to(page, tick)
    screenshot(page, f"keyboard-partner-add-search-{color_scheme}")
    page.keyboard.press("Space")
    expect(tick).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    # Limited (the first choice, picked with the arrow keys if another is checked), Continue.
    expect(page.get_by_role("group", name=f"What may {PARTNER} do?")).to_be_visible()
    limited = page.get_by_role("radio", name=re.compile(r"^Limited\b"))
    full = page.get_by_role("radio", name=re.compile(r"^Full\b"))
    tab_to(page, page.locator("input[name=access]:checked, input[name=access]").first)
    page.keyboard.press("ArrowRight")
    expect(full).to_be_checked()
    page.keyboard.press("ArrowLeft")
    expect(limited).to_be_checked()
    expect_visible_focus(page)
    screenshot(page, f"keyboard-partner-add-access-{color_scheme}")
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    # The products: open each category with Enter, tick with Space.
    expect(page.get_by_role("heading", name="Limited access: choose the products")).to_be_visible()
    for category, _slug, name in GRANTED:
        tab_to(page, page.get_by_role("button", name=category, exact=True))
        page.keyboard.press("Enter")
        product = page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)}\b"))
        expect(product).to_be_visible()
        tab_to(page, product)
        page.keyboard.press("Space")
        expect(product).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Partner")
    expect(page.get_by_role("status").filter(has_text=re.compile(r"\S"))).to_contain_text(
        f"Invitation sent to {PARTNER}."
    )
    partnership = Partnership.objects.get(client=guides.client, partner=guides.partner)
    assert partnership.status == Status.PENDING
    assert {p.name for p in partnership.products.all()} == {name for _c, _s, name in GRANTED}


def test_a_scrolling_table_is_reached_and_scrolled_with_the_keyboard(new_page, catalog, world, live_server):
    """On a phone, the users' table is wider than the screen: Tab reaches its frame, which a screen reader
    names after the page's heading, and the arrow keys scroll it."""
    page = new_page()
    page.set_viewport_size(PHONE)
    page.context.add_cookies([session_cookie(world.users["client_legal"], live_server.url)])
    page.goto(f"/o/{world.ids['client']}/settings/users/")
    frame = page.get_by_role("region", name="Users")
    expect(frame).to_have_attribute("tabindex", "0")
    tab_to(page, frame)
    assert frame.evaluate("element => element.scrollLeft") == 0
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")


# The dashboard's charts


CHART_LABELS = """() => [...document.querySelectorAll("figure")]
  .filter(f => f.querySelector(".monthly-chart")).map(figure => {
    const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top,
      bottom: r.bottom, width: r.width, height: r.height}; };
    const chart = figure.querySelector(".monthly-chart");
    return {
      title: figure.querySelector("figcaption").innerText,
      figure: box(figure), chart: box(chart),
      texts_in_svg: chart.querySelectorAll("text").length,
      labels: [...figure.querySelectorAll(".monthly-chart-labels span")].filter(s => s.innerText.trim())
        .map(s => { const range = document.createRange(); range.selectNodeContents(s);
          const r = range.getBoundingClientRect();
          return {text: s.innerText.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            size: parseFloat(getComputedStyle(s).fontSize)}; }),
    };
  })"""


@pytest.mark.parametrize(
    "viewport", [VIEWPORT, PHONE, {"width": 1000, "height": 800}], ids=["desktop", "phone", "narrow-desktop"]
)
def test_the_dashboard_charts_show_every_month_label_whole(new_page, catalog, world, live_server, viewport):
    """Every month named under a chart is inside the chart's card, readable (at least 11 px), under the bars
    and apart from its neighbours; no text is drawn in the stretched SVG."""
    page = new_page()
    page.set_viewport_size(viewport)
    for user, org in (("client_legal", "client"), ("partner_legal", "partner")):
        page.context.clear_cookies()
        page.context.add_cookies([session_cookie(world.users[user], live_server.url)])
        page.goto(f"/o/{world.ids[org]}/")
        charts = page.evaluate(CHART_LABELS)
        assert charts, f"no chart on the dashboard of {user}"
        for chart in charts:
            where = f"{chart['title']!r} on {user}'s dashboard at {viewport['width']} px"
            assert chart["texts_in_svg"] == 0, f"{where}: text drawn in the stretched SVG"
            labels = chart["labels"]
            assert len(labels) == 4, f"{where}: {[label['text'] for label in labels]}"
            figure, bars = chart["figure"], chart["chart"]
            for label in labels:
                assert label["size"] >= 11, f"{where}: {label['text']} is {label['size']} px"
                cut = f"{where}: {label['text']} is cut ({label} in {figure})"
                assert figure["left"] <= label["left"], cut
                assert label["right"] <= figure["right"], cut
                assert label["bottom"] <= figure["bottom"], cut
                assert label["top"] >= bars["bottom"], f"{where}: {label['text']} overlaps the bars"
                assert bars["left"] <= label["left"] < bars["right"], (
                    f"{where}: {label['text']} is off the chart"
                )
            for before, after in itertools.pairwise(labels):
                assert before["right"] < after["left"], f"{where}: {before['text']} runs into {after['text']}"
