""" "Add a client" must not tell a partner whether an address belongs to a legal representative: not in the
answer, and not afterwards, in what the partner sees of the requests it sent (the Managed Clients page, the
API's list, the activity log), while they wait, once deleted and once expired. Only the client's answer
tells (an accepted request makes a managed client)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.models import ClientRequest, Partnership
from tests.partners.support import log_of, mails_to

MATCHED = "legal@helvetia.example"  # the client's legal representative (`client_legal`)
UNMATCHED = "nobody@example.com"


@pytest.fixture
def two_requests(
    client, client_org, client_legal, partner_org, partner_legal, django_capture_on_commit_callbacks
):
    """The partner's legal representative sends the same request to each address through the page, the
    background delivery included."""
    client.force_login(partner_legal)
    for email in (MATCHED, UNMATCHED):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("client_request", kwargs={"org_id": partner_org.pk}),
                {"client_email": email, "access": "full", "payment_method": "client"},
            )
        assert response.status_code == 302
    assert Partnership.objects.get().client == client_org, "the matching address reached the client"
    assert len(mails_to(MATCHED)) == 1
    assert mails_to(UNMATCHED) == [], "nothing is sent to an address that matched no one"
    return {request.client_email: request for request in ClientRequest.objects.all()}


def alike(text: str, requests: dict) -> str:
    """`text` with each request's address and id, and the form's CSRF token (masked anew at each use),
    replaced by the same placeholders."""
    text = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="TOKEN"', text
    )
    for email, request in requests.items():
        text = text.replace(email, "ADDRESS").replace(f"/requests/{request.pk}/", "/requests/ID/")
    return text


def page_entries(client, partner_org, requests) -> list[str]:
    """The partner's Managed Clients page, one entry per request it lists (pending or expired)."""
    page = client.get(reverse("managed_clients", kwargs={"org_id": partner_org.pk})).text
    entries = re.findall(r'<li class="list-group-item[^"]*">.*?</li>', page, flags=re.S)
    return [alike(entry, requests) for entry in entries if any(email in entry for email in requests)]


def api_rows(client, partner_org, requests) -> list[dict]:
    rows = client.get(f"/api/v1/organizations/{partner_org.pk}/client-requests").json()["results"]
    return [
        {
            key: value
            for key, value in row.items()
            if key not in ("id", "client_email", "sent_at", "expires_at")
        }
        for row in rows
    ]


def partners_log(partner_org, requests) -> list[tuple[str, str]]:
    return [
        (event.action, alike(str(event.changes), requests))
        for event in log_of(partner_org)
        if event.action.startswith(("client_request.", "partnership."))
    ]


def test_the_partner_sees_its_requests_alike_whether_or_not_the_address_matched(
    client, partner_org, two_requests
):
    entries = page_entries(client, partner_org, two_requests)
    rows = api_rows(client, partner_org, two_requests)
    log = partners_log(partner_org, two_requests)

    assert len(entries) == 2
    assert entries[0] == entries[1]
    assert len(rows) == 2
    assert (
        rows[0]
        == rows[1]
        == {
            "access": "full",
            "payment_method": "client",
            "status": "pending",
        }
    )
    assert log == [("client_request.sent", log[0][1])] * 2


def test_resending_and_deleting_answer_alike(client, partner_org, partner_legal, acting, two_requests):
    access = acting(partner_legal, partner_org)
    for request in two_requests.values():
        services.client_request_resend(access=access, client_request=request)
    assert (
        page_entries(client, partner_org, two_requests)[0]
        == page_entries(client, partner_org, two_requests)[1]
    )

    for request in two_requests.values():
        services.client_request_cancel(access=access, client_request=request)

    assert page_entries(client, partner_org, two_requests) == []
    assert api_rows(client, partner_org, two_requests) == []
    assert {request.status for request in ClientRequest.objects.all()} == {"cancelled"}
    log = partners_log(partner_org, two_requests)
    assert sorted(action for action, _ in log) == sorted(
        ["client_request.sent", "client_request.resent", "client_request.cancelled"] * 2
    )


def test_both_expire_alike(client, partner_org, settings, two_requests):
    settings.PARTNER_INVITATION_MAX_AGE_DAYS = 14
    sent_at = timezone.now() - timedelta(days=15)
    ClientRequest.objects.update(sent_at=sent_at)
    Partnership.objects.update(invitation_sent_at=sent_at)
    services.partnerships_expire_stale()  # the periodic task marks the partnership the matching one made

    entries = page_entries(client, partner_org, two_requests)

    assert len(entries) == 2
    assert entries[0] == entries[1]
    assert "expired" in entries[0]
    assert api_rows(client, partner_org, two_requests) == []
    assert [action for action, _ in partners_log(partner_org, two_requests)] == ["client_request.sent"] * 2
    assert {request.status for request in ClientRequest.objects.all()} == {"expired"}


def test_the_partner_cannot_reach_the_partnership_its_request_made_before_the_client_answers(
    client, client_org, partner_org, two_requests
):
    partnership = Partnership.objects.get()
    answer_page = reverse(
        "invitation_answer", kwargs={"org_id": partner_org.pk, "partnership_id": partnership.pk}
    )
    nothing_there = reverse(
        "invitation_answer", kwargs={"org_id": partner_org.pk, "partnership_id": partnership.pk + 1000}
    )

    assert client.get(answer_page).status_code == client.get(nothing_there).status_code == 404
