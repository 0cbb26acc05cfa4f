"""Time-limited partner access: an end carried by an invitation or a request, access gone at that moment
(read by the access resolver at each request, whatever the stored status), the client extending,
shortening or lifting it, reminders 30, 7 and 1 days before (each once), the sweep that records "ended" in
both logs, and the partner's renewal request the client answers."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidTransition
from core.models import AuditEvent
from organizations.access import accesses_of, managed_clients_of, organizations_of, resolve_access
from partners import selectors, services
from partners.models import Partnership, PartnershipReminder
from tests.factories import PASSWORD, PartnershipFactory
from tests.partners.support import assert_in_both_logs, mails, only_event, state
from tests.partners.test_concurrency import run_together

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def ending(client_org, partner_org, client_legal, partner_legal, partner_user):
    """Full access, active, ending in ten days."""
    return PartnershipFactory(
        client=client_org,
        partner=partner_org,
        status="active",
        access="full",
        ends_at=NOW + timedelta(days=10),
    )


def reminders_for(partnership) -> list[int]:
    return sorted(partnership.reminders.values_list("days_before", flat=True), reverse=True)


class TestAccessEndsAtItsMoment:
    def test_the_resolver_gives_access_until_the_end_and_none_from_that_moment(
        self, ending, client_org, partner_org, partner_user
    ):
        with time_machine.travel(ending.ends_at - timedelta(seconds=1), tick=False):
            assert resolve_access(partner_user, client_org) is not None
            assert client_org.pk in accesses_of(partner_user)
            assert client_org in organizations_of(partner_user)
            assert client_org in managed_clients_of(partner_user, limit=10)
        with time_machine.travel(ending.ends_at, tick=False):
            # Nothing swept yet: the stored status is still "active", and access is gone all the same.
            assert Partnership.objects.get(pk=ending.pk).status == "active"
            assert resolve_access(partner_user, client_org) is None
            assert client_org.pk not in accesses_of(partner_user)
            assert client_org not in organizations_of(partner_user)
            assert managed_clients_of(partner_user, limit=10) == []
            assert Partnership.objects.get(pk=ending.pk).shown_status == "ended"

    def test_the_client_pages_are_not_found_for_the_partner_once_ended(self, client, ending, partner_user):
        url = reverse("dashboard", kwargs={"org_id": ending.client_id})
        with time_machine.travel(ending.ends_at - timedelta(minutes=1), tick=False):
            client.force_login(partner_user)
            assert client.get(url).status_code == 200
        with time_machine.travel(ending.ends_at + timedelta(minutes=1), tick=False):
            client.force_login(partner_user)  # the session would have idled out over the jump
            assert client.get(url).status_code == 404

    def test_managed_clients_leave_out_an_ended_access_and_filter_and_sort_by_until(
        self, client_org, partner_org, partner_legal, acting
    ):
        from tests.factories import OrganizationFactory

        soon = PartnershipFactory(partner=partner_org, ends_at=NOW + timedelta(days=3))
        later = PartnershipFactory(partner=partner_org, ends_at=NOW + timedelta(days=90))
        forever = PartnershipFactory(partner=partner_org, client=OrganizationFactory(name="Zeta"))
        gone = PartnershipFactory(partner=partner_org, ends_at=NOW - timedelta(minutes=1))
        access = acting(partner_legal, partner_org)
        with time_machine.travel(NOW, tick=False):
            listed = list(selectors.managed_clients(access, ordering="until"))
            assert listed == [soon, later, forever]
            assert gone not in list(selectors.managed_clients(access))
            assert list(selectors.managed_clients(access, ordering="-until")) == [forever, later, soon]
            assert list(selectors.managed_clients(access, until="soon")) == [soon]
            assert set(selectors.managed_clients(access, until="dated")) == {soon, later}
            assert list(selectors.managed_clients(access, until="none")) == [forever]


class TestInvitationsAndRequestsCarryAnEnd:
    def test_an_invitation_until_a_date_is_accepted_with_that_end(
        self, client_org, partner_org, client_legal, partner_legal, acting, mail_on_commit
    ):
        end = NOW + timedelta(days=60)
        partnership = mail_on_commit(
            services.partnership_invite,
            access=acting(client_legal, client_org),
            partner=partner_org,
            access_level="full",
            ends_at=end,
            password_confirmed=True,
        )
        assert partnership.ends_at == end
        assert only_event("partnership.invited").changes["ends_at"] == end.isoformat()
        services.partnership_accept(access=acting(partner_legal, partner_org), partnership=partnership)
        partnership.refresh_from_db()
        assert (partnership.status, partnership.ends_at) == ("active", end)

    def test_an_end_in_the_past_is_refused_by_name_and_nothing_is_written(
        self, client_org, partner_org, client_legal, acting
    ):
        before = state()
        with pytest.raises(ValidationError) as refused:
            services.partnership_invite(
                access=acting(client_legal, client_org),
                partner=partner_org,
                access_level="full",
                ends_at=NOW - timedelta(days=1),
                password_confirmed=True,
            )
        assert "ends_at" in refused.value.message_dict
        assert state() == before

    def test_an_invitation_whose_proposed_end_passed_can_no_longer_be_accepted(
        self, client_org, partner_org, partner_legal, acting
    ):
        invitation = PartnershipFactory(
            client=client_org, partner=partner_org, status="pending", ends_at=NOW + timedelta(hours=1)
        )
        with time_machine.travel(NOW + timedelta(hours=2), tick=False), pytest.raises(InvalidTransition):
            services.partnership_accept(access=acting(partner_legal, partner_org), partnership=invitation)
        invitation.refresh_from_db()
        assert invitation.status == "pending"

    def test_a_partner_request_carries_an_end_and_the_client_may_set_another(
        self, client_org, partner_org, client_legal, partner_legal, acting, mail_on_commit, granted_product
    ):
        asked = NOW + timedelta(days=30)
        mail_on_commit(
            services.partnership_request,
            access=acting(partner_legal, partner_org),
            client_email=client_legal.email,
            access_level="limited",
            ends_at=asked,
        )
        request = Partnership.objects.get(partner=partner_org, client=client_org)
        assert request.ends_at == asked
        granted = NOW + timedelta(days=7)
        services.partnership_accept(
            access=acting(client_legal, client_org),
            partnership=request,
            products=[granted_product],
            ends_at=granted,
        )
        request.refresh_from_db()
        assert (request.status, request.ends_at) == ("active", granted)
        assert only_event("partnership.accepted").changes["ends_at"] == [
            asked.isoformat(),
            granted.isoformat(),
        ]

    def test_a_partner_accepts_an_invitation_as_sent_and_cannot_change_its_end(
        self, client_org, partner_org, partner_legal, acting
    ):
        invitation = PartnershipFactory(client=client_org, partner=partner_org, status="pending")
        with pytest.raises(ValidationError):
            services.partnership_accept(
                access=acting(partner_legal, partner_org),
                partnership=invitation,
                ends_at=NOW + timedelta(days=900),
            )
        invitation.refresh_from_db()
        assert (invitation.status, invitation.ends_at) == ("pending", None)


class TestTheClientChangesTheEnd:
    def test_the_client_extends_shortens_and_lifts_the_end_the_partner_is_emailed(
        self, ending, client_org, partner_org, client_legal, partner_legal, acting, mail_on_commit
    ):
        access = acting(client_legal, client_org)
        longer = NOW + timedelta(days=40)
        mail_on_commit(
            services.partnership_change_end,
            access=access,
            partnership=ending,
            ends_at=longer,
            password=PASSWORD,
        )
        ending.refresh_from_db()
        assert ending.ends_at == longer
        event = only_event("partnership.end_changed")
        assert_in_both_logs(event, client_org, partner_org)
        assert [partner_legal.email in message.recipients for message in mails()] == [True]
        shorter = NOW + timedelta(days=2)
        services.partnership_change_end(access=access, partnership=ending, ends_at=shorter)  # no password
        services.partnership_change_end(access=access, partnership=ending, ends_at=None, password=PASSWORD)
        ending.refresh_from_db()
        assert ending.ends_at is None

    def test_extending_full_access_needs_the_password(self, ending, client_org, client_legal, acting):
        before = state()
        with pytest.raises(ValidationError) as refused:
            services.partnership_change_end(
                access=acting(client_legal, client_org),
                partnership=ending,
                ends_at=NOW + timedelta(days=400),
                password="wrong",
            )
        assert "password" in refused.value.message_dict
        assert state() == before

    @pytest.mark.parametrize("who", ["partner_legal", "client_admin"])
    def test_a_partner_cannot_extend_its_own_access_nor_a_client_administrator(
        self, request, ending, client_org, partner_org, client_admin, acting, who
    ):
        user = request.getfixturevalue(who)
        organization = partner_org if who == "partner_legal" else client_org
        before = state()
        with pytest.raises(PermissionDenied):
            services.partnership_change_end(
                access=acting(user, organization),
                partnership=ending,
                ends_at=NOW + timedelta(days=400),
                password=PASSWORD,
            )
        assert state() == before

    def test_an_ended_access_cannot_be_extended(self, ending, client_org, client_legal, acting):
        with (
            time_machine.travel(ending.ends_at + timedelta(seconds=1), tick=False),
            pytest.raises(InvalidTransition),
        ):
            services.partnership_change_end(
                access=acting(client_legal, client_org),
                partnership=ending,
                ends_at=ending.ends_at + timedelta(days=30),
                password=PASSWORD,
            )

    def test_the_pencil_page_saves_a_last_day_as_the_start_of_the_next_day(
        self, client, ending, client_org, client_legal, recently_confirmed
    ):
        client.force_login(client_legal)
        url = reverse("partner_end_edit", kwargs={"org_id": client_org.pk, "partnership_id": ending.pk})
        last_day = (timezone.localdate() + timedelta(days=20)).isoformat()
        response = client.post(url, {"limit": "until", "last_day": last_day})
        assert response.status_code == 302
        ending.refresh_from_db()
        assert ending.last_day.isoformat() == last_day
        assert timezone.localtime(ending.ends_at).time().isoformat() == "00:00:00"

    def test_the_pencil_page_names_the_field_for_a_past_day(self, client, ending, client_org, client_legal):
        client.force_login(client_legal)
        url = reverse("partner_end_edit", kwargs={"org_id": client_org.pk, "partnership_id": ending.pk})
        before = ending.ends_at
        response = client.post(url, {"limit": "until", "last_day": "2001-01-01"})
        assert response.status_code == 200
        assert "Choose an end of access in the future" in response.text
        ending.refresh_from_db()
        assert ending.ends_at == before


class TestTheSweep:
    def test_the_sweep_records_ended_once_in_both_logs_and_emails_both_sides(
        self, ending, client_org, partner_org, client_legal, partner_legal, django_capture_on_commit_callbacks
    ):
        with (
            time_machine.travel(ending.ends_at + timedelta(minutes=5), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            assert services.partnerships_end_due() == 1
            assert services.partnerships_end_due() == 0
        ending.refresh_from_db()
        assert (ending.status, ending.ended_at) == ("ended", ending.ends_at)
        assert_in_both_logs(only_event("partnership.ended"), client_org, partner_org)
        [message] = mails()
        assert client_legal.email in message.recipients
        assert partner_legal.email in message.recipients
        assert "has ended" in message.subject

    def test_the_sweep_leaves_an_access_still_running(self, ending):
        with time_machine.travel(ending.ends_at - timedelta(seconds=1), tick=False):
            assert services.partnerships_end_due() == 0
        ending.refresh_from_db()
        assert ending.status == "active"


class TestReminders:
    def test_reminders_30_7_and_1_days_before_each_sent_once_to_both_sides(
        self, client_org, partner_org, client_legal, partner_legal, django_capture_on_commit_callbacks
    ):
        partnership = PartnershipFactory(
            client=client_org, partner=partner_org, ends_at=NOW + timedelta(days=45)
        )
        sent = []
        for days_left in (40, 30, 29, 7, 6, 1, 0.5):
            with (
                time_machine.travel(partnership.ends_at - timedelta(days=days_left), tick=False),
                django_capture_on_commit_callbacks(execute=True),
            ):
                sent.append(services.partnerships_send_end_reminders())
        assert sent == [0, 1, 0, 1, 0, 1, 0]
        assert reminders_for(partnership) == [30, 7, 1]
        subjects = [message.subject for message in mails()]
        assert subjects == [
            f"The access of {partner_org.name} to {client_org.name} ends in {days} days" for days in (30, 7)
        ] + [f"The access of {partner_org.name} to {client_org.name} ends in 1 day"]
        assert all(
            client_legal.email in message.recipients and partner_legal.email in message.recipients
            for message in mails()
        )

    def test_a_grant_made_five_days_before_its_end_gets_the_7_day_reminder_only(
        self, client_org, partner_org
    ):
        partnership = PartnershipFactory(
            client=client_org, partner=partner_org, ends_at=NOW + timedelta(days=5)
        )
        with time_machine.travel(NOW, tick=False):
            assert services.partnerships_send_end_reminders() == 1
        assert reminders_for(partnership) == [7]

    def test_a_new_end_gets_its_own_reminders(self, ending, client_org, client_legal, acting):
        with time_machine.travel(NOW, tick=False):
            assert services.partnerships_send_end_reminders() == 1
            services.partnership_change_end(
                access=acting(client_legal, client_org),
                partnership=ending,
                ends_at=NOW + timedelta(days=20),
                password=PASSWORD,
            )
            assert services.partnerships_send_end_reminders() == 1
        assert PartnershipReminder.objects.filter(partnership=ending).count() == 2

    def test_no_reminder_for_access_with_no_end_or_already_ended(self, client_org, partner_org):
        PartnershipFactory(client=client_org, partner=partner_org)
        PartnershipFactory(partner=partner_org, ends_at=NOW - timedelta(days=1))
        with time_machine.travel(NOW, tick=False):
            assert services.partnerships_send_end_reminders() == 0

    def test_the_periodic_job_is_declared_and_does_both(self, settings, ending):
        assert (
            settings.PERIODIC_TASKS["partner-access-endings"][0] == "partners.tasks.end_time_limited_access"
        )
        from partners.tasks import end_time_limited_access

        with time_machine.travel(NOW, tick=False):
            result = end_time_limited_access.call()
        assert result == {"ended": 0, "reminded": 1}


class TestRenewal:
    def test_the_partner_asks_and_the_client_accepts_as_asked(
        self, ending, client_org, partner_org, client_legal, partner_legal, acting, mail_on_commit
    ):
        until = NOW + timedelta(days=100)
        mail_on_commit(
            services.partnership_request_renewal,
            access=acting(partner_legal, partner_org),
            partnership=ending,
            until=until,
        )
        ending.refresh_from_db()
        assert (ending.renewal_requested_by, ending.renewal_until) == (partner_legal, until)
        assert [client_legal.email in message.recipients for message in mails()] == [True]
        assert_in_both_logs(only_event("partnership.renewal_requested"), client_org, partner_org)
        mail_on_commit(
            services.partnership_answer_renewal,
            access=acting(client_legal, client_org),
            partnership=ending,
            accept=True,
            password=PASSWORD,
        )
        ending.refresh_from_db()
        assert (ending.ends_at, ending.renewal_requested_at) == (until, None)
        assert_in_both_logs(only_event("partnership.renewal_accepted"), client_org, partner_org)

    def test_the_client_refuses_and_the_end_stays(
        self, ending, client_org, partner_org, client_legal, partner_legal, acting
    ):
        end = ending.ends_at
        services.partnership_request_renewal(access=acting(partner_legal, partner_org), partnership=ending)
        services.partnership_answer_renewal(
            access=acting(client_legal, client_org), partnership=ending, accept=False
        )
        ending.refresh_from_db()
        assert (ending.ends_at, ending.renewal_requested_at) == (end, None)
        assert only_event("partnership.renewal_refused")

    def test_denials(
        self, ending, client_org, partner_org, client_legal, partner_legal, partner_admin, acting
    ):
        before = state()
        with pytest.raises(PermissionDenied):  # the client does not ask itself
            services.partnership_request_renewal(access=acting(client_legal, client_org), partnership=ending)
        with pytest.raises(PermissionDenied):  # a partner's administrator does not ask
            services.partnership_request_renewal(
                access=acting(partner_admin, partner_org), partnership=ending
            )
        with pytest.raises(ValidationError):  # not before the current end
            services.partnership_request_renewal(
                access=acting(partner_legal, partner_org), partnership=ending, until=NOW + timedelta(days=2)
            )
        with pytest.raises(InvalidTransition):  # nothing asked yet
            services.partnership_answer_renewal(
                access=acting(client_legal, client_org), partnership=ending, accept=True
            )
        with pytest.raises(PermissionDenied):  # the partner does not answer its own request
            services.partnership_answer_renewal(
                access=acting(partner_legal, partner_org), partnership=ending, accept=True
            )
        assert state() == before

    def test_no_renewal_of_access_with_no_end(self, client_org, partner_org, partner_legal, acting):
        forever = PartnershipFactory(client=client_org, partner=partner_org)
        with pytest.raises(InvalidTransition):
            services.partnership_request_renewal(
                access=acting(partner_legal, partner_org), partnership=forever
            )

    def test_the_partner_page_and_the_client_page(
        self, client, ending, client_org, partner_org, client_legal, partner_legal
    ):
        client.force_login(partner_legal)
        url = reverse(
            "managed_client_renewal", kwargs={"org_id": partner_org.pk, "partnership_id": ending.pk}
        )
        response = client.post(url, {"limit": "none"})
        assert response.status_code == 302
        client.force_login(client_legal)
        page = client.get(
            reverse("partner_detail", kwargs={"org_id": client_org.pk, "partnership_id": ending.pk})
        )
        assert "asks to keep its access with no end" in page.text
        dashboard = client.get(reverse("dashboard", kwargs={"org_id": client_org.pk}))
        assert "has access until" in dashboard.text
        client.force_login(partner_legal)
        dashboard = client.get(reverse("dashboard", kwargs={"org_id": partner_org.pk}))
        assert "renewal asked" in dashboard.text


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_reminders_at_once_send_each_once(shared_database, client_org, partner_org):
    partnership = PartnershipFactory(client=client_org, partner=partner_org, ends_at=NOW + timedelta(days=6))

    def job():
        return lambda: services.partnerships_send_end_reminders(now=NOW)

    outcomes = run_together(job, job)
    assert sorted(outcomes) == [0, 1]
    assert reminders_for(partnership) == [7]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_end_it_once(shared_database, client_org, partner_org):
    partnership = PartnershipFactory(
        client=client_org, partner=partner_org, ends_at=NOW - timedelta(minutes=1)
    )

    def job():
        return lambda: services.partnerships_end_due(now=NOW)

    outcomes = run_together(job, job)
    assert sorted(outcomes) == [0, 1]
    assert AuditEvent.objects.filter(action="partnership.ended").count() == 1
    partnership.refresh_from_db()
    assert partnership.status == "ended"
