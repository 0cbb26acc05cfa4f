"""Time-limited partner access and handover through the API: an end on an invitation, "ended" at once in
the output, the client changing the end (a 400 naming `ends_at`, a 409 once ended), the partner's renewal
request the client answers, Managed Clients filtered and sorted by "until", and a transfer code used once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from organizations.models import Role
from partners.models import Partnership
from tests.factories import PASSWORD, PartnershipFactory, member

from .test_partners_api import PARTNER_CONTACT, PARTNER_LEGAL, accept, invite, make_partner, org_url

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def partner(db):
    return make_partner("Agence Léman SA", PARTNER_CONTACT)


@pytest.fixture
def partner_legal(partner):
    return member(partner, Role.LEGAL_REPRESENTATIVE, email=PARTNER_LEGAL)


@pytest.fixture
def ending(organization, legal_representative, partner, partner_legal):
    partnership = accept(partner_legal, invite(legal_representative, organization, partner))
    partnership.ends_at = NOW + timedelta(days=10)
    partnership.save(update_fields=["ends_at"])
    return partnership


def test_an_invitation_until_a_date_and_its_status_ended_at_that_moment(
    client_of,
    organization,
    legal_representative,
    partner,
    partner_legal,
):
    end = NOW + timedelta(days=3)
    created = client_of(legal_representative).post(
        org_url(organization, "/partnerships"),
        {"partner": partner.pk, "access": "full", "ends_at": end.isoformat()},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["ends_at"] is not None
    accept(partner_legal, Partnership.objects.get(pk=created.json()["id"]))
    url = org_url(organization, f"/partnerships/{created.json()['id']}")
    with time_machine.travel(end + timedelta(seconds=1), tick=False):
        client = client_of(legal_representative)
        assert client.get(url).json()["status"] == "ended"
        # The partner's managed clients no longer list it, and the client's API is closed to it.
        partner_client = client_of(partner_legal)
        assert partner_client.get(org_url(partner, "/managed-clients")).json()["count"] == 0
        assert partner_client.get(org_url(organization, "/products")).status_code == 404


def test_an_end_in_the_past_is_a_400_naming_ends_at(client_of, organization, legal_representative, partner):
    response = client_of(legal_representative).post(
        org_url(organization, "/partnerships"),
        {"partner": partner.pk, "access": "full", "ends_at": (NOW - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()
    assert not Partnership.objects.exists()


def test_the_client_changes_the_end_and_cannot_once_ended(
    client_of, organization, legal_representative, ending
):
    url = org_url(organization, f"/partnerships/{ending.pk}/end-of-access")
    client = client_of(legal_representative)
    response = client.post(url, {"ends_at": None}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ends_at"] is None
    response = client.post(url, {"ends_at": (NOW + timedelta(days=2)).isoformat()}, format="json")
    assert response.status_code == 200
    assert client.post(url, {}, format="json").status_code == 400  # `ends_at` is required (null: no end)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        client = client_of(legal_representative)
        response = client.post(url, {"ends_at": (NOW + timedelta(days=30)).isoformat()}, format="json")
        assert response.status_code == 409


def test_a_partner_cannot_change_its_own_end_through_the_client_side(
    client_of,
    organization,
    partner,
    partner_legal,
    ending,
):
    response = client_of(partner_legal).post(
        org_url(partner, f"/partnerships/{ending.pk}/end-of-access"), {"ends_at": None}, format="json"
    )
    assert response.status_code == 404  # not a partnership of which the partner is the client
    ending.refresh_from_db()
    assert ending.ends_at == NOW + timedelta(days=10)


def test_renewal_asked_by_the_partner_and_accepted_by_the_client(
    client_of,
    organization,
    legal_representative,
    partner,
    partner_legal,
    ending,
):
    until = NOW + timedelta(days=90)
    asked = client_of(partner_legal).post(
        org_url(partner, f"/managed-clients/{organization.pk}/renewal-request"),
        {"until": until.isoformat()},
        format="json",
    )
    assert asked.status_code == 200, asked.content
    assert asked.json()["renewal_requested_at"] is not None
    listed = client_of(partner_legal).get(org_url(partner, "/managed-clients")).json()["results"]
    assert listed[0]["renewal_requested"] is True
    accepted = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{ending.pk}/renewal/accept"), {}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    ending.refresh_from_db()
    assert (ending.ends_at, ending.renewal_requested_at) == (until, None)


def test_a_renewal_for_a_client_of_another_partner_is_a_404(
    client_of,
    organization,
    partner,
    partner_legal,
):
    elsewhere = PartnershipFactory(client=organization, ends_at=NOW + timedelta(days=5))
    response = client_of(partner_legal).post(
        org_url(partner, f"/managed-clients/{elsewhere.client_id}/renewal-request"), {}, format="json"
    )
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.renewal_requested_at is None


def test_managed_clients_filtered_and_sorted_by_until(client_of, partner, partner_legal):
    soon = PartnershipFactory(partner=partner, ends_at=NOW + timedelta(days=3))
    later = PartnershipFactory(partner=partner, ends_at=NOW + timedelta(days=60))
    forever = PartnershipFactory(partner=partner)
    client = client_of(partner_legal)

    def ids(query):
        response = client.get(org_url(partner, f"/managed-clients?{query}"))
        assert response.status_code == 200, response.content
        return [row["partnership_id"] for row in response.json()["results"]]

    assert ids("ordering=until") == [soon.pk, later.pk, forever.pk]
    assert ids("ordering=-until") == [forever.pk, later.pk, soon.pk]
    assert ids("until=soon") == [soon.pk]
    assert ids("until=none") == [forever.pk]
    response = client.get(org_url(partner, "/managed-clients?until=tomorrow"))
    assert response.status_code == 400
    assert "until" in response.json()


def test_a_handover_through_the_api_keeps_who_pays_and_a_code_works_once(
    client_of, organization, legal_representative, partner, partner_legal
):
    basel = make_partner("Basel Digital AG", "hello@basel.example")
    basel_legal = member(basel, Role.LEGAL_REPRESENTATIVE, email="legal@basel.example")
    current = accept(basel_legal, invite(legal_representative, organization, basel, payment_method="partner"))
    created = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{current.pk}/transfer-code"), format="json"
    )
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    code = created.json()["code"]

    taken = client_of(partner_legal).post(
        org_url(partner, "/managed-clients/take-over"), {"code": code}, format="json"
    )
    assert taken.status_code == 201, taken.content
    assert (taken.json()["partner"]["id"], taken.json()["payment_method"]) == (partner.pk, "partner")
    current.refresh_from_db()
    assert current.status == "handover"
    assert client_of(basel_legal).get(org_url(organization, "/products")).status_code == 404

    again = client_of(basel_legal).post(
        org_url(basel, "/managed-clients/take-over"), {"code": code}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["code"] == ["This transfer code has already been used."]


def test_an_expired_transfer_code_is_a_400_naming_code(
    client_of, organization, legal_representative, partner, partner_legal
):
    basel = make_partner("Basel Digital AG", "hello@basel.example")
    basel_legal = member(basel, Role.LEGAL_REPRESENTATIVE, email="legal@basel.example")
    current = accept(basel_legal, invite(legal_representative, organization, basel))
    code = (
        client_of(legal_representative)
        .post(org_url(organization, f"/partnerships/{current.pk}/transfer-code"), format="json")
        .json()["code"]
    )
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        response = client_of(partner_legal).post(
            org_url(partner, "/managed-clients/take-over"), {"code": code}, format="json"
        )
    assert response.status_code == 400
    assert "code" in response.json()
    current.refresh_from_db()
    assert current.status == "active"


def test_the_timeline_reads_the_same_from_both_sides(
    client_of, organization, legal_representative, partner, partner_legal, ending
):
    client_of(partner_legal).post(
        org_url(partner, f"/managed-clients/{organization.pk}/renewal-request"), {}, format="json"
    )
    sentences = {}
    for user, side in ((legal_representative, organization), (partner_legal, partner)):
        response = client_of(user).get(org_url(side, f"/partnerships/{ending.pk}/timeline"))
        assert response.status_code == 200, response.content
        sentences[side.pk] = [row["description"] for row in response.json()["results"]]
    assert sentences[organization.pk] == sentences[partner.pk]
    assert sentences[partner.pk][0].endswith("asked Helvetia Web AG to renew its access.")
    assert any("invited Agence Léman SA as Full partner" in sentence for sentence in sentences[partner.pk])


def test_bulk_stop_and_renewal_through_the_api(client_of, partner, partner_legal):
    soon = PartnershipFactory(partner=partner, ends_at=NOW + timedelta(days=3))
    forever = PartnershipFactory(partner=partner)
    elsewhere = PartnershipFactory()
    client = client_of(partner_legal)
    renewal = client.post(
        org_url(partner, "/managed-clients/bulk-renewal-request"),
        {"clients": [soon.client_id, forever.client_id, elsewhere.client_id]},
        format="json",
    )
    assert renewal.status_code == 200, renewal.content
    results = {row["client_id"]: row for row in renewal.json()["results"]}
    assert set(results) == {soon.client_id, forever.client_id}  # never another partner's client
    assert results[soon.client_id]["done"] is True
    assert results[forever.client_id]["done"] is False
    assert "nothing to renew" in results[forever.client_id]["reason"]

    wrong = client.post(org_url(partner, "/managed-clients/bulk-stop"), {"password": "nope"}, format="json")
    assert wrong.status_code == 400
    assert "password" in wrong.json()
    stopped = client.post(
        org_url(partner, "/managed-clients/bulk-stop"),
        {"password": PASSWORD, "until_filter": "soon"},
        format="json",
    )
    assert stopped.status_code == 200
    assert [row["client_id"] for row in stopped.json()["results"]] == [soon.client_id]
    assert Partnership.objects.get(pk=soon.pk).status == "stopped"
    assert Partnership.objects.get(pk=forever.pk).status == "active"
