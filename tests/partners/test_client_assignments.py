"""Partner staff assigned to clients: a partner's legal representative chooses, per client, whether every
member acts for it (the default) or only the legal representatives and the members assigned; the others lose
the client everywhere at once (resolver, switcher, Managed Clients, the API), and the client sees nothing of
it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from compliance.activity import describe_events
from compliance.selectors import audit_events_visible_to
from console.context_processors import _organization_switcher
from console.models import MailboxMessage
from core.errors import InvalidTransition
from organizations.access import accesses_of, organizations_of, resolve_access, visible_products
from organizations.models import Membership, Role
from partners import selectors, services
from partners.models import ClientAssignment, PartnerTeam
from tests.factories import OrganizationFactory, PartnershipFactory, ProductFactory, member
from tests.partners.support import only_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(partner_org):
    """Two clients of the partner, each with one product, under Full access."""
    alpine = OrganizationFactory(name="Alpine Bakery")
    boreal = OrganizationFactory(name="Boreal Ski")
    for client in (alpine, boreal):
        ProductFactory(organization=client, name=f"shop.{client.name.split()[0].lower()}.example")
    return {
        "alpine": PartnershipFactory(client=alpine, partner=partner_org, access="full"),
        "boreal": PartnershipFactory(client=boreal, partner=partner_org, access="full"),
    }


def membership_of(user, organization):
    return Membership.objects.get(user=user, organization=organization)


def assign(partner_legal, partnership, *users, members_only=True):
    return services.partnership_assign_members(
        access=resolve_access(partner_legal, partnership.partner),
        partnership=partnership,
        members_only=members_only,
        membership_ids=[membership_of(user, partnership.partner).pk for user in users],
    )


def test_by_default_every_member_of_the_partner_acts_for_every_client(clients, partner_user, partner_admin):
    for user in (partner_user, partner_admin):
        assert resolve_access(user, clients["alpine"].client) is not None
        assert resolve_access(user, clients["boreal"].client) is not None


def test_an_assigned_member_acts_only_for_the_clients_assigned_to_them(
    clients, partner_org, partner_legal, partner_user, partner_admin
):
    assign(partner_legal, clients["alpine"], partner_user)
    assign(partner_legal, clients["boreal"], partner_admin)
    alpine, boreal = clients["alpine"].client, clients["boreal"].client

    assert resolve_access(partner_user, alpine).can_see_product(alpine.products.get())
    assert resolve_access(partner_user, boreal) is None
    assert set(accesses_of(partner_user)) == {partner_org.pk, alpine.pk}
    assert set(organizations_of(partner_user)) == {partner_org, alpine}
    assert set(visible_products(partner_user)) == set(alpine.products.all()) | set(partner_org.products.all())
    assert resolve_access(partner_admin, alpine) is None
    assert resolve_access(partner_admin, boreal) is not None
    # The legal representatives act for every client, assigned or not.
    assert resolve_access(partner_legal, alpine) is not None
    assert resolve_access(partner_legal, boreal) is not None


def test_the_switcher_and_managed_clients_list_only_the_member_s_clients(
    clients, partner_org, partner_legal, partner_user, partner_admin
):
    assign(partner_legal, clients["alpine"], partner_user)
    assign(partner_legal, clients["boreal"], partner_admin)

    switcher = _organization_switcher(partner_user)
    managed = [entry["organization"].name for entry in switcher["entries"] if entry["managed"]]
    assert managed == ["Alpine Bakery"]
    listed = selectors.managed_clients(resolve_access(partner_user, partner_org))
    assert [row.client.name for row in listed] == ["Alpine Bakery"]
    everything = selectors.managed_clients(resolve_access(partner_legal, partner_org))
    assert [row.client.name for row in everything] == ["Alpine Bakery", "Boreal Ski"]


def test_an_unassigned_member_is_answered_not_found_in_the_console_and_the_api(
    client, clients, partner_org, partner_legal, partner_user
):
    assign(partner_legal, clients["boreal"])  # the legal representatives only
    boreal = clients["boreal"].client
    client.force_login(partner_user)

    assert client.get(reverse("dashboard", kwargs={"org_id": boreal.pk})).status_code == 404
    assert client.get(reverse("products", kwargs={"org_id": boreal.pk})).status_code == 404
    page = client.get(reverse("managed_clients", kwargs={"org_id": partner_org.pk}))
    assert "Alpine Bakery" in page.content.decode()
    assert "Boreal Ski" not in page.content.decode()
    scripts = APIClient()
    scripts.force_login(partner_user)
    assert scripts.get(f"/api/v1/organizations/{boreal.pk}/products").status_code == 404
    listed = scripts.get(f"/api/v1/organizations/{partner_org.pk}/managed-clients").json()
    assert [row["name"] for row in listed["results"]] == ["Alpine Bakery"]


def test_legal_representatives_are_never_assignable_and_members_of_another_organization_neither(
    clients, partner_legal, partner_user
):
    stranger = member(OrganizationFactory(), Role.USER)
    external = member(clients["alpine"].partner, Role.EXTERNAL)
    for refused in (partner_legal, external):
        with pytest.raises(ValidationError) as error:
            assign(partner_legal, clients["alpine"], refused)
        assert "members" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.partnership_assign_members(
            access=resolve_access(partner_legal, clients["alpine"].partner),
            partnership=clients["alpine"],
            members_only=True,
            membership_ids=[Membership.objects.get(user=stranger).pk],
        )
    assert not ClientAssignment.objects.exists()
    clients["alpine"].refresh_from_db()
    assert clients["alpine"].assigned_members_only is False


def test_only_the_partner_s_legal_representatives_choose(clients, partner_admin, partner_user):
    partnership = clients["alpine"]
    client_legal = member(partnership.client, Role.LEGAL_REPRESENTATIVE)
    for user, organization in ((partner_admin, partnership.partner), (client_legal, partnership.client)):
        with pytest.raises(PermissionDenied):
            services.partnership_assign_members(
                access=resolve_access(user, organization),
                partnership=partnership,
                members_only=True,
                membership_ids=[membership_of(partner_user, partnership.partner).pk],
            )
    partnership.refresh_from_db()
    assert partnership.assigned_members_only is False


def test_an_ended_partnership_has_no_members_to_assign(clients, partner_legal, partner_user):
    partnership = clients["alpine"]
    partnership.status = "stopped"
    partnership.save()
    with pytest.raises(InvalidTransition):
        assign(partner_legal, partnership, partner_user)


def test_every_member_again_clears_the_assignments_and_gives_the_client_back(
    clients, partner_legal, partner_user, partner_admin
):
    assign(partner_legal, clients["alpine"], partner_user)
    assert resolve_access(partner_admin, clients["alpine"].client) is None

    assign(partner_legal, clients["alpine"], partner_user, members_only=False)

    assert resolve_access(partner_admin, clients["alpine"].client) is not None
    assert not ClientAssignment.objects.exists()


def test_removing_a_member_from_the_partner_removes_the_assignment(clients, partner_legal, partner_user):
    assign(partner_legal, clients["alpine"], partner_user)
    membership_of(partner_user, clients["alpine"].partner).delete()
    assert not ClientAssignment.objects.exists()
    assert resolve_access(partner_user, clients["alpine"].client) is None


def test_the_newly_assigned_are_emailed_and_the_partner_s_log_says_it_in_a_sentence(
    clients, partner_org, partner_legal, partner_user, mail_on_commit
):
    mail_on_commit(assign, partner_legal, clients["alpine"], partner_user)

    mails = MailboxMessage.objects.filter(recipients__icontains=partner_user.email)
    assert [mail.subject for mail in mails] == ["You now act for Alpine Bakery"]
    event = only_event("partnership_assignment.changed")
    [described] = describe_events([event])
    assert described.sentence == (
        f"{partner_legal.get_full_name()} assigned user@leman.example to Alpine Bakery, beside the legal "
        "representatives."
    )
    # The partner's own staffing: the client's log does not show it.
    client_legal = member(clients["alpine"].client, Role.LEGAL_REPRESENTATIVE)
    client_log = audit_events_visible_to(resolve_access(client_legal, clients["alpine"].client))
    assert not client_log.filter(action="partnership_assignment.changed").exists()
    partner_log = audit_events_visible_to(resolve_access(partner_legal, partner_org))
    assert partner_log.filter(action="partnership_assignment.changed").exists()


def test_the_page_assigns_members_and_refuses_the_partner_s_other_people(
    client, clients, partner_org, partner_legal, partner_user, partner_admin
):
    partnership = clients["alpine"]
    url = reverse(
        "managed_client_members", kwargs={"org_id": partner_org.pk, "partnership_id": partnership.pk}
    )
    client.force_login(partner_admin)
    assert client.get(url).status_code == 403
    client.force_login(partner_legal)
    page = client.get(url)
    assert "Who acts for Alpine Bakery?" in page.content.decode()
    assert f"({partner_user.email})" in page.content.decode()
    assert f"({partner_legal.email})" not in page.content.decode()  # legal representatives always act

    answer = client.post(url, {"who": "assigned", "members": [membership_of(partner_user, partner_org).pk]})

    assert answer.status_code == 302
    partnership.refresh_from_db()
    assert partnership.assigned_members_only
    assert list(partnership.assignments.values_list("membership__user", flat=True)) == [partner_user.pk]
    table = client.get(reverse("managed_clients", kwargs={"org_id": partner_org.pk})).content.decode()
    assert table.count('data-testid="assigned-only"') == 1


def test_the_page_shows_a_wrong_member_at_the_field(client, clients, partner_org, partner_legal):
    url = reverse(
        "managed_client_members", kwargs={"org_id": partner_org.pk, "partnership_id": clients["alpine"].pk}
    )
    client.force_login(partner_legal)
    answer = client.post(url, {"who": "assigned", "members": [membership_of(partner_legal, partner_org).pk]})
    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    clients["alpine"].refresh_from_db()
    assert clients["alpine"].assigned_members_only is False


def test_the_api_reads_and_sets_the_assignment(
    clients, partner_org, partner_legal, partner_user, partner_admin
):
    alpine = clients["alpine"].client
    url = f"/api/v1/organizations/{partner_org.pk}/managed-clients/{alpine.pk}/assignment"
    scripts = APIClient()
    scripts.force_login(partner_legal)
    assert scripts.get(url).json() == {"assigned_members_only": False, "members": [], "teams": []}

    user_membership = membership_of(partner_user, partner_org).pk
    answer = scripts.put(url, {"assigned_members_only": True, "members": [user_membership]}, format="json")

    assert answer.status_code == 200, answer.content
    assert answer.json() == {"assigned_members_only": True, "members": [user_membership], "teams": []}
    wrong = scripts.put(
        url,
        {"assigned_members_only": True, "members": [membership_of(partner_legal, partner_org).pk]},
        format="json",
    )
    assert wrong.status_code == 400
    assert "members" in wrong.json()
    listed = scripts.get(f"/api/v1/organizations/{partner_org.pk}/managed-clients").json()["results"]
    assert {row["name"]: row["assigned_members_only"] for row in listed} == {
        "Alpine Bakery": True,
        "Boreal Ski": False,
    }
    other = APIClient()
    other.force_login(partner_admin)
    assert other.put(url, {"assigned_members_only": False}, format="json").status_code == 403
    assert resolve_access(partner_admin, alpine) is None


# Teams


def team_of(partner_legal, name, *users):
    partner = Membership.objects.get(user=partner_legal, role=Role.LEGAL_REPRESENTATIVE).organization
    return services.partner_team_save(
        access=resolve_access(partner_legal, partner),
        name=name,
        membership_ids=[membership_of(user, partner).pk for user in users],
    )


def test_a_team_assigned_to_a_client_lets_its_members_act_for_it_and_follows_its_members(
    clients, partner_org, partner_legal, partner_user, partner_admin
):
    desk = team_of(partner_legal, "Desk Romandie", partner_user)
    services.partnership_assign_members(
        access=resolve_access(partner_legal, partner_org),
        partnership=clients["alpine"],
        members_only=True,
        team_ids=[desk.pk],
    )
    alpine = clients["alpine"].client
    assert resolve_access(partner_user, alpine) is not None
    assert resolve_access(partner_admin, alpine) is None
    assert alpine.pk in accesses_of(partner_user)
    assert alpine in organizations_of(partner_user)

    # The team's members change: the client follows them at once.
    services.partner_team_save(
        access=resolve_access(partner_legal, partner_org),
        team=desk,
        name="Desk Romandie",
        membership_ids=[membership_of(partner_admin, partner_org).pk],
    )
    assert resolve_access(partner_user, alpine) is None
    assert resolve_access(partner_admin, alpine) is not None

    # Deleted, its members keep only what was assigned to them directly.
    services.partner_team_delete(access=resolve_access(partner_legal, partner_org), team=desk)
    assert resolve_access(partner_admin, alpine) is None
    clients["alpine"].refresh_from_db()
    assert clients["alpine"].assigned_members_only


def test_team_names_are_unique_per_partner_and_members_are_the_partner_s_own(
    clients, partner_org, partner_legal, partner_user
):
    team_of(partner_legal, "Support", partner_user)
    with pytest.raises(ValidationError) as error:
        team_of(partner_legal, "  support ")
    assert "name" in error.value.message_dict
    stranger = member(OrganizationFactory(), Role.USER)
    with pytest.raises(ValidationError) as error:
        services.partner_team_save(
            access=resolve_access(partner_legal, partner_org),
            name="Night shift",
            membership_ids=[Membership.objects.get(user=stranger).pk],
        )
    assert "members" in error.value.message_dict
    assert list(PartnerTeam.objects.values_list("name", flat=True)) == ["Support"]


def test_another_partner_s_team_cannot_be_assigned(clients, partner_org, partner_legal):
    other_partner = OrganizationFactory(is_referenced_partner=True)
    other_legal = member(other_partner, Role.LEGAL_REPRESENTATIVE)
    foreign = services.partner_team_save(access=resolve_access(other_legal, other_partner), name="Theirs")
    with pytest.raises(ValidationError) as error:
        services.partnership_assign_members(
            access=resolve_access(partner_legal, partner_org),
            partnership=clients["alpine"],
            members_only=True,
            team_ids=[foreign.pk],
        )
    assert "teams" in error.value.message_dict
    assert not clients["alpine"].assigned_teams.exists()


def test_teams_belong_to_the_partner_s_legal_representatives(
    client, partner_org, partner_legal, partner_admin
):
    desk = team_of(partner_legal, "Desk", partner_admin)
    client.force_login(partner_admin)
    assert client.get(reverse("teams", kwargs={"org_id": partner_org.pk})).status_code == 403
    with pytest.raises(PermissionDenied):
        services.partner_team_delete(access=resolve_access(partner_admin, partner_org), team=desk)
    other = OrganizationFactory(is_referenced_partner=True)
    other_legal = member(other, Role.LEGAL_REPRESENTATIVE)
    client.force_login(other_legal)
    assert (
        client.get(reverse("team_edit", kwargs={"org_id": other.pk, "team_id": desk.pk})).status_code == 404
    )
    assert PartnerTeam.objects.filter(pk=desk.pk).exists()


def test_the_team_pages_create_rename_and_delete_a_team(
    client, clients, partner_org, partner_legal, partner_user
):
    client.force_login(partner_legal)
    page = client.get(reverse("managed_clients", kwargs={"org_id": partner_org.pk})).content.decode()
    assert reverse("teams", kwargs={"org_id": partner_org.pk}) in page
    user_membership = membership_of(partner_user, partner_org).pk

    created = client.post(
        reverse("team_add", kwargs={"org_id": partner_org.pk}), {"name": "Desk", "members": [user_membership]}
    )
    assert created.status_code == 302
    desk = PartnerTeam.objects.get()
    assert list(desk.members.values_list("user__email", flat=True)) == [partner_user.email]
    same_name = client.post(reverse("team_add", kwargs={"org_id": partner_org.pk}), {"name": "desk"})
    assert "already has a team named desk" in same_name.content.decode()

    edit = reverse("team_edit", kwargs={"org_id": partner_org.pk, "team_id": desk.pk})
    assert client.post(edit, {"name": "Desk Romandie", "members": []}).status_code == 302
    listing = client.get(reverse("teams", kwargs={"org_id": partner_org.pk})).content.decode()
    assert "Desk Romandie" in listing

    delete = reverse("team_delete", kwargs={"org_id": partner_org.pk, "team_id": desk.pk})
    assert "Delete the team Desk Romandie?" in client.get(delete).content.decode()
    assert client.post(delete, {"confirmed": "yes"}).status_code == 302
    assert not PartnerTeam.objects.exists()
    sentences = [
        described.sentence
        for described in describe_events(audit_events_visible_to(resolve_access(partner_legal, partner_org)))
    ]
    name = partner_legal.get_full_name()
    assert f"{name} created the team Desk." in sentences
    assert f"{name} changed the team Desk Romandie." in sentences
    assert f"{name} deleted the team Desk Romandie." in sentences


def test_the_api_keeps_teams_and_assigns_them(
    clients, partner_org, partner_legal, partner_user, partner_admin
):
    scripts = APIClient()
    scripts.force_login(partner_legal)
    teams = f"/api/v1/organizations/{partner_org.pk}/teams"
    user_membership = membership_of(partner_user, partner_org).pk

    created = scripts.post(teams, {"name": "Desk", "members": [user_membership]}, format="json")
    assert created.status_code == 201, created.content
    team_id = created.json()["id"]
    assert created.json()["members"] == [user_membership]
    assert scripts.post(teams, {"name": "DESK"}, format="json").status_code == 400
    alpine = clients["alpine"].client
    assignment = f"/api/v1/organizations/{partner_org.pk}/managed-clients/{alpine.pk}/assignment"
    answer = scripts.put(assignment, {"assigned_members_only": True, "teams": [team_id]}, format="json")
    assert answer.json() == {"assigned_members_only": True, "members": [], "teams": [team_id]}
    assert scripts.get(f"{teams}/{team_id}").json()["client_count"] == 1
    assert resolve_access(partner_user, alpine) is not None

    assert scripts.delete(f"{teams}/{team_id}").status_code == 204
    assert resolve_access(partner_user, alpine) is None
    other = APIClient()
    other.force_login(partner_admin)
    assert other.get(teams).status_code == 403
