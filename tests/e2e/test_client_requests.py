"""Add a client, followed in a browser: the partner types two addresses, one of a client's legal
representative and one of no one; Managed Clients lists both requests alike, by the address typed, and the
partner deletes one after confirming."""

import pytest
from playwright.sync_api import expect

from organizations.models import Role
from tests.e2e.test_managed_clients_export import PARTNER_EMAIL, reseller  # noqa: F401 (a fixture)
from tests.e2e.test_partner_guides import open_managed_clients
from tests.factories import PASSWORD, OrganizationFactory, member

MATCHED = "anna.keller@alpenblick.example"
UNMATCHED = "nobody@alpenblick.example"
SENT = "If this address belongs to a legal representative, they will receive your request."


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_partners_requests_are_listed_alike_by_the_address_typed(
    page,
    sign_in,
    screenshot,
    reseller,  # noqa: F811 (the fixture imported above)
    color_scheme,
):
    member(OrganizationFactory(name="Alpenblick AG", country="CH"), Role.LEGAL_REPRESENTATIVE, email=MATCHED)
    sign_in(page, PARTNER_EMAIL, PASSWORD)
    open_managed_clients(page)
    for email in (MATCHED, UNMATCHED):
        page.get_by_role("link", name="Add a client").click()
        page.get_by_label("Email address of the client's legal representative").fill(email)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("status").first).to_contain_text(SENT)

    requests = page.locator("li", has=page.get_by_role("button", name="Resend"))
    expect(requests).to_have_count(2)
    expect(requests.nth(0)).to_contain_text(UNMATCHED)
    expect(requests.nth(1)).to_contain_text(MATCHED)
    for number in range(2):
        expect(requests.nth(number)).to_contain_text("Full access")
    expect(page.get_by_text("Alpenblick AG")).to_have_count(0)
    screenshot(page, f"client-requests-{color_scheme}")

    requests.nth(0).get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete your request to {UNMATCHED}?")
    page.get_by_role("button", name="Delete the request").click()
    expect(page.get_by_role("status").first).to_contain_text("The request has been deleted.")
    expect(page.locator("li", has=page.get_by_role("button", name="Resend"))).to_have_count(1)
