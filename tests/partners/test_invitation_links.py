"""The link in the invitation email (/invitations/<token>/): it opens the answer page for the right person,
and every other case gets a page that says what is wrong, with nothing changed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import Role
from partners import services
from partners.invitations import invitation_path, invitation_token
from partners.models import Partnership
from tests.factories import OrganizationFactory, PartnershipFactory, member
from tests.partners.support import state


def link(token: str) -> str:
    return reverse("partner_invitation", kwargs={"token": token})


def signed_at(moment, partnership) -> str:
    """The token the email would have carried if it had been sent at `moment` (signing reads the clock)."""
    with mock.patch("django.core.signing.time.time", return_value=moment.timestamp()):
        return invitation_token(partnership)


def tampered(token: str, position: int) -> str:
    character = token[position]
    replacement = "A" if character != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


@pytest.fixture
def invitation(client_org, partner_org, client_legal):
    return PartnershipFactory(
        client=client_org, partner=partner_org, status="pending", created_by=client_legal
    )


@pytest.mark.parametrize("answerer", ["partner_legal", "partner_admin"])
def test_the_invited_partner_is_taken_to_the_answer_page(request, client, partner_org, invitation, answerer):
    client.force_login(request.getfixturevalue(answerer))

    response = client.get(invitation_path(invitation))

    assert response.status_code == 302
    answer = reverse("invitation_answer", kwargs={"org_id": partner_org.pk, "partnership_id": invitation.pk})
    assert response.url == answer
    page = client.get(answer)
    assert page.status_code == 200
    assert "Helvetia Web AG invites Léman Digital SA to manage its products" in page.text
    assert Partnership.objects.get(pk=invitation.pk).status == "pending"


def test_a_clients_legal_representative_is_taken_to_the_answer_page_of_a_request(
    client, client_org, partner_org, client_legal
):
    partnership = PartnershipFactory(
        client=client_org, partner=partner_org, status="pending", initiated_by="partner"
    )
    client.force_login(client_legal)

    response = client.get(invitation_path(partnership))

    assert response.url == reverse(
        "partnership_answer", kwargs={"org_id": client_org.pk, "partnership_id": partnership.pk}
    )


def test_signed_out_visitors_sign_in_first_and_come_back(client, invitation):
    path = invitation_path(invitation)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=" in response.url


def test_an_expired_link_says_so_and_changes_nothing(client, partner_legal, invitation):
    sent = timezone.now() - timedelta(days=15)
    Partnership.objects.filter(pk=invitation.pk).update(invitation_sent_at=sent)
    token = signed_at(sent, invitation)
    client.force_login(partner_legal)
    before = state()

    response = client.get(link(token))

    assert response.status_code == 400
    assert "This invitation link has expired" in response.text
    assert "Ask the organization that invited you to resend the invitation" in response.text
    assert state() == before


def test_a_link_signed_thirteen_days_ago_still_works(client, partner_org, partner_legal, invitation):
    sent = timezone.now() - timedelta(days=13)
    Partnership.objects.filter(pk=invitation.pk).update(invitation_sent_at=sent)
    client.force_login(partner_legal)

    response = client.get(link(signed_at(sent, invitation)))

    assert response.status_code == 302
    assert response.url.endswith(f"/reseller/invitations/{invitation.pk}/")


def test_a_link_used_again_after_acceptance_says_it_was_answered(
    client, partner_org, partner_legal, invitation, acting
):
    path = invitation_path(invitation)
    services.partnership_accept(access=acting(partner_legal, partner_org), partnership=invitation)
    client.force_login(partner_legal)
    before = state()

    response = client.get(path)

    assert response.status_code == 200
    assert "This invitation has already been accepted" in response.text
    assert "Nothing was changed. The partnership is active." in response.text
    assert state() == before


def test_a_link_replaced_by_a_resend_no_longer_works(
    client, client_org, client_legal, partner_legal, invitation, acting
):
    old_path = invitation_path(invitation)
    services.partnership_resend(access=acting(client_legal, client_org), partnership=invitation)
    client.force_login(partner_legal)
    before = state()

    response = client.get(old_path)

    assert response.status_code == 400
    assert "This invitation link is no longer valid" in response.text
    assert "use the most recent email" in response.text
    assert state() == before
    invitation.refresh_from_db()
    assert client.get(invitation_path(invitation)).status_code == 302


@pytest.mark.parametrize("where", ["payload", "timestamp", "signature"])
def test_a_link_with_one_character_changed_is_not_valid(client, partner_legal, invitation, where):
    token = invitation_token(invitation)
    payload, _timestamp, _signature = token.split(":")
    position = {"payload": 3, "timestamp": len(payload) + 2, "signature": len(token) - 5}[where]
    client.force_login(partner_legal)
    before = state()

    response = client.get(link(tampered(token, position)))

    assert response.status_code == 400
    assert "This invitation link is not valid" in response.text
    assert state() == before


@pytest.mark.parametrize(
    "token", ["garbage", "eyJwIjoxfQ", "a:b:c", "%00", "x" * 500, ".eJyrVipQsjLUUcpTslIqSUzPTFGqBQA4xAX4"]
)
def test_a_garbage_link_is_not_valid(client, partner_legal, invitation, token):
    client.force_login(partner_legal)
    before = state()

    response = client.get(link(token))

    assert response.status_code == 400
    assert "This invitation link is not valid" in response.text
    assert state() == before


def test_a_validly_signed_link_to_a_partnership_that_no_longer_exists_is_not_valid(
    client, partner_legal, invitation
):
    token = invitation_token(invitation)
    Partnership.objects.filter(pk=invitation.pk).delete()
    client.force_login(partner_legal)

    response = client.get(link(token))

    assert response.status_code == 400
    assert "This invitation link is not valid" in response.text


@pytest.mark.parametrize("who", ["outsider", "client_legal", "client_admin"])
def test_a_person_of_another_organization_is_asked_to_sign_in_with_an_account_of_the_partner(
    request, client, invitation, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    before = state()

    response = client.get(invitation_path(invitation))

    assert response.status_code == 403
    assert "Sign in with an account of Léman Digital SA" in response.text
    assert f"You are signed in as {user.email}" in response.text
    assert state() == before


def test_a_partner_acting_for_the_client_cannot_answer_the_clients_request_for_it(
    client, client_org, partner_org, partner_legal
):
    """A request to a client is answered by the client's own legal representative, not by a partner that
    already manages the client."""
    other_partner_request = PartnershipFactory(client=client_org, status="pending", initiated_by="partner")
    PartnershipFactory(client=client_org, partner=partner_org, status="active")
    client.force_login(partner_legal)

    response = client.get(invitation_path(other_partner_request))

    assert response.status_code == 403
    assert "Sign in with an account of Helvetia Web AG" in response.text


def test_a_member_of_an_unrelated_organization_with_the_same_name_is_refused(client, invitation):
    lookalike = OrganizationFactory(name="Léman Digital SA")
    client.force_login(member(lookalike))

    assert client.get(invitation_path(invitation)).status_code == 403


@pytest.mark.parametrize(
    ("status", "title", "detail"),
    [
        ("refused", "This invitation has been refused", "Nothing was changed."),
        ("cancelled", "This invitation has been deleted", "Nothing was changed."),
        ("stopped", "This invitation has already been accepted", "The collaboration has since been stopped."),
        ("expired", "This invitation has expired", "Nothing was changed."),
    ],
)
def test_a_link_to_an_ended_invitation_says_how_it_ended(
    client, client_org, partner_org, partner_legal, status, title, detail
):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, status=status)
    client.force_login(partner_legal)
    before = state()

    response = client.get(invitation_path(partnership))

    assert response.status_code == 200
    assert title in response.text
    assert detail in response.text
    assert state() == before


def test_a_partner_member_who_may_not_answer_is_refused_on_the_answer_page(
    client, partner_org, partner_user, invitation
):
    client.force_login(partner_user)
    answer = reverse("invitation_answer", kwargs={"org_id": partner_org.pk, "partnership_id": invitation.pk})
    before = state()

    response = client.post(answer, {"answer": "accept"})

    assert response.status_code == 200
    assert "Only a legal representative or an administrator of the partner organization can answer." in (
        response.text
    )
    assert state() == before


@pytest.mark.parametrize("role", [Role.USER, Role.EXTERNAL])
def test_a_member_of_the_partner_who_may_not_answer_is_told_whose_account_answers(
    client, partner_org, invitation, role
):
    """The email goes to the partner's contact address, which may be the account of a plain user. Following
    the link, a member who cannot answer must get the explanation ("… a legal representative or an
    administrator of Léman Digital SA"), not an answer page whose buttons fail (user) or a 404 (external)."""
    someone = member(partner_org, role, email="hello@leman.example")
    client.force_login(someone)
    before = state()

    response = client.get(invitation_path(invitation))

    assert response.status_code == 403, f"the link sends a {role} member to {response.get('Location')}"
    assert "Sign in with an account of Léman Digital SA" in response.text
    assert state() == before


@pytest.mark.parametrize("who", ["client_admin", "client_user", "partner_legal"])
def test_only_the_clients_legal_representative_may_follow_the_link_of_a_request(
    request, client, client_org, partner_org, who
):
    partnership = PartnershipFactory(
        client=client_org, partner=partner_org, status="pending", initiated_by="partner"
    )
    client.force_login(request.getfixturevalue(who))
    before = state()

    response = client.get(invitation_path(partnership))

    assert response.status_code == 403
    assert "Sign in with an account of Helvetia Web AG" in response.text
    assert state() == before
