"""Two people answering the same invitation at the same moment: exactly one answer wins, once. Real threads,
each with its own database connection, started together by a barrier."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from core.models import AuditEvent
from organizations.access import resolve_access
from partners import services
from partners.models import Partnership
from tests.factories import PartnershipFactory

TIMEOUT = 30


def run_together(*calls):
    """Run each call in its own thread, released at once; returns what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            prepared = call()  # reads before the race (access, partnership), on this thread's connection
            barrier.wait(timeout=TIMEOUT)
            outcomes[index] = prepared()
        except (ValidationError, PermissionDenied) as refusal:
            outcomes[index] = refusal
        except BaseException as error:
            outcomes[index] = error
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), "a thread is still waiting: the two calls deadlocked"
    return outcomes


def answer(action, user, organization, partnership_id):
    def prepare():
        access = resolve_access(user, organization)
        partnership = Partnership.objects.get(pk=partnership_id)
        if action == "accept":
            return lambda: services.partnership_accept(access=access, partnership=partnership)
        if action == "refuse":
            return lambda: services.partnership_refuse(access=access, partnership=partnership)
        return lambda: services.partnership_cancel(access=access, partnership=partnership)

    return prepare


def split(outcomes):
    done = [outcome for outcome in outcomes if isinstance(outcome, Partnership)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    unexpected = [outcome for outcome in outcomes if outcome not in done and outcome not in refused]
    assert not unexpected, f"unexpected errors: {unexpected!r}"
    return done, refused


@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_the_same_invitation_at_once_accept_it_once(
    shared_database, client_org, partner_org, partner_legal, partner_admin
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")

    outcomes = run_together(
        answer("accept", partner_legal, partner_org, invitation.pk),
        answer("accept", partner_admin, partner_org, invitation.pk),
    )

    done, refused = split(outcomes)
    assert len(done) == 1
    assert len(refused) == 1
    assert "no longer pending" in refused[0].messages[0]
    invitation.refresh_from_db()
    assert invitation.status == "active"
    assert invitation.answered_by == done[0].answered_by
    assert Partnership.objects.filter(client=client_org, partner=partner_org).count() == 1
    assert AuditEvent.objects.filter(action="partnership.accepted").count() == 1
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("other", "other_side", "event"),
    [("refuse", "partner", "partnership.refused"), ("cancel", "client", "partnership.cancelled")],
)
def test_an_acceptance_racing_another_answer_leaves_one_consistent_outcome(
    shared_database,
    client_org,
    partner_org,
    client_legal,
    partner_legal,
    partner_admin,
    other,
    other_side,
    event,
):
    invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
    other_user, other_org = (
        (partner_admin, partner_org) if other_side == "partner" else (client_legal, client_org)
    )

    outcomes = run_together(
        answer("accept", partner_legal, partner_org, invitation.pk),
        answer(other, other_user, other_org, invitation.pk),
    )

    done, refused = split(outcomes)
    assert (len(done), len(refused)) == (1, 1)
    invitation.refresh_from_db()
    winner = "partnership.accepted" if invitation.status == "active" else event
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [winner]


@pytest.mark.django_db(transaction=True)
def test_two_invitations_of_the_same_partner_at_once_make_one(
    shared_database, client_org, partner_org, client_legal
):
    def invite():
        access = resolve_access(client_legal, client_org)
        return lambda: services.partnership_invite(
            access=access, partner=partner_org, access_level="full", password_confirmed=True
        )

    outcomes = run_together(invite, invite)

    done, refused = split(outcomes)
    assert (len(done), len(refused)) == (1, 1)
    assert refused[0].message_dict == {
        "partner": ["There is already a pending invitation or an active partnership."]
    }
    assert Partnership.objects.live().count() == 1
    assert AuditEvent.objects.filter(action="partnership.invited").count() == 1
