"""Time-limited partner access in a browser, with the clock moved forward (time_machine moves the live
server's clock too, which runs in this process): the client grants access until a last day, the reminders
30, 7 and 1 days before land in both mailboxes, and at the end the partner loses the client at once, before
any sweep, while the client's Partner page shows the partnership as ended."""

import re
from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from organizations.access import resolve_access
from partners import services as partner_services
from partners.models import Partnership
from partners.tasks import end_time_limited_access
from tests.e2e.test_partner_guides import (  # noqa: F401 (the guides fixture)
    CLIENT,
    CLIENT_EMAIL,
    CLIENT_PASSWORD,
    PARTNER,
    PARTNER_EMAIL,
    PARTNER_PASSWORD,
    Guides,
    add_a_partner_until_access,
    choose_access,
    guides,
    heading,
    open_managed_clients,
    open_partner_page,
    status_message,
)

LAST_DAY_OFFSET = 40  # days from today


def test_a_grant_until_a_date_reminds_then_ends_on_its_own(
    new_page,
    sign_in,
    screenshot,
    browser_errors,
    guides: Guides,  # noqa: F811
):
    browser_errors.allow(rf"status of 404 .*/o/{guides.client.pk}/")
    today = timezone.localdate()
    last_day = today + timedelta(days=LAST_DAY_OFFSET)
    end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))

    # The client grants Limited access until the last day, through Add a partner.
    page = new_page()
    sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
    add_a_partner_until_access(page, screenshot, PARTNER)
    choose_access(page, screenshot, "Limited")
    page.get_by_role("button", name="Web hosting").click()
    page.get_by_label(re.compile(r"^www\.client-ag\.ch")).check()
    how_long = page.get_by_role("group", name="How long?")
    expect(how_long.get_by_role("radio", name="No end")).to_be_checked()
    how_long.get_by_role("radio", name="Until a date").check()
    how_long.get_by_label("Last day of access").fill(last_day.isoformat())
    screenshot(page, "time-limited-1-add-until")
    page.get_by_role("button", name="Continue").click()
    expect(status_message(page)).to_contain_text(f"Invitation sent to {PARTNER}.")
    row = page.get_by_role("row").filter(has_text=PARTNER)
    expect(row.get_by_test_id("until")).to_be_visible()
    partnership = Partnership.objects.get(client=guides.client, partner=guides.partner)
    assert partnership.ends_at == end

    partner_services.partnership_accept(
        access=resolve_access(guides.partner_user, guides.partner), partnership=partnership
    )

    # The partner sees "Until" in Managed Clients.
    partner_page = new_page(color_scheme="dark")
    sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    open_managed_clients(partner_page)
    client_row = partner_page.get_by_role("row").filter(has_text=CLIENT)
    expect(client_row.get_by_test_id("until")).not_to_contain_text("No end")
    screenshot(partner_page, "time-limited-2-managed-clients-dark")

    # The periodic job, run as the workers would 30, 7 and 1 days before the end (each reminder once).
    with time_machine.travel(end - timedelta(days=30), tick=True) as clock:
        assert end_time_limited_access.call() == {"ended": 0, "reminded": 1}
        assert end_time_limited_access.call() == {"ended": 0, "reminded": 0}
        clock.move_to(end - timedelta(days=7))
        assert end_time_limited_access.call() == {"ended": 0, "reminded": 1}
        clock.move_to(end - timedelta(days=1))
        assert end_time_limited_access.call() == {"ended": 0, "reminded": 1}

        # The reminders are in both mailboxes.
        for address in (CLIENT_EMAIL, PARTNER_EMAIL):
            mailbox = new_page()
            mailbox.goto(f"/mailbox/?to={address}")
            expect(heading(mailbox)).to_have_text(f"Mailbox of {address}")
            for days in ("30 days", "7 days", "1 day"):
                expect(mailbox.get_by_role("link", name=re.compile(f"ends in {days}"))).to_have_count(1)
        screenshot(mailbox, "time-limited-3-mailbox-reminders")

        # A minute before the end the partner still opens the client; the dashboard says it ends soon.
        clock.move_to(end - timedelta(minutes=1))
        partner_page = new_page()
        sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
        ending = partner_page.get_by_test_id("ending-soon")
        expect(ending).to_contain_text(f"Your access to {CLIENT} ends after")
        screenshot(partner_page, "time-limited-4-partner-dashboard-ending")
        partner_page.goto(f"/o/{guides.client.pk}/")
        expect(partner_page.locator("#main").get_by_text(f"on behalf of {PARTNER}")).to_be_visible()

        # At the end: gone at once, with no sweep run.
        clock.move_to(end + timedelta(seconds=1))
        response = partner_page.goto(f"/o/{guides.client.pk}/")
        assert response.status == 404
        open_page = new_page()
        sign_in(open_page, PARTNER_EMAIL, PARTNER_PASSWORD)
        open_managed_clients(open_page)
        expect(open_page.get_by_test_id("client-count")).to_have_text("0 clients")
        assert Partnership.objects.get(pk=partnership.pk).status == "active"  # not swept yet

        client_page = new_page(color_scheme="dark")
        sign_in(client_page, CLIENT_EMAIL, CLIENT_PASSWORD)
        open_partner_page(client_page)
        history = client_page.get_by_role("row").filter(has_text=PARTNER)
        expect(history).to_contain_text("Ended")
        screenshot(client_page, "time-limited-5-client-history-ended-dark")

        # The sweep records it, once, and tells both sides.
        assert end_time_limited_access.call() == {"ended": 1, "reminded": 0}
        mailbox = new_page()
        mailbox.goto(f"/mailbox/?to={PARTNER_EMAIL}")
        expect(
            mailbox.get_by_role("link", name=re.compile(f"The access of {PARTNER} to {CLIENT} has ended"))
        ).to_have_count(1)
    partnership.refresh_from_db()
    assert partnership.status == "ended"


def test_the_partner_asks_for_a_renewal_and_the_client_extends(new_page, sign_in, screenshot, guides: Guides):  # noqa: F811
    partnership = partner_services.partnership_invite(
        access=resolve_access(guides.client_user, guides.client),
        partner=guides.partner,
        access_level="limited",
        products=[guides.products["www.client-ag.ch"]],
        ends_at=timezone.now() + timedelta(days=5),
    )
    partner_services.partnership_accept(
        access=resolve_access(guides.partner_user, guides.partner), partnership=partnership
    )
    asked_day = timezone.localdate() + timedelta(days=60)

    # The partner: Managed Clients → ⋮ → Ask for a renewal → until a new last day.
    partner_page = new_page()
    sign_in(partner_page, PARTNER_EMAIL, PARTNER_PASSWORD)
    open_managed_clients(partner_page)
    partner_page.get_by_label("Until", exact=True).select_option("soon")
    partner_page.get_by_role("button", name="Search").click()
    expect(partner_page.get_by_test_id("client-count")).to_have_text("1 client matching the filters")
    row = partner_page.get_by_role("row").filter(has_text=CLIENT)
    row.get_by_role("button", name=f"Actions for {CLIENT}").click()
    row.get_by_role("link", name="Ask for a renewal").click()
    expect(heading(partner_page)).to_have_text(f"Ask {CLIENT} to renew your access")
    partner_page.get_by_label("Last day of access").fill(asked_day.isoformat())
    screenshot(partner_page, "time-limited-6-renewal-request")
    partner_page.get_by_role("button", name="Send the request").click()
    expect(status_message(partner_page)).to_contain_text(f"Your renewal request was sent to {CLIENT}.")
    expect(partner_page.get_by_role("row").filter(has_text=CLIENT)).to_contain_text("renewal asked")

    # The client: the dashboard lists it, the partner's page answers it.
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        sign_in(page, CLIENT_EMAIL, CLIENT_PASSWORD)
        expect(page.get_by_test_id("ending-soon")).to_contain_text(f"{PARTNER} has access until")
        screenshot(page, f"time-limited-7-client-dashboard-{scheme}")
        open_partner_page(page)
        page.get_by_role("link", name=PARTNER, exact=True).click()
        expect(page.get_by_test_id("renewal-request")).to_contain_text(
            f"{PARTNER} asks to keep its access until"
        )
        screenshot(page, f"time-limited-8-partner-detail-renewal-{scheme}")
    page.get_by_test_id("renewal-request").get_by_role("button", name="Accept").click()
    expect(status_message(page)).to_contain_text("The access has been renewed.")
    expect(page.get_by_test_id("access-until")).to_contain_text(asked_day.strftime("%Y-%m-%d"))

    # The pencil: no end any more.
    page.get_by_role("link", name="Change how long the partner has access").click()
    expect(heading(page)).to_have_text(f"How long does {PARTNER} have access?")
    screenshot(page, "time-limited-9-end-edit-dark")
    page.get_by_role("radio", name="No end").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("access-until")).to_contain_text("No end")
    partnership.refresh_from_db()
    assert (partnership.ends_at, partnership.renewal_requested_at) == (None, None)
