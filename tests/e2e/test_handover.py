"""A handover in a browser: the client creates a transfer code for a new partner (password first, the code
shown once), the new partner enters it in Managed Clients, and the client moves from one partner to the
other keeping who pays."""

import re

from playwright.sync_api import expect

from organizations.access import resolve_access
from partners import services as partner_services
from partners.models import Partnership, PaymentMethod
from tests.e2e.conftest import signed_up
from tests.e2e.test_partner_guides import (  # noqa: F401 (the guides fixture)
    CLIENT,
    CLIENT_EMAIL,
    CLIENT_PASSWORD,
    PARTNER,
    PARTNER_EMAIL,
    PARTNER_PASSWORD,
    Guides,
    accepted,
    confirm_password,
    guides,
    heading,
    open_managed_clients,
    open_partner_page,
    status_message,
)

NEW_PARTNER = "Nordlicht Web AG"
NEW_EMAIL = "jonas.frei@nordlicht.example"
NEW_PASSWORD = "nordlicht-passphrase-2026"


def test_a_handover_moves_the_client_to_another_partner_keeping_who_pays(
    new_page,
    sign_in,
    screenshot,
    guides: Guides,  # noqa: F811
):
    old = accepted(guides, "full", PaymentMethod.PARTNER)
    new_user, new_partner = signed_up(
        email=NEW_EMAIL,
        password=NEW_PASSWORD,
        full_name="Jonas Frei",
        organization=NEW_PARTNER,
        vat_number="CHE-223.344.552 MWST",
    )
    partner_services.partner_profile_save(
        organization=new_partner, by=None, public_name=NEW_PARTNER, contact_email="hello@nordlicht.example"
    )

    # The client: Partner → the partner → Hand over to another partner → Create a transfer code.
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
        open_partner_page(page)
        page.get_by_role("link", name=PARTNER, exact=True).click()
        page.get_by_role("link", name="Hand over to another partner").click()
        expect(heading(page)).to_have_text("Hand over to another partner")
        screenshot(page, f"handover-1-explained-{scheme}")
    page.get_by_role("button", name="Create a transfer code").click()
    confirm_password(page, screenshot, "handover-2-password")
    code = page.get_by_test_id("transfer-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code), code
    screenshot(page, "handover-3-code-shown-once-dark")

    # The new partner: Managed Clients → Take over a client → the code.
    partner_page = new_page()
    sign_in(partner_page, NEW_EMAIL, NEW_PASSWORD)
    open_managed_clients(partner_page)
    partner_page.get_by_role("link", name="Take over a client").click()
    expect(heading(partner_page)).to_have_text("Take over a client")
    partner_page.get_by_label("Transfer code").fill(code)
    screenshot(partner_page, "handover-4-take-over")
    partner_page.get_by_role("button", name="Take over").click()
    expect(status_message(partner_page)).to_contain_text(f"You now manage {CLIENT}")
    row = partner_page.get_by_role("row").filter(has_text=CLIENT)
    expect(row.get_by_role("cell").nth(1)).to_have_text("Full")
    expect(row.get_by_role("cell").nth(2)).to_have_text("The partner pays")
    screenshot(partner_page, "handover-5-new-partner-managed-clients")

    # The former partner no longer has the client; the client's Partner page shows the move.
    old_page = new_page()
    sign_in(old_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    open_managed_clients(old_page)
    expect(old_page.get_by_test_id("client-count")).to_have_text("0 clients")
    page.reload()
    open_partner_page(page)
    expect(page.get_by_role("row").filter(has_text=NEW_PARTNER)).to_contain_text("The partner pays")
    expect(page.get_by_role("row").filter(has_text=PARTNER).last).to_contain_text("Handed over")
    screenshot(page, "handover-6-client-partners-dark")

    old.refresh_from_db()
    new = Partnership.objects.get(client=guides.client, partner=new_partner)
    assert (old.status, new.status, new.access, new.payment_method) == (
        "handover",
        "active",
        "full",
        "partner",
    )
    assert resolve_access(guides.partner_user, guides.client) is None
    assert resolve_access(new_user, guides.client) is not None
