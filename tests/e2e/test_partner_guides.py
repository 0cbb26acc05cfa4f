"""The three partner guides, followed literally in a browser.

"Give access to a Partner" (Limited and Full), "Payment methods" (modify who pays) and "Terminate a
partnership" (as the client and as the partner), clicking the labels the guides use. The data of every test
is built through the services, as the console itself would: a Swiss client company with three products in
three categories, and a referenced partner agency.
"""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from console.models import MailboxMessage
from organizations import services
from organizations.access import resolve_access
from organizations.models import Organization, Product, ProductType, User
from partners import services as partner_services
from partners.models import Access as AccessLevel
from partners.models import Partnership, PaymentMethod, Status
from tests.e2e.conftest import signed_up

CLIENT = "Client AG"
CLIENT_EMAIL = "lea.keller@client-ag.example"
CLIENT_PASSWORD = "client-ag-passphrase-2026"
PARTNER = "Pixel Agency GmbH"
PARTNER_CONTACT = "hello@pixel-agency.example"
PARTNER_EMAIL = "nora.brunner@pixel-agency.example"
PARTNER_PASSWORD = "pixel-agency-passphrase-2026"
# (category button, product type, product name); the first two are granted with Limited access.
PRODUCTS = [
    ("Web hosting", "web-hosting", "www.client-ag.ch"),
    ("Mail Service", "mail-service", "mail.client-ag.ch"),
    ("Domain", "domain-com", "client-ag.com"),
]
GRANTED = PRODUCTS[:2]


@dataclass
class Guides:
    client: Organization
    client_user: User
    partner: Organization
    partner_user: User
    products: dict[str, Product]


@pytest.fixture
def guides(catalog, settings, live_server) -> Guides:
    """Client AG (CH) with its legal representative and three products; Pixel Agency, a referenced partner."""
    settings.DEMO_MODE = True
    settings.SITE_URL = live_server.url  # the links in the emails point to the live server
    client_user, client = signed_up(
        email=CLIENT_EMAIL,
        password=CLIENT_PASSWORD,
        full_name="Lea Keller",
        organization=CLIENT,
        vat_number="CHE-116.281.710 MWST",
    )
    client_access = resolve_access(client_user, client)
    products = {
        name: services.product_install(
            access=client_access, product_type=ProductType.objects.get(slug=slug), name=name
        )
        for _category, slug, name in PRODUCTS
    }
    partner_user, partner = signed_up(
        email=PARTNER_EMAIL,
        password=PARTNER_PASSWORD,
        full_name="Nora Brunner",
        organization=PARTNER,
        vat_number="CHE-109.322.551 MWST",
    )
    partner_services.partner_profile_save(
        organization=partner,
        by=None,
        public_name=PARTNER,
        contact_email=PARTNER_CONTACT,
        description="Websites and mail for Swiss SMEs.",
    )
    partner.refresh_from_db()
    return Guides(
        client=client, client_user=client_user, partner=partner, partner_user=partner_user, products=products
    )


def invite(guides: Guides, access_level: str, payment_method: str = PaymentMethod.CLIENT) -> Partnership:
    """The client's invitation, sent through the service (for the tests whose guide starts after it)."""
    return partner_services.partnership_invite(
        access=resolve_access(guides.client_user, guides.client),
        partner=guides.partner,
        access_level=access_level,
        products=[guides.products[name] for _c, _s, name in GRANTED] if access_level == "limited" else [],
        payment_method=payment_method,
        password_confirmed=True,
    )


def accepted(guides: Guides, access_level: str, payment_method: str = PaymentMethod.CLIENT) -> Partnership:
    partnership = invite(guides, access_level, payment_method)
    return partner_services.partnership_accept(
        access=resolve_access(guides.partner_user, guides.partner), partnership=partnership
    )


def sidebar(page: Page):
    return page.get_by_role("navigation", name="Main menu")


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def status_message(page: Page):
    return page.get_by_role("status").filter(has_text=re.compile(r"\S"))


def confirm_password(page: Page, screenshot, name: str) -> None:
    """The password re-entry page of sensitive actions."""
    expect(heading(page)).to_have_text("Confirm your password")
    screenshot(page, name)
    page.get_by_label("Password").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def submit_sign_in(page: Page, email: str, password: str) -> None:
    """Fill the sign-in form the page shows (keeping its `next`), as in the conftest's sign_in."""
    expect(heading(page)).to_have_text("Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def open_partner_page(page: Page) -> None:
    """Click on Partner in the left sidebar menu."""
    sidebar(page).get_by_role("link", name="Partner", exact=True).click()
    expect(heading(page)).to_have_text("Partner")


def open_managed_clients(page: Page) -> None:
    """Click on Reseller Area in the left sidebar menu, then on Managed Clients."""
    sidebar(page).get_by_role("link", name="Reseller Area").click()
    sidebar(page).get_by_role("link", name="Managed Clients").click()
    expect(heading(page)).to_have_text("Managed Clients")
    expect(sidebar(page).get_by_role("link", name="Managed Clients")).to_have_attribute(
        "aria-current", "page"
    )


def expect_blue(locator) -> None:
    expect(locator).to_have_class(re.compile(r"\bbtn-primary\b"))


def add_a_partner_until_access(page: Page, screenshot, search: str) -> None:
    """Partner → the blue Add a partner button (top right) → search → tick the partner → Continue."""
    open_partner_page(page)
    add = page.get_by_role("link", name="Add a partner")
    expect_blue(add)
    add_box, heading_box = add.bounding_box(), heading(page).bounding_box()
    assert add_box["x"] > heading_box["x"] + heading_box["width"], "Add a partner is not on the right"
    add.click()
    expect(heading(page)).to_have_text("Add a partner")

    page.get_by_label("Name or email address of the partner").fill(search)
    page.get_by_role("button", name="Search").click()
    screenshot(page, "partner-add-1-search")
    page.get_by_role("checkbox", name=f"Select {PARTNER}").check()
    continue_button = page.get_by_role("button", name="Continue")
    expect_blue(continue_button)
    continue_button.click()
    expect(page.get_by_role("group", name=f"What may {PARTNER} do?")).to_be_visible()


def choose_access(page: Page, screenshot, level: str) -> None:
    """The left button is Limited, the right one Full; then the blue Continue at the bottom right."""
    limited = page.locator("label.choice-card").filter(has=page.get_by_text("Limited", exact=True))
    full = page.locator("label.choice-card").filter(has=page.get_by_text("Full", exact=True))
    assert limited.bounding_box()["x"] < full.bounding_box()["x"], "Limited is not the left choice"
    page.get_by_text(level, exact=True).click()
    expect(page.get_by_role("radio", name=re.compile(rf"^{level}\b"))).to_be_checked()
    screenshot(page, f"partner-add-2-access-{level.lower()}")
    continue_button = page.get_by_role("button", name="Continue")
    expect_blue(continue_button)
    continue_button.click()


def open_email(page: Page, address: str, subject: str) -> None:
    """The simulated mailbox of `address` (open to anyone in demo mode), then the email with `subject`."""
    page.goto(f"/mailbox/?to={address}")
    expect(heading(page)).to_have_text(f"Mailbox of {address}")
    page.get_by_role("link", name=re.compile(re.escape(subject))).first.click()
    expect(heading(page)).to_have_text(subject)


def invitation_link(page: Page, live_server) -> str:
    link = page.locator(".mail-body").get_by_role("link").filter(has_text="/invitations/")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href.startswith(f"{live_server.url}/invitations/"), href
    return href


def test_limited_access_accepted_from_the_invitation_email(
    new_page, sign_in, screenshot, browser_errors, guides: Guides, live_server
):
    client = guides.client
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)

    # As a Client, add a known partner: by its name, with Limited access to two products.
    add_a_partner_until_access(page, screenshot, "pixel")
    choose_access(page, screenshot, "Limited")
    expect(page.get_by_role("heading", name="Limited access: choose the products")).to_be_visible()
    for category, _slug, name in GRANTED:
        page.get_by_role("button", name=category, exact=True).click()
        product = page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(name)}\b"))
        expect(product).to_be_visible()
        product.check()
    expect(page.get_by_role("checkbox", name=re.compile(r"^client-ag\.com\b"))).to_be_hidden()
    screenshot(page, "partner-add-3-products")
    continue_button = page.get_by_role("button", name="Continue")
    expect_blue(continue_button)
    continue_button.click()

    expect(heading(page)).to_have_text("Partner")
    expect(status_message(page)).to_contain_text(f"Invitation sent to {PARTNER}.")
    row = page.get_by_role("row").filter(has_text=PARTNER)
    expect(row).to_contain_text("Limited (2 products)")
    expect(row).to_contain_text("Pending")
    screenshot(page, "partner-add-4-pending")
    partnership = Partnership.objects.get(client=client, partner=guides.partner)
    assert partnership.status == Status.PENDING
    assert partnership.access == AccessLevel.LIMITED
    assert {p.name for p in partnership.products.all()} == {name for _c, _s, name in GRANTED}

    # The partner's contact address receives the email; its link needs a signed-in partner.
    partner_page = new_page()
    open_email(partner_page, PARTNER_CONTACT, f"{CLIENT} invites {PARTNER} to manage its products")
    expect(partner_page.locator(".mail-body")).to_contain_text("Access: Limited")
    expect(partner_page.locator(".mail-body")).to_contain_text(
        "Products: www.client-ag.ch (Web hosting), mail.client-ag.ch (Mail Service)"
    )
    screenshot(partner_page, "partner-invitation-email")
    link = invitation_link(partner_page, live_server)
    partner_page.locator(".mail-body").get_by_role("link", name=link).click()
    # The link asks for a signed-in account of the partner, then goes on to the answer page.
    expect(partner_page).to_have_url(re.compile(r"/accounts/login/\?next=/invitations/"))
    submit_sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    expect(partner_page).to_have_url(
        re.compile(rf"/o/{guides.partner.pk}/reseller/invitations/{partnership.pk}/$")
    )
    expect(heading(partner_page)).to_have_text(f"{CLIENT} invites {PARTNER} to manage its products")
    expect(partner_page.locator("dl")).to_contain_text("Limited")
    expect(partner_page.locator("dl")).to_contain_text("www.client-ag.ch, mail.client-ag.ch")
    screenshot(partner_page, "partner-answer")
    partner_page.get_by_role("button", name="Accept").click()

    # Reseller Area → Managed Clients lists the client with Limited access.
    expect(status_message(partner_page)).to_contain_text(f"You now manage {CLIENT}.")
    open_managed_clients(partner_page)
    client_row = partner_page.get_by_role("row").filter(has_text=CLIENT)
    expect(client_row.get_by_role("cell").nth(1)).to_have_text("Limited")
    partnership.refresh_from_db()
    assert partnership.status == Status.ACTIVE

    # The Partner Dashboard lists the client and opens its organization, on behalf of the partner.
    sidebar(partner_page).get_by_role("link", name="Dashboard").click()
    expect(heading(partner_page)).to_have_text(PARTNER)
    managed = partner_page.get_by_role("region", name="Managed Clients")
    card = managed.get_by_role("link", name=re.compile(re.escape(CLIENT)))
    expect(card).to_contain_text("Limited access")
    screenshot(partner_page, "partner-dashboard")
    card.click()
    expect(heading(partner_page)).to_have_text(CLIENT)
    expect(sidebar(partner_page)).to_contain_text(f"on behalf of {PARTNER}")
    expect(sidebar(partner_page)).to_contain_text("Partner (Limited access)")
    expect(sidebar(partner_page).get_by_role("link", name="Settings")).to_have_count(0)
    expect(sidebar(partner_page).get_by_role("link", name="Partner", exact=True)).to_have_count(0)
    expect(sidebar(partner_page).get_by_role("link", name="Billing")).to_have_count(0)
    sidebar(partner_page).get_by_role("link", name="Products").click()
    expect(heading(partner_page)).to_have_text("Products")
    main = partner_page.locator("#main")
    for _category, _slug, name in GRANTED:
        expect(main.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(main.get_by_text("client-ag.com")).to_have_count(0)
    expect(main.get_by_role("row")).to_have_count(4)  # two tables: a header row and one product each
    screenshot(partner_page, "partner-limited-client-products")

    # Settings is not offered; typing its address finds nothing: outside its grant a partner sees no page.
    browser_errors.allow(rf"status of 404 .*/o/{client.pk}/settings/users/")
    response = partner_page.goto(f"/o/{client.pk}/settings/users/")
    assert response is not None
    assert response.status == 404
    expect(heading(partner_page)).to_have_text("This page does not exist")
    expect(partner_page.get_by_text(CLIENT_EMAIL)).to_have_count(0)
    screenshot(partner_page, "partner-limited-settings-users")


def test_full_access_with_the_partner_paying_accepted_from_managed_clients(
    new_page, sign_in, screenshot, guides: Guides
):
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    add_a_partner_until_access(page, screenshot, PARTNER)
    choose_access(page, screenshot, "Full")

    # The client decides whether to also entrust its wallet to the partner.
    wallet = page.get_by_role("group", name=f"Full access: do you also entrust your wallet to {PARTNER}?")
    expect(wallet).to_be_visible()
    expect(wallet.get_by_role("radio", name=re.compile(r"^The client pays"))).to_be_checked()
    wallet.get_by_text("The partner pays", exact=True).click()
    expect(wallet.get_by_role("radio", name=re.compile(r"^The partner pays"))).to_be_checked()
    screenshot(page, "partner-add-3-payment")
    page.get_by_role("button", name="Continue").click()
    # Full access hands over the organization: the password first.
    confirm_password(page, screenshot, "partner-add-4-password")
    expect(status_message(page)).to_contain_text(f"Invitation sent to {PARTNER}.")
    row = page.get_by_role("row").filter(has_text=PARTNER)
    expect(row).to_contain_text("Full")
    expect(row).to_contain_text("The partner pays")
    expect(row).to_contain_text("Pending")

    # The partner answers from Reseller Area → Managed Clients instead of the email.
    partner_page = new_page()
    sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    open_managed_clients(partner_page)
    waiting = partner_page.get_by_role("region", name="Invitations waiting for your answer")
    expect(waiting).to_contain_text(f"{CLIENT} offers Full access · The partner pays")
    screenshot(partner_page, "partner-managed-clients-invitation")
    waiting.get_by_role("link", name="Answer").click()
    expect(heading(partner_page)).to_have_text(f"{CLIENT} invites {PARTNER} to manage its products")
    partner_page.get_by_role("button", name="Accept").click()
    expect(status_message(partner_page)).to_contain_text(f"You now manage {CLIENT}.")
    client_row = partner_page.get_by_role("row").filter(has_text=CLIENT)
    expect(client_row.get_by_role("cell").nth(1)).to_have_text("Full")
    expect(client_row.get_by_role("cell").nth(2)).to_have_text("The partner pays")

    # The client's Partner page → the partner's name → the Payment section.
    page.reload()
    open_partner_page(page)
    page.get_by_role("link", name=PARTNER, exact=True).click()
    expect(heading(page)).to_have_text(PARTNER)
    payment = page.get_by_role("region", name="Payment")
    expect(payment.get_by_test_id("payment-method")).to_have_text("The partner pays")
    screenshot(page, "partner-detail-partner-pays")
    partnership = Partnership.objects.get(client=guides.client, partner=guides.partner)
    assert (partnership.status, partnership.access, partnership.payment_method) == (
        "active",
        "full",
        "partner",
    )


def test_the_client_modifies_the_payment_method(new_page, sign_in, screenshot, guides: Guides):
    partnership = accepted(guides, AccessLevel.FULL, PaymentMethod.PARTNER)
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)

    # Partner → the partner's name → the pencil at the top of the Payment section.
    open_partner_page(page)
    page.get_by_role("link", name=PARTNER, exact=True).click()
    payment = page.get_by_role("region", name="Payment")
    expect(payment.get_by_test_id("payment-method")).to_have_text("The partner pays")
    payment.get_by_role("link", name="Edit payment method").click()
    confirm_password(page, screenshot, "partner-payment-edit-password")
    expect(heading(page)).to_have_text(f"Who pays for {CLIENT}?")
    expect(page.get_by_role("radio", name=re.compile(r"^The partner pays"))).to_be_checked()
    page.locator("fieldset").get_by_text("The client pays", exact=True).click()  # not the preview below
    expect(page.get_by_role("radio", name=re.compile(r"^The client pays"))).to_be_checked()
    screenshot(page, "partner-payment-edit")
    page.get_by_role("button", name="Save").click()

    expect(heading(page)).to_have_text(PARTNER)
    expect(status_message(page)).to_contain_text(
        f"The payment method has been saved; {PARTNER} was notified."
    )
    expect(page.get_by_role("region", name="Payment").get_by_test_id("payment-method")).to_have_text(
        "The client pays"
    )
    partnership.refresh_from_db()
    assert partnership.payment_method == PaymentMethod.CLIENT

    # The partner receives a notification of the change via email.
    mailbox = new_page()
    open_email(mailbox, PARTNER_CONTACT, f"{CLIENT} changed who pays")
    body = mailbox.locator(".mail-body")
    expect(body).to_contain_text("Before: The partner pays")
    expect(body).to_contain_text("From now on: The client pays")
    assert MailboxMessage.objects.filter(subject=f"{CLIENT} changed who pays").count() == 1


def test_the_client_stops_the_collaboration(new_page, sign_in, screenshot, browser_errors, guides: Guides):
    partnership = accepted(guides, AccessLevel.FULL)
    client_id = guides.client.pk
    partner_page = new_page()
    sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    partner_page.goto(f"/o/{client_id}/")
    expect(heading(partner_page)).to_have_text(CLIENT)

    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    open_partner_page(page)
    page.get_by_role("button", name=f"Actions for {PARTNER}").click()
    page.get_by_role("link", name="Stop Collaboration").click()
    expect(heading(page)).to_have_text(f"Stop Collaboration with {PARTNER}")
    expect(page.get_by_text(f"{PARTNER} will lose access to your organization at once.")).to_be_visible()
    screenshot(page, "partner-stop-1-confirm")
    page.get_by_role("button", name="Stop Collaboration").click()  # the first confirmation

    # A wrong password: refused, and the partnership goes on.
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Stop Collaboration").click()
    expect(page.locator("#group-password")).to_contain_text("The password is not correct.")
    screenshot(page, "partner-stop-2-wrong-password")
    partnership.refresh_from_db()
    assert partnership.status == Status.ACTIVE
    partner_page.reload()
    expect(heading(partner_page)).to_have_text(CLIENT)

    page.get_by_label("Your password").fill(CLIENT_PASSWORD)
    page.get_by_role("button", name="Stop Collaboration").click()
    expect(heading(page)).to_have_text("Partner")
    expect(status_message(page)).to_contain_text(f"The collaboration with {PARTNER} has been stopped.")
    history = page.get_by_role("table").last
    expect(history.get_by_role("row").filter(has_text=PARTNER)).to_contain_text("Stopped")
    screenshot(page, "partner-stop-3-done")
    partnership.refresh_from_db()
    assert partnership.status == Status.STOPPED

    # The partner's access ended at once.
    browser_errors.allow(rf"status of 404 .*/o/{client_id}/")
    response = partner_page.goto(f"/o/{client_id}/")
    assert response is not None
    assert response.status == 404
    expect(heading(partner_page)).to_have_text("This page does not exist")
    expect(partner_page.get_by_text(CLIENT)).to_have_count(0)


def test_the_partner_stops_the_collaboration(new_page, sign_in, screenshot, guides: Guides):
    partnership = accepted(guides, AccessLevel.LIMITED)
    partner_page = new_page("dark")
    sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    expect(partner_page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    open_managed_clients(partner_page)
    row = partner_page.get_by_role("row").filter(has_text=CLIENT)
    expect(row.get_by_role("cell").nth(1)).to_have_text("Limited")
    screenshot(partner_page, "partner-managed-clients-dark")

    row.get_by_role("button", name=f"Actions for {CLIENT}").click()
    partner_page.get_by_role("link", name="Stop Collaboration").click()
    expect(heading(partner_page)).to_have_text(f"Stop Collaboration with {CLIENT}")
    expect(partner_page.get_by_text(f"You will lose access to {CLIENT} at once.")).to_be_visible()
    partner_page.get_by_role("button", name="Stop Collaboration").click()
    partner_page.get_by_label("Your password").fill(PARTNER_PASSWORD)
    screenshot(partner_page, "partner-stop-as-partner-password-dark")
    partner_page.get_by_role("button", name="Stop Collaboration").click()

    expect(heading(partner_page)).to_have_text("Managed Clients")
    expect(status_message(partner_page)).to_contain_text(f"The collaboration with {CLIENT} has been stopped.")
    expect(partner_page.get_by_role("row").filter(has_text=CLIENT)).to_have_count(0)
    expect(partner_page.get_by_text("No client has given you access yet.")).to_be_visible()
    partnership.refresh_from_db()
    assert partnership.status == Status.STOPPED

    # The client's Partner page keeps the partnership in its History, as Stopped.
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    open_partner_page(page)
    expect(page.get_by_text("No partner has access to your organization.")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    history = page.get_by_role("table").last
    expect(history.get_by_role("row").filter(has_text=PARTNER)).to_contain_text("Stopped")
    screenshot(page, "partner-history-stopped")


def test_a_tampered_or_reused_invitation_link_changes_nothing(
    new_page, sign_in, screenshot, browser_errors, guides: Guides, live_server
):
    partnership = invite(guides, AccessLevel.FULL)
    partner_page = new_page()
    sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    open_email(partner_page, PARTNER_CONTACT, f"{CLIENT} invites {PARTNER} to manage its products")
    first_link = invitation_link(partner_page, live_server)
    browser_errors.allow(r"status of 400 .*/invitations/")

    def snapshot():
        row = Partnership.objects.get(pk=partnership.pk)
        return (row.status, row.invitation_nonce, row.answered_at, row.access, row.payment_method)

    # Tampered: one character of the signature changed.
    before = snapshot()
    token = first_link.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = partner_page.goto(f"/invitations/{tampered}/")
    assert response is not None
    assert response.status == 400
    expect(heading(partner_page)).to_have_text("This invitation link is not valid")
    expect(partner_page.get_by_role("button", name="Accept")).to_have_count(0)
    screenshot(partner_page, "partner-link-tampered")
    assert snapshot() == before

    # Replaced: the client resends the invitation; the first link no longer works.
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    open_partner_page(page)
    page.get_by_role("button", name=f"Actions for {PARTNER}").click()
    page.get_by_role("button", name="Resend the invitation").click()
    expect(status_message(page)).to_contain_text("the previous link no longer works")
    before = snapshot()
    response = partner_page.goto(first_link)
    assert response is not None
    assert response.status == 400
    expect(heading(partner_page)).to_have_text("This invitation link is no longer valid")
    screenshot(partner_page, "partner-link-replaced")
    assert snapshot() == before

    # The new link works once; used again, it says the invitation was answered and changes nothing.
    partner_page.goto(f"/mailbox/?to={PARTNER_CONTACT}")
    partner_page.get_by_role("link", name=re.compile(f"{CLIENT} invites")).first.click()
    new_link = invitation_link(partner_page, live_server)
    assert new_link != first_link
    partner_page.goto(new_link)
    partner_page.get_by_role("button", name="Accept").click()
    expect(status_message(partner_page)).to_contain_text(f"You now manage {CLIENT}.")
    before = snapshot()
    assert before[0] == Status.ACTIVE
    partner_page.goto(new_link)
    expect(heading(partner_page)).to_have_text("This invitation has already been accepted")
    expect(partner_page.get_by_text("Nothing was changed.")).to_be_visible()
    expect(partner_page.get_by_role("button", name="Accept")).to_have_count(0)
    screenshot(partner_page, "partner-link-reused")
    assert snapshot() == before
