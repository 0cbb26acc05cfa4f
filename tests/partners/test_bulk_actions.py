"""Bulk actions of Managed Clients: the ticked clients or every client matching the filters; Stop
Collaboration with a summary and one password, a result per client (the run itself: tests/partners/
test_bulk_runs.py); renewal requests; resending every pending request; nothing for clients of another
partner."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from partners import services
from partners.models import Partnership
from tests.factories import PASSWORD, ClientRequestFactory, OrganizationFactory, PartnershipFactory


@pytest.fixture
def clients(partner_org):
    """Three clients of the partner (one with access ending soon), and one of another partner."""
    rows = [
        PartnershipFactory(partner=partner_org, client=OrganizationFactory(name=name), **extra)
        for name, extra in (
            ("Alpha AG", {"ends_at": timezone.now() + timedelta(days=5)}),
            ("Beta AG", {}),
            ("Gamma AG", {"ends_at": timezone.now() + timedelta(days=9)}),
        )
    ]
    PartnershipFactory(client=OrganizationFactory(name="Delta AG"))
    return rows


@pytest.fixture
def bulk(mail_on_commit):
    """Post the bulk form; once confirmed, the run it starts is carried out (as the request commits) and its
    page followed."""

    def _bulk(client, partner_org, **data):
        url = reverse("managed_clients_bulk", kwargs={"org_id": partner_org.pk})
        response = mail_on_commit(client.post, url, data)
        if response.status_code == 302 and "/bulk/" in response.url:
            return client.get(response.url)
        return response

    return _bulk


def test_stop_with_ticked_clients_shows_a_summary_then_asks_the_password_once(
    bulk, client, clients, partner_org, partner_legal
):
    client.force_login(partner_legal)
    ticked = [str(row.client_id) for row in clients]
    summary = bulk(client, partner_org, action="stop", scope="selected", clients=ticked)
    assert summary.status_code == 200
    for name in ("Alpha AG", "Beta AG", "Gamma AG"):
        assert name in summary.text
    assert "Stop Collaboration with 3 clients" in summary.text
    assert Partnership.objects.filter(partner=partner_org, status="active").count() == 3

    wrong = bulk(
        client, partner_org, action="stop", scope="selected", clients=ticked, confirmed="yes", password="x"
    )
    assert wrong.status_code == 200
    assert Partnership.objects.filter(partner=partner_org, status="active").count() == 3

    done = bulk(
        client,
        partner_org,
        action="stop",
        scope="selected",
        clients=ticked,
        confirmed="yes",
        password=PASSWORD,
    )
    assert done.status_code == 200
    assert "Done for 3 of 3 clients" in done.text
    assert Partnership.objects.filter(partner=partner_org, status="stopped").count() == 3
    assert AuditEvent.objects.filter(action="partnership.stopped").count() == 3


def test_all_matching_follows_the_filters_and_never_reaches_another_partners_client(
    bulk, client, clients, partner_org, partner_legal
):
    client.force_login(partner_legal)
    other = Partnership.objects.exclude(partner=partner_org).get()
    done = bulk(
        client,
        partner_org,
        action="stop",
        scope="matching",
        until="soon",
        clients=[str(other.client_id)],  # ignored with "matching"
        confirmed="yes",
        password=PASSWORD,
    )
    assert "Done for 2 of 2 clients" in done.text
    stopped = set(Partnership.objects.filter(status="stopped").values_list("client__name", flat=True))
    assert stopped == {"Alpha AG", "Gamma AG"}
    # A ticked client of another partner is simply not there.
    refused = bulk(client, partner_org, action="stop", scope="selected", clients=[str(other.client_id)])
    assert refused.status_code == 302
    other.refresh_from_db()
    assert other.status == "active"


def test_renewal_for_several_clients_with_a_result_per_client(
    bulk, client, clients, partner_org, partner_legal
):
    client.force_login(partner_legal)
    ticked = [str(row.client_id) for row in clients]
    done = bulk(
        client,
        partner_org,
        action="renewal",
        scope="selected",
        clients=ticked,
        confirmed="yes",
        **{"end-limit": "none"},
    )
    assert "Done for 2 of 3 clients" in done.text
    assert "nothing to renew" in done.text  # Beta AG has no end
    asked = Partnership.objects.filter(renewal_requested_at__isnull=False).values_list(
        "client__name", flat=True
    )
    assert set(asked) == {"Alpha AG", "Gamma AG"}


def test_resend_every_pending_request(client, partner_org, partner_legal, acting):
    """Every request the partner sent goes again, whether or not its address matched a client (a matched one
    gets a new link), and the answer counts them alike."""
    a_week_ago = timezone.now() - timedelta(days=7)
    unmatched = ClientRequestFactory(partner=partner_org, sent_at=a_week_ago)
    pending = PartnershipFactory(partner=partner_org, status="pending", initiated_by="partner")
    matched = ClientRequestFactory(partner=partner_org, sent_at=a_week_ago, partnership=pending)
    nonce = pending.invitation_nonce
    client.force_login(partner_legal)
    done = client.post(reverse("client_requests_resend", kwargs={"org_id": partner_org.pk}), follow=True)
    assert "2 requests have been sent again with new links." in done.text
    for row in (unmatched, matched):
        row.refresh_from_db()
        assert row.sent_at > a_week_ago
    pending.refresh_from_db()
    assert pending.invitation_nonce != nonce


def test_resending_every_request_is_for_the_partners_legal_representative(client, partner_org, partner_admin):
    unanswered = ClientRequestFactory(partner=partner_org, sent_at=timezone.now() - timedelta(days=7))
    client.force_login(partner_admin)
    response = client.post(reverse("client_requests_resend", kwargs={"org_id": partner_org.pk}))
    assert response.status_code == 403
    unanswered.refresh_from_db()
    assert unanswered.sent_at < timezone.now() - timedelta(days=6)


def test_only_the_partners_legal_representative(bulk, client, clients, partner_org, partner_admin):
    client.force_login(partner_admin)
    response = bulk(client, partner_org, action="stop", scope="matching", confirmed="yes", password=PASSWORD)
    assert response.status_code == 403
    assert Partnership.objects.filter(partner=partner_org, status="active").count() == 3


def test_the_service_asks_the_password_once(clients, partner_org, partner_legal, acting):
    access = acting(partner_legal, partner_org)
    with pytest.raises(ValidationError) as refused:
        services.partnerships_stop_many(access=access, partnerships=clients, password="wrong")
    assert "password" in refused.value.message_dict
    assert Partnership.objects.filter(partner=partner_org, status="active").count() == 3
    results = services.partnerships_stop_many(access=access, partnerships=clients, password=PASSWORD)
    assert [reason for _row, reason in results] == ["", "", ""]
    results = services.partnerships_stop_many(access=access, partnerships=clients, password=PASSWORD)
    assert all("Only an active partnership can be stopped." in reason for _row, reason in results)
