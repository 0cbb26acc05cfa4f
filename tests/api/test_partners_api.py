"""The partner program through the API: the directory, the client's partnerships (invite, who pays, delete,
resend, stop, answering a partner's request) and the partner's Reseller Area (invitations received, requests
sent, managed clients).

The client is `organization` (Helvetia Web AG, one user per role); the partner is Agence Léman SA, a
referenced partner with its own legal representative, administrator, user and external member. Basel Digital
AG is a second partner that already manages Helvetia with Full access, so its legal representative acts for
Helvetia as a partner.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.access import resolve_access
from organizations.models import Role
from partners import services
from partners.models import InitiatedBy, Partnership, Status, TransferCode
from tests.factories import (
    PASSWORD,
    ClientRequestFactory,
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
    member,
)

from .conftest import ROLES

CLIENT_EMAIL = "legal@helvetia.example"
PARTNER_CONTACT = "hello@leman.example"
PARTNER_LEGAL = "legal@leman.example"
PARTNERSHIP_FIELDS = {
    "id",
    "client",
    "partner",
    "access",
    "payment_method",
    "status",
    "initiated_by",
    "products",
    "created_at",
    "invitation_sent_at",
    "expires_at",
    "answered_at",
    "ends_at",
    "renewal_requested_at",
    "renewal_until",
    "ended_at",
}


def make_partner(name: str, contact_email: str, *, listed: bool = True):
    """A referenced partner organization with its directory entry, as staff create it."""
    organization = OrganizationFactory(name=name, country="CH")
    services.partner_profile_save(
        organization=organization,
        by=None,
        public_name=name,
        contact_email=contact_email,
        description=f"{name} builds websites.",
        is_listed=listed,
    )
    organization.refresh_from_db()
    return organization


def invite(client_legal, client, partner, *, access_level="full", products=(), payment_method="client"):
    return services.partnership_invite(
        access=resolve_access(client_legal, client),
        partner=partner,
        access_level=access_level,
        products=list(products),
        payment_method=payment_method,
        password_confirmed=True,
    )


def accept(partner_legal, partnership, **terms):
    return services.partnership_accept(
        access=resolve_access(partner_legal, partnership.partner),
        partnership=partnership,
        password_confirmed=True,
        **terms,
    )


def request_access(partner_legal, partner, *, client_email=CLIENT_EMAIL, access_level="full", payment_method):
    """The request as the partner sends it ("Add a client"), then delivered as the background task does."""
    client_request = services.partnership_request(
        access=resolve_access(partner_legal, partner),
        client_email=client_email,
        access_level=access_level,
        payment_method=payment_method,
    )
    return services.partnership_request_deliver(client_request=client_request, by=partner_legal)


def mails_to(email):
    return [message for message in MailboxMessage.objects.all() if email in message.to]


def fresh(partnership):
    return Partnership.objects.get(pk=partnership.pk)


def org_url(organization, rest=""):
    return f"/api/v1/organizations/{organization.pk}{rest}"


@pytest.fixture
def partner(db):
    return make_partner("Agence Léman SA", PARTNER_CONTACT)


@pytest.fixture
def partner_legal(partner):
    return member(partner, Role.LEGAL_REPRESENTATIVE, email=PARTNER_LEGAL)


@pytest.fixture
def partner_admin(partner):
    return member(partner, Role.ADMINISTRATOR, email="admin@leman.example")


@pytest.fixture
def partner_user(partner):
    return member(partner, Role.USER, email="user@leman.example")


@pytest.fixture
def partner_external(partner):
    return member(partner, Role.EXTERNAL, email="external@leman.example")


@pytest.fixture
def partner_accountant(partner):
    return member(partner, Role.ACCOUNTANT, email="accountant@leman.example")


@pytest.fixture
def manager(organization, legal_representative):
    """The legal representative of Basel Digital AG, which manages Helvetia with Full access."""
    basel = make_partner("Basel Digital AG", "hello@basel.example")
    manager = member(basel, Role.LEGAL_REPRESENTATIVE, email="legal@basel.example")
    accept(manager, invite(legal_representative, organization, basel))
    return manager


@pytest.fixture
def product(organization):
    return ProductFactory(organization=organization, name="helvetia-web.ch")


@pytest.fixture
def pending(organization, legal_representative, partner, partner_legal):
    """Helvetia's pending invitation to Agence Léman, Full access, Helvetia pays."""
    return invite(legal_representative, organization, partner)


@pytest.fixture
def active(pending, partner_legal):
    return accept(partner_legal, pending)


@pytest.fixture
def partner_request(organization, legal_representative, partner, partner_legal):
    """Agence Léman asks Helvetia for Full access and offers to pay."""
    return request_access(partner_legal, partner, payment_method="partner")


# The directory


def test_the_directory_lists_listed_partners_and_finds_them_by_name_or_email(client_of, outsider, partner):
    make_partner("Zürich Hosting GmbH", "info@zh-hosting.example")
    make_partner("Hidden Partner AG", "hidden@example.com", listed=False)
    client = client_of(outsider)

    everyone = client.get("/api/v1/partners").json()
    by_name = client.get("/api/v1/partners", {"search": "léman"}).json()
    by_email = client.get("/api/v1/partners", {"search": "zh-hosting"}).json()

    assert [row["public_name"] for row in everyone["results"]] == ["Agence Léman SA", "Zürich Hosting GmbH"]
    assert by_name["results"] == [
        {
            "id": partner.pk,
            "public_name": "Agence Léman SA",
            "contact_email": PARTNER_CONTACT,
            "country": "CH",
            "description": "Agence Léman SA builds websites.",
        }
    ]
    assert [row["public_name"] for row in by_email["results"]] == ["Zürich Hosting GmbH"]
    assert client.get("/api/v1/partners", {"search": "hidden"}).json()["results"] == []


def test_the_directory_needs_a_signed_in_user(client_of, partner):
    assert client_of(None).get("/api/v1/partners").status_code in {401, 403}


# Client side: listing and reading partnerships


def test_the_client_lists_its_partnerships_with_their_terms(
    client_of, organization, administrator, pending, product, legal_representative
):
    limited_partner = make_partner("Genève Sites Sàrl", "info@gsites.example")
    limited = invite(
        legal_representative, organization, limited_partner, access_level="limited", products=[product]
    )

    response = client_of(administrator).get(org_url(organization, "/partnerships"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [limited.pk, pending.pk]
    assert set(rows[0]) == PARTNERSHIP_FIELDS
    assert rows[0]["client"] == {"id": organization.pk, "name": "Helvetia Web AG"}
    assert rows[0]["partner"] == {"id": limited_partner.pk, "name": "Genève Sites Sàrl"}
    assert (rows[0]["access"], rows[0]["products"], rows[0]["payment_method"]) == (
        "limited",
        [product.pk],
        "client",
    )
    assert (rows[1]["status"], rows[1]["initiated_by"], rows[1]["answered_at"]) == (
        "pending",
        "client",
        None,
    )


def test_a_partnership_is_read_by_id(client_of, organization, legal_representative, active):
    response = client_of(legal_representative).get(org_url(organization, f"/partnerships/{active.pk}"))

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (active.pk, "active")
    assert response.json()["answered_at"] is not None


def test_another_organizations_partnership_is_a_404(
    client_of, organization, legal_representative, outsider, partner
):
    elsewhere = outsider.memberships.get().organization
    theirs = invite(outsider, elsewhere, partner)

    response = client_of(legal_representative).get(org_url(organization, f"/partnerships/{theirs.pk}"))

    assert response.status_code == 404


def test_the_partner_does_not_reach_a_partnership_through_the_client_side_endpoints(
    client_of, partner, partner_legal, pending
):
    client = client_of(partner_legal)

    detail = client.get(org_url(partner, f"/partnerships/{pending.pk}"))
    deleted = client.delete(org_url(partner, f"/partnerships/{pending.pk}"))

    assert (detail.status_code, deleted.status_code) == (404, 404)
    assert fresh(pending).status == Status.PENDING


def test_a_partner_acting_for_its_client_does_not_see_the_clients_partnerships(
    client_of, organization, manager, pending, partner
):
    client = client_of(manager)

    listed = client.get(org_url(organization, "/partnerships"))
    read = client.get(org_url(organization, f"/partnerships/{pending.pk}"))
    invited = client.post(
        org_url(organization, "/partnerships"), {"partner": partner.pk, "access": "full"}, format="json"
    )

    assert (listed.status_code, read.status_code, invited.status_code) == (404, 404, 404)
    assert client.get(org_url(organization, "/products")).status_code == 200  # it still manages products


# Client side: Add a partner


def test_a_legal_representative_invites_a_partner_who_is_emailed(
    client_of,
    organization,
    legal_representative,
    partner,
    partner_legal,
    partner_admin,
    product,
    django_capture_on_commit_callbacks,
):
    body = {"partner": partner.pk, "access": "limited", "products": [product.pk]}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).post(
            org_url(organization, "/partnerships"), body, format="json"
        )

    assert response.status_code == 201
    partnership = Partnership.objects.get()
    assert response.json()["id"] == partnership.pk
    assert (partnership.client, partnership.partner, partnership.access, partnership.status) == (
        organization,
        partner,
        "limited",
        Status.PENDING,
    )
    assert list(partnership.products.all()) == [product]
    assert response.json()["products"] == [product.pk]
    for email in (PARTNER_CONTACT, PARTNER_LEGAL, "admin@leman.example"):
        assert len(mails_to(email)) == 1, email
    assert "/invitations/" in mails_to(PARTNER_CONTACT)[0].body
    assert AuditEvent.objects.filter(action="partnership.invited", target_id=str(partnership.pk)).exists()


def test_fields_outside_the_invitation_change_nothing(
    client_of, organization, legal_representative, outsider, partner
):
    body = {
        "partner": partner.pk,
        "access": "full",
        "status": "active",
        "initiated_by": "partner",
        "client": outsider.memberships.get().organization_id,
        "answered_at": "2020-01-01T00:00:00Z",
        "created_at": "2000-01-01T00:00:00Z",
    }

    response = client_of(legal_representative).post(
        org_url(organization, "/partnerships"), body, format="json"
    )

    assert response.status_code == 201
    partnership = Partnership.objects.get()
    assert (partnership.status, partnership.initiated_by, partnership.client) == (
        Status.PENDING,
        InitiatedBy.CLIENT,
        organization,
    )
    assert partnership.answered_at is None
    assert partnership.created_at.year > 2000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"access": "full"}, "partner"),
        ({"partner": "unlisted", "access": "full"}, "partner"),
        ({"partner": "not-a-partner", "access": "full"}, "partner"),
        ({"partner": "abc", "access": "full"}, "partner"),
        ({"partner": 99999999999999999999, "access": "full"}, "partner"),
        ({"partner": "partner", "access": "owner"}, "access"),
        ({"partner": "partner"}, "access"),
        ({"partner": "partner", "access": "limited"}, "products"),
        ({"partner": "partner", "access": "limited", "products": ["foreign"]}, "products"),
        (
            {"partner": "partner", "access": "limited", "products": ["product"], "payment_method": "partner"},
            "payment_method",
        ),
        ({"partner": "partner", "access": "full", "payment_method": "wallet"}, "payment_method"),
    ],
    ids=[
        "no partner",
        "unlisted partner",
        "organization that is no partner",
        "partner not an id",
        "partner id out of range",
        "unknown access",
        "no access",
        "limited without products",
        "product of another organization",
        "limited partner paying",
        "unknown payment method",
    ],
)
def test_bad_invitations_name_the_field_and_create_nothing(
    client_of, organization, legal_representative, partner, product, outsider, body, field
):
    unlisted = make_partner("Hidden Partner AG", "hidden@example.com", listed=False)
    stand_ins = {
        "partner": partner.pk,
        "unlisted": unlisted.pk,
        "not-a-partner": outsider.memberships.get().organization_id,
        "product": product.pk,
        "foreign": ProductFactory(organization=OrganizationFactory()).pk,
    }
    body = {
        key: (
            [stand_ins.get(item, item) for item in value]
            if isinstance(value, list)
            else stand_ins.get(value, value)
            if isinstance(value, str)
            else value
        )
        for key, value in body.items()
    }

    response = client_of(legal_representative).post(
        org_url(organization, "/partnerships"), body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Partnership.objects.exists()


def test_a_second_invitation_to_the_same_partner_is_refused(
    client_of, organization, legal_representative, partner, pending
):
    response = client_of(legal_representative).post(
        org_url(organization, "/partnerships"), {"partner": partner.pk, "access": "full"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"partner": ["There is already a pending invitation or an active partnership."]}
    assert Partnership.objects.count() == 1


def test_an_administrator_may_not_invite_a_partner(client_of, organization, administrator, partner):
    response = client_of(administrator).post(
        org_url(organization, "/partnerships"), {"partner": partner.pk, "access": "full"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Your role (Administrator) does not allow you to manage the organization's partners."
    )
    assert not Partnership.objects.exists()


# Client side: who pays


def test_the_client_lets_a_full_partner_pay_and_the_partner_is_emailed(
    client_of, organization, legal_representative, active, django_capture_on_commit_callbacks
):
    url = org_url(organization, f"/partnerships/{active.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).patch(
            url, {"payment_method": "partner", "status": "stopped"}, format="json"
        )

    assert response.status_code == 200
    assert (response.json()["payment_method"], response.json()["access"], response.json()["status"]) == (
        "partner",
        "full",
        "active",
    )
    assert fresh(active).payment_method == "partner"
    assert len(mails_to(PARTNER_CONTACT)) == 1
    assert AuditEvent.objects.filter(action="partnership.payment_method_changed").count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"payment_method": "wallet"}, '"wallet" is not a valid choice.'),
    ],
)
def test_a_bad_payment_method_is_a_400_on_the_field(
    client_of, organization, legal_representative, active, body, message
):
    response = client_of(legal_representative).patch(
        org_url(organization, f"/partnerships/{active.pk}"), body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"payment_method": [message]}


def test_a_limited_partner_cannot_be_made_to_pay(
    client_of, organization, legal_representative, partner, partner_legal, product
):
    limited = accept(
        partner_legal,
        invite(legal_representative, organization, partner, access_level="limited", products=[product]),
    )

    response = client_of(legal_representative).patch(
        org_url(organization, f"/partnerships/{limited.pk}"), {"payment_method": "partner"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "payment_method": ["Only a partner with Full or Billing access can pay for the client."]
    }
    assert fresh(limited).payment_method == "client"


def test_who_pays_cannot_change_before_the_partner_accepts(
    client_of, organization, legal_representative, pending
):
    response = client_of(legal_representative).patch(
        org_url(organization, f"/partnerships/{pending.pk}"), {"payment_method": "partner"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "Only an active partnership has a payment method to change."}
    assert fresh(pending).payment_method == "client"


# Client side: delete and resend a pending invitation


def test_deleting_a_pending_invitation_keeps_it_as_cancelled(
    client_of, organization, legal_representative, pending
):
    client = client_of(legal_representative)
    url = org_url(organization, f"/partnerships/{pending.pk}")

    response = client.delete(url)

    assert response.status_code == 204
    assert fresh(pending).status == Status.CANCELLED
    assert client.get(url).json()["status"] == "cancelled"


@pytest.mark.parametrize("path", ["", "/resend"])
def test_an_accepted_invitation_can_no_longer_be_deleted_or_resent(
    client_of, organization, legal_representative, active, path
):
    client = client_of(legal_representative)
    url = org_url(organization, f"/partnerships/{active.pk}{path}")

    response = client.delete(url) if path == "" else client.post(url)

    assert response.status_code == 409
    assert response.json() == {"detail": "This invitation is active, no longer pending."}
    assert fresh(active).status == Status.ACTIVE


def test_resending_sends_a_fresh_link_and_the_old_one_stops_working(
    client_of, organization, legal_representative, pending, django_capture_on_commit_callbacks
):
    old_nonce = pending.invitation_nonce
    Partnership.objects.filter(pk=pending.pk).update(invitation_sent_at=timezone.now() - timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).post(
            org_url(organization, f"/partnerships/{pending.pk}/resend")
        )

    assert response.status_code == 200
    resent = fresh(pending)
    assert resent.invitation_nonce != old_nonce
    assert resent.invitation_sent_at > timezone.now() - timedelta(minutes=1)
    assert len(mails_to(PARTNER_CONTACT)) == 1


def test_the_client_cannot_resend_or_delete_a_request_the_partner_sent(
    client_of, organization, legal_representative, partner_request
):
    client = client_of(legal_representative)
    url = org_url(organization, f"/partnerships/{partner_request.pk}")

    resent = client.post(f"{url}/resend")
    deleted = client.delete(url)

    assert (resent.status_code, deleted.status_code) == (403, 403)
    assert fresh(partner_request).status == Status.PENDING


# Client side: Stop Collaboration


def test_stopping_a_partnership_ends_the_partners_access_at_once(
    client_of, organization, legal_representative, active, partner_legal, django_capture_on_commit_callbacks
):
    assert resolve_access(partner_legal, organization) is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).post(
            org_url(organization, f"/partnerships/{active.pk}/stop"), {"password": PASSWORD}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["status"] == "stopped"
    assert response.json()["ended_at"] is not None
    assert resolve_access(partner_legal, organization) is None
    assert len(mails_to(PARTNER_CONTACT)) == 1
    assert len(mails_to(CLIENT_EMAIL)) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [({"password": "wrong"}, "The password is not correct."), ({}, "This field is required.")],
)
def test_stopping_with_a_wrong_password_changes_nothing(
    client_of, organization, legal_representative, active, body, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).post(
            org_url(organization, f"/partnerships/{active.pk}/stop"), body, format="json"
        )

    assert response.status_code == 400
    assert response.json() == {"password": [message]}
    assert fresh(active).status == Status.ACTIVE
    assert not AuditEvent.objects.filter(action="partnership.stopped").exists()
    assert not MailboxMessage.objects.exists()


def test_only_an_active_partnership_can_be_stopped(client_of, organization, legal_representative, pending):
    response = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{pending.pk}/stop"), {"password": PASSWORD}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "Only an active partnership can be stopped."}
    assert fresh(pending).status == Status.PENDING


def test_a_stopped_partnership_cannot_be_stopped_again(client_of, organization, legal_representative, active):
    client = client_of(legal_representative)
    stop_url = org_url(organization, f"/partnerships/{active.pk}/stop")
    assert client.post(stop_url, {"password": PASSWORD}, format="json").status_code == 200

    response = client.post(stop_url, {"password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "Only an active partnership can be stopped."}
    assert AuditEvent.objects.filter(action="partnership.stopped").count() == 1


# Client side: answering a partner's request


def test_the_client_accepts_a_request_narrowed_to_limited_access_on_some_products(
    client_of,
    organization,
    legal_representative,
    partner_request,
    product,
    django_capture_on_commit_callbacks,
):
    ProductFactory(organization=organization, name="not-granted.ch")
    body = {"access": "limited", "products": [product.pk], "status": "refused"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).post(
            org_url(organization, f"/partnerships/{partner_request.pk}/accept"), body, format="json"
        )

    assert response.status_code == 200
    accepted = fresh(partner_request)
    assert (accepted.status, accepted.access, accepted.payment_method) == (Status.ACTIVE, "limited", "client")
    assert list(accepted.products.all()) == [product]
    assert response.json()["products"] == [product.pk]
    assert len(mails_to(PARTNER_LEGAL)) == 1


def test_the_client_accepts_a_request_as_asked(
    client_of, organization, legal_representative, partner_request
):
    response = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{partner_request.pk}/accept")
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["access"], response.json()["payment_method"]) == (
        "active",
        "full",
        "partner",
    )


@pytest.mark.parametrize(
    ("asked", "body", "field"),
    [
        ("limited", {"access": "full"}, "access"),
        ("client", {"payment_method": "partner"}, "payment_method"),
        ("full", {"access": "limited"}, "products"),
        ("full", {"access": "limited", "products": ["foreign"]}, "products"),
        ("full", {"access": "everything"}, "access"),
    ],
    ids=[
        "more access",
        "partner paying unasked",
        "limited without products",
        "foreign product",
        "bad access",
    ],
)
def test_the_client_cannot_grant_more_than_asked_nor_bad_terms(
    client_of, organization, legal_representative, partner, partner_legal, asked, body, field
):
    requested = request_access(
        partner_legal,
        partner,
        access_level="limited" if asked == "limited" else "full",
        payment_method="client" if asked in {"limited", "client"} else "partner",
    )
    if body.get("products") == ["foreign"]:
        body = {**body, "products": [ProductFactory(organization=OrganizationFactory()).pk]}

    response = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{requested.pk}/accept"), body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert fresh(requested).status == Status.PENDING


def test_the_client_refuses_a_request_and_the_partner_is_emailed(
    client_of, organization, legal_representative, partner_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(legal_representative).post(
            org_url(organization, f"/partnerships/{partner_request.pk}/refuse")
        )

    assert response.status_code == 200
    assert fresh(partner_request).status == Status.REFUSED
    assert len(mails_to(PARTNER_LEGAL)) == 1


@pytest.mark.parametrize("answer", ["accept", "refuse"])
def test_the_client_cannot_answer_its_own_invitation(
    client_of, organization, legal_representative, pending, answer
):
    response = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{pending.pk}/{answer}")
    )

    assert response.status_code == 403
    assert fresh(pending).status == Status.PENDING


@pytest.mark.parametrize("answer", ["accept", "refuse"])
def test_a_request_answered_already_cannot_be_answered_again(
    client_of, organization, legal_representative, partner_request, answer
):
    client = client_of(legal_representative)
    url = org_url(organization, f"/partnerships/{partner_request.pk}")
    client.post(f"{url}/refuse")

    response = client.post(f"{url}/{answer}")

    assert response.status_code == 409
    assert response.json() == {"detail": "This invitation is refused, no longer pending."}


def test_an_expired_request_cannot_be_accepted(
    client_of, organization, legal_representative, partner_request
):
    Partnership.objects.filter(pk=partner_request.pk).update(
        invitation_sent_at=timezone.now() - timedelta(days=15)
    )

    response = client_of(legal_representative).post(
        org_url(organization, f"/partnerships/{partner_request.pk}/accept")
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "This invitation has expired. Ask for a new one to be sent."}


# Partner side: invitations received


def test_the_partner_lists_the_invitations_it_received_and_waits_for(
    client_of, organization, legal_representative, partner, partner_user, partner_legal, pending
):
    other_client = OrganizationFactory(name="Chur Shop AG")
    other_legal = member(other_client, Role.LEGAL_REPRESENTATIVE, email="legal@chur.example")
    accept(partner_legal, invite(other_legal, other_client, partner))
    member(OrganizationFactory(name="Zug Media AG"), Role.LEGAL_REPRESENTATIVE, email="legal@zug.example")
    request_access(partner_legal, partner, client_email="legal@zug.example", payment_method="client")

    response = client_of(partner_user).get(org_url(partner, "/invitations"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [pending.pk]
    assert set(rows[0]) == PARTNERSHIP_FIELDS
    assert rows[0]["client"] == {"id": organization.pk, "name": "Helvetia Web AG"}


def test_a_request_the_partner_sent_is_not_an_invitation_it_received(
    client_of, partner, partner_legal, partner_request
):
    client = client_of(partner_legal)

    listed = client.get(org_url(partner, "/invitations")).json()["results"]
    accepted = client.post(org_url(partner, f"/invitations/{partner_request.pk}/accept"))

    assert listed == []
    assert accepted.status_code == 404
    assert fresh(partner_request).status == Status.PENDING


@pytest.mark.parametrize("caller", ["legal", "admin"])
def test_the_partner_accepts_an_invitation_and_both_sides_are_emailed(
    client_of,
    organization,
    partner,
    partner_legal,
    partner_admin,
    pending,
    caller,
    django_capture_on_commit_callbacks,
):
    user = partner_legal if caller == "legal" else partner_admin

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(user).post(org_url(partner, f"/invitations/{pending.pk}/accept"))

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert fresh(pending).answered_by == user
    assert len(mails_to(CLIENT_EMAIL)) == 1
    assert len(mails_to(PARTNER_CONTACT)) == 1
    assert resolve_access(partner_legal, organization).partnership.pk == pending.pk


def test_the_partner_accepts_an_invitation_as_sent_whatever_the_body_says(
    client_of, organization, legal_representative, partner, partner_legal, product
):
    limited = invite(legal_representative, organization, partner, access_level="limited", products=[product])

    response = client_of(partner_legal).post(
        org_url(partner, f"/invitations/{limited.pk}/accept"),
        {"access": "full", "payment_method": "partner", "products": [], "status": "refused"},
        format="json",
    )

    assert response.status_code == 200
    accepted = fresh(limited)
    assert (accepted.status, accepted.access, accepted.payment_method) == (Status.ACTIVE, "limited", "client")
    assert list(accepted.products.all()) == [product]


def test_the_partner_refuses_an_invitation_and_the_client_is_emailed(
    client_of, partner, partner_legal, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(partner_legal).post(org_url(partner, f"/invitations/{pending.pk}/refuse"))

    assert response.status_code == 200
    assert fresh(pending).status == Status.REFUSED
    assert len(mails_to(CLIENT_EMAIL)) == 1


@pytest.mark.parametrize("answer", ["accept", "refuse"])
def test_an_invitation_answered_already_is_a_conflict(client_of, partner, partner_legal, active, answer):
    response = client_of(partner_legal).post(org_url(partner, f"/invitations/{active.pk}/{answer}"))

    assert response.status_code == 409
    assert response.json() == {"detail": "This invitation is active, no longer pending."}


def test_an_expired_invitation_is_a_conflict(client_of, partner, partner_legal, pending):
    Partnership.objects.filter(pk=pending.pk).update(invitation_sent_at=timezone.now() - timedelta(days=15))

    response = client_of(partner_legal).post(org_url(partner, f"/invitations/{pending.pk}/accept"))

    assert response.status_code == 409
    assert fresh(pending).status == Status.PENDING


def test_an_invitation_to_another_partner_is_a_404(
    client_of, organization, legal_representative, partner, partner_legal
):
    other_partner = make_partner("Genève Sites Sàrl", "info@gsites.example")
    theirs = invite(legal_representative, organization, other_partner)

    response = client_of(partner_legal).post(org_url(partner, f"/invitations/{theirs.pk}/accept"))

    assert response.status_code == 404
    assert fresh(theirs).status == Status.PENDING


def test_an_organization_that_is_no_partner_has_no_reseller_area(
    client_of, organization, legal_representative
):
    client = client_of(legal_representative)

    for path in ("/invitations", "/client-requests", "/managed-clients"):
        response = client.get(org_url(organization, path))
        assert response.status_code == 403, path
        assert response.json() == {
            "detail": "Helvetia Web AG is not a referenced partner; the Reseller Area is for partners."
        }


# Partner side: Add a client


def test_a_partner_asks_a_client_for_access_and_the_client_is_emailed(
    client_of, organization, legal_representative, partner, partner_legal, django_capture_on_commit_callbacks
):
    body = {"client_email": "Legal@Helvetia.example", "access": "full", "payment_method": "partner"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(partner_legal).post(org_url(partner, "/client-requests"), body, format="json")

    assert response.status_code == 202
    assert response.json() == {"detail": SENT}
    requested = Partnership.objects.get()
    assert (requested.client, requested.partner, requested.initiated_by, requested.status) == (
        organization,
        partner,
        InitiatedBy.PARTNER,
        Status.PENDING,
    )
    assert (requested.access, requested.payment_method) == ("full", "partner")
    assert len(mails_to(CLIENT_EMAIL)) == 1


SENT = "If this address belongs to a legal representative, they will receive your request."


@pytest.mark.parametrize("email", ["nobody@example.com", "admin@helvetia.example", "legal@leman.example"])
def test_add_a_client_answers_alike_whether_or_not_the_address_is_a_legal_representatives(
    client_of,
    organization,
    legal_representative,
    administrator,
    partner,
    partner_legal,
    email,
    django_capture_on_commit_callbacks,
):
    """The answer must not tell a partner who is a legal representative: the same status and body as for a
    legal representative's address, and no request, email or event."""
    body = {"client_email": email, "access": "full"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(partner_legal).post(org_url(partner, "/client-requests"), body, format="json")

    assert (response.status_code, response.json()) == (202, {"detail": SENT})
    assert not Partnership.objects.exists()
    assert not MailboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="partnership.requested").exists()


def test_fields_outside_the_request_change_nothing(
    client_of, legal_representative, partner, partner_legal, django_capture_on_commit_callbacks
):
    body = {"client_email": CLIENT_EMAIL, "access": "full", "status": "active", "partner": 1, "client": 1}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(partner_legal).post(org_url(partner, "/client-requests"), body, format="json")

    assert response.status_code == 202
    requested = Partnership.objects.get()
    assert (requested.status, requested.partner, requested.payment_method) == (
        Status.PENDING,
        partner,
        "client",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_email": "not-an-email", "access": "full"}, "client_email"),
        ({"access": "full"}, "client_email"),
        ({"client_email": CLIENT_EMAIL, "access": "all"}, "access"),
        ({"client_email": CLIENT_EMAIL, "access": "limited", "payment_method": "partner"}, "payment_method"),
    ],
    ids=["not an email", "no email", "bad access", "limited partner paying"],
)
def test_bad_requests_name_the_field_and_create_nothing(
    client_of, legal_representative, partner, partner_legal, body, field
):
    response = client_of(partner_legal).post(org_url(partner, "/client-requests"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Partnership.objects.exists()


def test_the_partner_lists_deletes_and_resends_its_pending_requests(
    client_of, partner, partner_legal, partner_request, pending_elsewhere_request
):
    client = client_of(partner_legal)

    listed = client.get(org_url(partner, "/client-requests")).json()["results"]
    sent, elsewhere = partner_request.client_request, pending_elsewhere_request.client_request
    resent = client.post(org_url(partner, f"/client-requests/{sent.pk}/resend"))
    deleted = client.delete(org_url(partner, f"/client-requests/{elsewhere.pk}"))

    assert {row["id"] for row in listed} == {sent.pk, elsewhere.pk}
    assert {row["client_email"] for row in listed} == {CLIENT_EMAIL, "legal@chur.example"}
    assert resent.status_code == 200
    assert fresh(partner_request).invitation_nonce != partner_request.invitation_nonce
    assert deleted.status_code == 204
    assert fresh(pending_elsewhere_request).status == Status.CANCELLED
    assert client.delete(org_url(partner, f"/client-requests/{elsewhere.pk}")).status_code == 409


@pytest.fixture
def pending_elsewhere_request(partner, partner_legal):
    other_client = OrganizationFactory(name="Chur Shop AG")
    member(other_client, Role.LEGAL_REPRESENTATIVE, email="legal@chur.example")
    return request_access(partner_legal, partner, client_email="legal@chur.example", payment_method="client")


# Partner side: Managed Clients


def test_managed_clients_lists_the_active_clients_with_their_product_counts(
    client_of, organization, partner, partner_user, active, product, pending_elsewhere_request
):
    ProductFactory(organization=organization)

    response = client_of(partner_user).get(org_url(partner, "/managed-clients"))

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": organization.pk,
            "name": "Helvetia Web AG",
            "partnership_id": active.pk,
            "access": "full",
            "payment_method": "client",
            "since": response.json()["results"][0]["since"],
            "until": None,
            "renewal_requested": False,
            "product_count": 2,
            "assigned_members_only": False,
        }
    ]
    assert response.json()["results"][0]["since"] is not None


def test_the_partner_stops_managing_a_client(
    client_of, organization, partner, partner_legal, active, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(partner_legal).post(
            org_url(partner, f"/managed-clients/{organization.pk}/stop"),
            {"password": PASSWORD},
            format="json",
        )

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (active.pk, "stopped")
    assert fresh(active).ended_by == partner_legal
    assert resolve_access(partner_legal, organization) is None
    assert len(mails_to(CLIENT_EMAIL)) == 1
    event = AuditEvent.objects.get(action="partnership.stopped")
    assert event.changes == {"stopped_by": "partner"}


def test_stopping_a_client_with_a_wrong_password_changes_nothing(
    client_of, organization, partner, partner_legal, active
):
    response = client_of(partner_legal).post(
        org_url(partner, f"/managed-clients/{organization.pk}/stop"), {"password": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"password": ["The password is not correct."]}
    assert fresh(active).status == Status.ACTIVE
    assert not AuditEvent.objects.filter(action="partnership.stopped").exists()


def test_stopping_a_client_the_partner_does_not_manage_is_a_404(
    client_of, organization, partner, partner_legal, pending, outsider
):
    client = client_of(partner_legal)
    elsewhere = outsider.memberships.get().organization

    only_pending = client.post(
        org_url(partner, f"/managed-clients/{organization.pk}/stop"), {"password": PASSWORD}, format="json"
    )
    unrelated = client.post(
        org_url(partner, f"/managed-clients/{elsewhere.pk}/stop"), {"password": PASSWORD}, format="json"
    )

    assert (only_pending.status_code, unrelated.status_code) == (404, 404)
    assert fresh(pending).status == Status.PENDING


def test_a_client_stopped_already_is_no_longer_a_managed_client(
    client_of, organization, partner, partner_legal, active
):
    client = client_of(partner_legal)
    url = org_url(partner, f"/managed-clients/{organization.pk}/stop")
    client.post(url, {"password": PASSWORD}, format="json")

    assert client.post(url, {"password": PASSWORD}, format="json").status_code == 404
    assert client.get(org_url(partner, "/managed-clients")).json()["results"] == []


# Role by endpoint


def _expect(
    legal_representative,
    administrator,
    user,
    external,
    accountant=403,
    outsider=404,
    anonymous=401,
    acting=404,
):
    return dict(
        zip(
            [*ROLES, "partner_acting"],
            [legal_representative, administrator, user, external, accountant, outsider, anonymous, acting],
            strict=True,
        )
    )


# The accountant has no part in partners or the Reseller Area, on either side.
SEES_PARTNERS = _expect(200, 200, 403, 403)
MANAGES_PARTNERS = _expect(200, 403, 403, 403)
SEES_RESELLER_AREA = _expect(200, 200, 200, 403)
ANSWERS = _expect(200, 200, 403, 403)
MANAGES_CLIENTS = _expect(200, 403, 403, 403)


def _with_status(expected: dict, success: int) -> dict:
    return {role: success if code == 200 else code for role, code in expected.items()}


@dataclass(frozen=True)
class Case:
    name: str
    side: str  # "client": roles of Helvetia; "partner": roles of Agence Léman
    method: str
    path: Any  # world -> path below the organization
    expected: dict
    body: dict | None = None


CASES = [
    Case("partnerships", "client", "get", lambda w: "/partnerships", SEES_PARTNERS),
    Case("partnership", "client", "get", lambda w: f"/partnerships/{w.pending().pk}", SEES_PARTNERS),
    Case(
        "invite",
        "client",
        "post",
        lambda w: "/partnerships",
        _with_status(MANAGES_PARTNERS, 201),
        {"partner": "<partner>", "access": "full"},
    ),
    Case(
        "change who pays",
        "client",
        "patch",
        lambda w: f"/partnerships/{w.active().pk}",
        MANAGES_PARTNERS,
        {"payment_method": "partner"},
    ),
    Case(
        "delete invitation",
        "client",
        "delete",
        lambda w: f"/partnerships/{w.pending().pk}",
        _with_status(MANAGES_PARTNERS, 204),
    ),
    Case("resend", "client", "post", lambda w: f"/partnerships/{w.pending().pk}/resend", MANAGES_PARTNERS),
    Case(
        "stop",
        "client",
        "post",
        lambda w: f"/partnerships/{w.active().pk}/stop",
        MANAGES_PARTNERS,
        {"password": PASSWORD},
    ),
    Case(
        "accept request",
        "client",
        "post",
        lambda w: f"/partnerships/{w.request().pk}/accept",
        MANAGES_PARTNERS,
    ),
    Case(
        "refuse request",
        "client",
        "post",
        lambda w: f"/partnerships/{w.request().pk}/refuse",
        MANAGES_PARTNERS,
    ),
    Case("invitations", "partner", "get", lambda w: "/invitations", SEES_RESELLER_AREA),
    Case("accept invitation", "partner", "post", lambda w: f"/invitations/{w.pending().pk}/accept", ANSWERS),
    Case("refuse invitation", "partner", "post", lambda w: f"/invitations/{w.pending().pk}/refuse", ANSWERS),
    Case("client requests", "partner", "get", lambda w: "/client-requests", SEES_RESELLER_AREA),
    Case(
        "add a client",
        "partner",
        "post",
        lambda w: "/client-requests",
        _with_status(MANAGES_CLIENTS, 202),
        {"client_email": CLIENT_EMAIL, "access": "full"},
    ),
    Case(
        "delete request",
        "partner",
        "delete",
        lambda w: f"/client-requests/{w.request().client_request.pk}",
        _with_status(MANAGES_CLIENTS, 204),
    ),
    Case(
        "resend request",
        "partner",
        "post",
        lambda w: f"/client-requests/{w.request().client_request.pk}/resend",
        MANAGES_CLIENTS,
    ),
    Case("managed clients", "partner", "get", lambda w: "/managed-clients", SEES_RESELLER_AREA),
    Case(
        "stop a managed client",
        "partner",
        "post",
        lambda w: f"/managed-clients/{w.active().client_id}/stop",
        MANAGES_CLIENTS,
        {"password": PASSWORD},
    ),
    # Time-limited access
    Case(
        "change the end of access",
        "client",
        "post",
        lambda w: f"/partnerships/{w.ending().pk}/end-of-access",
        MANAGES_PARTNERS,
        {"ends_at": "<in 5 days>"},
    ),
    Case(
        "accept a renewal",
        "client",
        "post",
        lambda w: f"/partnerships/{w.renewal_asked().pk}/renewal/accept",
        MANAGES_PARTNERS,
    ),
    Case(
        "refuse a renewal",
        "client",
        "post",
        lambda w: f"/partnerships/{w.renewal_asked().pk}/renewal/refuse",
        MANAGES_PARTNERS,
    ),
    Case(
        "partnership timeline",
        "client",
        "get",
        lambda w: f"/partnerships/{w.active().pk}/timeline",
        SEES_PARTNERS,
    ),
    Case(
        "partnership timeline, partner side",
        "partner",
        "get",
        lambda w: f"/partnerships/{w.active().pk}/timeline",
        _expect(200, 200, 403, 403),
    ),
    Case(
        "create a transfer code",
        "client",
        "post",
        lambda w: f"/partnerships/{w.active().pk}/transfer-code",
        _with_status(MANAGES_PARTNERS, 201),
    ),
    Case(
        "take over a client",
        "partner",
        "post",
        lambda w: "/managed-clients/take-over",
        _with_status(MANAGES_CLIENTS, 201),
        {"code": "<transfer code>"},
    ),
    Case(
        "bulk stop",
        "partner",
        "post",
        lambda w: (w.active(), "/managed-clients/bulk-stop")[1],
        MANAGES_CLIENTS,
        {"password": PASSWORD},
    ),
    Case(
        "bulk renewal request",
        "partner",
        "post",
        lambda w: (w.ending(), "/managed-clients/bulk-renewal-request")[1],
        MANAGES_CLIENTS,
        {"until": None},
    ),
    Case(
        "a bulk action started in the console",
        "partner",
        "get",
        lambda w: f"/managed-clients/bulk-runs/{w.bulk_run().pk}",
        SEES_RESELLER_AREA,
    ),
    Case(
        "ask for a renewal",
        "partner",
        "post",
        lambda w: f"/managed-clients/{w.ending().client_id}/renewal-request",
        MANAGES_CLIENTS,
        {"until": None},
    ),
]


@pytest.fixture
def world(
    organization,
    callers,
    legal_representative,
    partner,
    partner_legal,
    partner_admin,
    partner_user,
    partner_external,
    partner_accountant,
    manager,
):
    """Builds the partnership a case needs when the case asks for it (one live partnership per pair)."""

    def _pending():
        return invite(legal_representative, organization, partner)

    def _active():
        return accept(partner_legal, _pending())

    def _request():
        return request_access(partner_legal, partner, payment_method="client")

    def _ending():
        partnership = _active()
        partnership.ends_at = timezone.now() + timedelta(days=10)
        partnership.save(update_fields=["ends_at"])
        return partnership

    def _transfer_code():
        """A code of Helvetia's partnership with Basel Digital (`manager`), for Agence Léman to take over."""
        partnership = Partnership.objects.get(client=organization, partner__memberships__user=manager)
        code, _record = services.partnership_transfer_code_create(
            access=resolve_access(legal_representative, organization),
            partnership=partnership,
            password_confirmed=True,
        )
        return code

    def _renewal_asked():
        return services.partnership_request_renewal(
            access=resolve_access(partner_legal, partner),
            partnership=_ending(),
            until=timezone.now() + timedelta(days=60),
        )

    def _bulk_run():
        """A renewal request for one client, waiting for its worker."""
        return services.bulk_run_start(
            access=resolve_access(partner_legal, partner), action="renewal", partnerships=[_ending()]
        )

    partner_callers = {
        "legal_representative": partner_legal,
        "administrator": partner_admin,
        "user": partner_user,
        "external": partner_external,
        "accountant": partner_accountant,
        "outsider": callers["outsider"],
        "anonymous": None,
    }
    return SimpleNamespace(
        organization=organization,
        partner=partner,
        pending=_pending,
        active=_active,
        request=_request,
        ending=_ending,
        renewal_asked=_renewal_asked,
        transfer_code=_transfer_code,
        bulk_run=_bulk_run,
        callers={
            "client": {**callers, "partner_acting": manager},
            "partner": partner_callers,
        },
    )


def _state():
    return list(
        Partnership.objects.order_by("pk").values_list(
            "pk", "status", "payment_method", "invitation_nonce", "ends_at", "renewal_requested_at"
        )
    ) + list(TransferCode.objects.order_by("pk").values_list("pk", "used_at", "revoked_at"))


@pytest.mark.parametrize(
    ("case", "role"),
    # A partner acting for a client is a caller of the client side only.
    [(case, role) for case in CASES for role in case.expected if case.side == "client" or role in ROLES],
    ids=lambda value: getattr(value, "name", value),
)
def test_each_role_gets_exactly_what_it_may(case, role, world, client_of, django_capture_on_commit_callbacks):
    organization = world.organization if case.side == "client" else world.partner
    path = case.path(world)
    placeholders = {
        "<partner>": world.partner.pk,
        "<in 5 days>": (timezone.now() + timedelta(days=5)).isoformat(),
    }
    if "<transfer code>" in (case.body or {}).values():
        placeholders["<transfer code>"] = world.transfer_code()
    body = {key: placeholders.get(value, value) for key, value in (case.body or {}).items()}
    before = _state()

    # What is queued on commit runs too ("Add a client" looks the address up in the background).
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client_of(world.callers[case.side][role]), case.method)(
            org_url(organization, path), body or None, format="json"
        )

    expected = case.expected[role]
    assert response.status_code == expected, response.content
    changed = _state() != before
    assert changed == (case.method != "get" and expected < 300), f"{case.name} as {role}: changed={changed}"
    if role == "anonymous":
        assert response.json() == {"detail": "Authentication credentials were not provided."}
    elif expected == 403:
        assert response.json()["detail"].startswith("Your role (")
    elif expected == 404 and role == "outsider":
        assert response.json() == {"detail": "No such organization."}


# Query budgets: lists cost the same for 5 and 50 rows


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context)


def _grow_directory(world, count):
    PartnerProfileFactory.create_batch(count)


def _grow_client_partnerships(world, count):
    PartnershipFactory.create_batch(
        count, client=world.organization, access="limited", status="pending", products=[world.product]
    )


def _grow_partner_side(initiated_by, status):
    def grow(world, count):
        for _ in range(count):
            client = OrganizationFactory()
            PartnershipFactory(
                client=client,
                partner=world.partner,
                access="limited",
                status=status,
                initiated_by=initiated_by,
                products=ProductFactory.create_batch(2, organization=client),
            )

    return grow


def _grow_client_requests(world, count):
    ClientRequestFactory.create_batch(count, partner=world.partner)


@pytest.mark.parametrize(
    ("side", "path", "grow", "budget"),
    [
        ("outsider", "/api/v1/partners", _grow_directory, 4),
        ("client", "/partnerships", _grow_client_partnerships, 6),
        ("partner", "/invitations", _grow_partner_side(InitiatedBy.CLIENT, Status.PENDING), 6),
        ("partner", "/client-requests", _grow_client_requests, 6),
        # The page's product counts are one grouped query of their own, not an aggregate over every client.
        ("partner", "/managed-clients", _grow_partner_side(InitiatedBy.CLIENT, Status.ACTIVE), 6),
    ],
    ids=["directory", "partnerships", "invitations", "client-requests", "managed-clients"],
)
def test_a_list_costs_the_same_queries_for_5_and_50_rows(
    client_of,
    organization,
    legal_representative,
    outsider,
    partner,
    partner_user,
    product,
    django_assert_max_num_queries,
    side,
    path,
    grow,
    budget,
):
    world = SimpleNamespace(organization=organization, partner=partner, product=product)
    caller = {"outsider": outsider, "client": legal_representative, "partner": partner_user}[side]
    url = path if side == "outsider" else org_url(organization if side == "client" else partner, path)
    client = client_of(caller)

    grow(world, 5)
    queries_for(client, url)  # warm caches (content types, session) so both counts compare the same work
    with_5 = queries_for(client, url)
    grow(world, 45)
    with django_assert_max_num_queries(budget):
        with_50 = queries_for(client, url)

    assert with_5 == with_50
    assert client.get(url).json()["count"] >= 50


def test_a_pending_invitation_says_in_the_api_when_its_link_expires(
    client_of, legal_representative, organization, settings
):
    settings.PARTNER_INVITATION_MAX_AGE_DAYS = 14
    partner = make_partner("Expiring Sites AG", "info@expiring.example")
    pending = invite(legal_representative, organization, partner, access_level="full")
    answered = PartnershipFactory(
        client=organization, partner=make_partner("Old Sites AG", "info@old.example"), status="refused"
    )

    response = client_of(legal_representative).get(org_url(organization, "/partnerships"))
    rows = {row["id"]: row for row in response.json()["results"]}

    expected = pending.invitation_sent_at + timedelta(days=14)
    assert datetime.fromisoformat(rows[pending.pk]["expires_at"]) == expected
    assert rows[answered.pk]["expires_at"] is None
