"""Bulk Stop Collaboration in a browser: the partner ticks three clients in Managed Clients, reads the
summary, enters its password once, watches the run's progress while the work waits in the queue, and gets a
result per client once a worker has carried it out."""

import re

from playwright.sync_api import Route, expect

from organizations.access import resolve_access
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
)
from tests.queue import DATABASE_QUEUE, run_queued_tasks

OTHERS = [("Berg Sport AG", "CHE-100.110.014 MWST"), ("Cima Hotels SA", "CHE-200.220.028 MWST")]


def test_a_bulk_stop_of_three_clients(new_page, sign_in, screenshot, settings, guides: Guides):  # noqa: F811
    accepted(guides, "full")
    for index, (name, vat) in enumerate(OTHERS):
        user, organization = signed_up(
            email=f"legal{index}@client{index}.example",
            password="client-passphrase-2026",
            full_name=f"Client Legal {index}",
            organization=name,
            vat_number=vat,
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

    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        sign_in(page, PARTNER_EMAIL, PARTNER_PASSWORD)
        open_managed_clients(page)
        page.get_by_role("checkbox", name="Select every client on this page").check()
        bar = page.get_by_role("region", name="Selected clients")
        expect(bar).to_contain_text("3 clients selected")
        screenshot(page, f"bulk-1-selected-{scheme}")
    bar.get_by_role("button", name="Stop Collaboration").click()
    expect(heading(page)).to_have_text("Stop Collaboration with 3 clients")
    summary = page.get_by_test_id("bulk-summary")
    for name in (CLIENT, *[name for name, _vat in OTHERS]):
        expect(summary).to_contain_text(name)
    page.get_by_label("Your password").fill(PARTNER_PASSWORD)
    screenshot(page, "bulk-2-summary-dark")
    settings.TASKS = DATABASE_QUEUE  # the run waits for a worker, as in production
    page.get_by_role("button", name="Stop Collaboration").click()
    expect(page).to_have_url(re.compile(r"/reseller/clients/bulk/\d+/$"))
    expect(heading(page)).to_have_text("Stop Collaboration with 3 clients")
    expect(page.get_by_test_id("bulk-progress")).to_have_text("0 of 3 clients done")
    expect(page.get_by_role("progressbar", name="0 of 3 clients done")).to_be_visible()
    expect(page.get_by_test_id("bulk-results").get_by_text("Waiting")).to_have_count(3)
    screenshot(page, "bulk-3-progress-dark")
    light = new_page(color_scheme="light")
    sign_in(light, PARTNER_EMAIL, PARTNER_PASSWORD)
    light.goto(page.url)
    expect(light.get_by_test_id("bulk-progress")).to_have_text("0 of 3 clients done")
    screenshot(light, "bulk-3-progress-light")
    light.close()

    # The page asks for its progress every 2 seconds: those requests wait while the worker writes, as the
    # test database takes one writer and no reader meanwhile.
    held: list[Route] = []
    holding = True

    def hold(route: Route) -> None:
        if holding:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/reseller/clients/bulk/\d+/$"), hold)
    page.wait_for_timeout(2500)  # a refresh already on its way comes back
    assert run_queued_tasks() >= 1
    holding = False
    for route in held:
        route.continue_()
    expect(heading(page)).to_have_text("Done for 3 of 3 clients")
    expect(page).to_have_title("Result · Manager")
    expect(page.get_by_test_id("bulk-results").get_by_text("Collaboration stopped")).to_have_count(3)
    screenshot(page, "bulk-4-results-dark")
    light = new_page(color_scheme="light")
    sign_in(light, PARTNER_EMAIL, PARTNER_PASSWORD)
    light.goto(page.url)
    expect(heading(light)).to_have_text("Done for 3 of 3 clients")
    screenshot(light, "bulk-4-results-light")
    page.get_by_role("link", name="Back to Managed Clients").click()
    expect(page.get_by_test_id("client-count")).to_have_text("0 clients")
    assert Partnership.objects.filter(partner=guides.partner, status="stopped").count() == 3
