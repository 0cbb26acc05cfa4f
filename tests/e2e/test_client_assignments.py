"""Partner staff assigned to clients, in a browser: the partner's legal representative puts a colleague in a
team (Managed Clients → Teams) and, in "Assigned members" of one client, ticks that team; the colleague,
signed in, finds only that client in the organization switcher and in Managed Clients, and the other client
is not found."""

from playwright.sync_api import expect

from organizations import services as organization_services
from organizations.access import resolve_access
from organizations.models import Role, User
from partners import services as partner_services
from partners.models import Partnership
from tests.e2e.conftest import signed_up
from tests.e2e.test_partner_guides import (  # noqa: F401 (the guides fixture)
    CLIENT,
    PARTNER_EMAIL,
    PARTNER_PASSWORD,
    Guides,
    accepted,
    guides,
    heading,
    open_managed_clients,
    sidebar,
    status_message,
)

OTHER_CLIENT = "Berg Sport AG"
COLLEAGUE_EMAIL = "tim.frei@pixel-agency.example"
COLLEAGUE_PASSWORD = "tim-frei-passphrase-2026"


def test_an_assigned_member_sees_only_the_assigned_client(
    new_page,
    sign_in,
    screenshot,
    browser_errors,
    guides: Guides,  # noqa: F811
):
    accepted(guides, "full")
    user, organization = signed_up(
        email="legal@berg-sport.example",
        password="berg-sport-passphrase-2026",
        full_name="Berg Legal",
        organization=OTHER_CLIENT,
        vat_number="CHE-100.110.014 MWST",
    )
    invitation = partner_services.partnership_invite(
        access=resolve_access(user, organization),
        partner=guides.partner,
        access_level="full",
        password_confirmed=True,
    )
    partner_services.partnership_accept(
        access=resolve_access(guides.partner_user, guides.partner), partnership=invitation
    )
    organization_services.membership_add(
        access=resolve_access(guides.partner_user, guides.partner), email=COLLEAGUE_EMAIL, role=Role.USER
    )
    colleague = User.objects.get(email=COLLEAGUE_EMAIL)
    colleague.full_name = "Tim Frei"
    colleague.set_password(COLLEAGUE_PASSWORD)
    colleague.save()

    # The legal representative puts Tim in a team, and keeps Client AG for that team (and the legal
    # representatives).
    page = new_page("light")
    sign_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
    open_managed_clients(page)
    page.get_by_role("link", name="Teams").click()
    page.get_by_role("link", name="Create a team").click()
    page.get_by_label("Name of the team").fill("Desk Zürich")
    page.get_by_label(f"Tim Frei ({COLLEAGUE_EMAIL})").check()
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_contain_text("The team Desk Zürich has been saved.")
    expect(page.get_by_role("row", name="Desk Zürich")).to_contain_text("Tim Frei")
    screenshot(page, "assign-0-teams-light")
    page.get_by_role("link", name="Managed Clients").first.click()
    page.get_by_role("button", name=f"Actions for {CLIENT}").click()
    page.get_by_role("link", name="Assigned members").click()
    expect(heading(page)).to_have_text(f"Who acts for {CLIENT}?")
    page.get_by_label("The legal representatives and the members and teams ticked below").check()
    page.get_by_label("Desk Zürich").check()
    screenshot(page, "assign-1-members-light")
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_contain_text(f"the people who act for {CLIENT} have changed")
    expect(page.get_by_role("row", name=CLIENT).get_by_test_id("assigned-only")).to_have_text(
        "Assigned members"
    )

    # Berg Sport AG is kept for the legal representatives only.
    page.get_by_role("button", name=f"Actions for {OTHER_CLIENT}").click()
    page.get_by_role("link", name="Assigned members").click()
    page.get_by_label("The legal representatives and the members and teams ticked below").check()
    page.get_by_role("button", name="Save").click()
    expect(status_message(page)).to_contain_text(f"the people who act for {OTHER_CLIENT} have changed")

    for scheme in ("light", "dark"):
        tim = new_page(scheme)
        sign_in(tim, COLLEAGUE_EMAIL, COLLEAGUE_PASSWORD)
        switcher = sidebar(tim).locator(".org-switcher")
        switcher.click()
        menu = sidebar(tim).locator(".dropdown-menu")
        expect(menu.get_by_role("link", name=CLIENT)).to_be_visible()
        expect(menu.get_by_role("link", name=OTHER_CLIENT)).to_have_count(0)
        screenshot(tim, f"assign-2-switcher-{scheme}")
        switcher.click()
        open_managed_clients(tim)
        expect(tim.get_by_test_id("client-count")).to_have_text("1 client")
        expect(tim.get_by_role("link", name=CLIENT)).to_be_visible()
        screenshot(tim, f"assign-3-managed-clients-{scheme}")

    berg = Partnership.objects.get(partner=guides.partner, client__name=OTHER_CLIENT).client
    browser_errors.allow(rf"404 .*/o/{berg.pk}/")
    response = tim.goto(f"/o/{berg.pk}/")
    assert response.status == 404
    page.goto(f"/o/{berg.pk}/")
    expect(heading(page)).to_have_text(OTHER_CLIENT)
