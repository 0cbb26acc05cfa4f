"""Bulk actions of Managed Clients carried out in the background: the run and its result per client, a
refusal that stops nothing else, a retried task that acts once, the starter's right checked again for each
client, and the page that shows the progress (to the partner's own people only)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.models import Membership, Role
from partners import services
from partners.models import BulkRun, BulkRunItem, Partnership
from tests.factories import (
    PASSWORD,
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    UserFactory,
    member,
)
from tests.partners.test_concurrency import run_together
from tests.queue import DATABASE_QUEUE, run_queued_tasks

ONLY_LEGAL = "Only a legal representative of the partner organization can do this."


@pytest.fixture
def clients(partner_org):
    """Three active clients of the partner (Alpha's and Gamma's access ends), in name order."""
    return [
        PartnershipFactory(partner=partner_org, client=OrganizationFactory(name=name), **extra)
        for name, extra in (
            ("Alpha AG", {"ends_at": timezone.now() + timedelta(days=5)}),
            ("Beta AG", {}),
            ("Gamma AG", {"ends_at": timezone.now() + timedelta(days=9)}),
        )
    ]


@pytest.fixture
def start(acting, partner_org, partner_legal):
    """A run started by the partner's legal representative; its task waits (nothing commits in a test)."""

    def _start(partnerships, action="stop", **options):
        return services.bulk_run_start(
            access=acting(partner_legal, partner_org),
            action=action,
            partnerships=partnerships,
            **({"password": PASSWORD} if action == "stop" else {}),
            **options,
        )

    return _start


def outcomes(run) -> dict[str, tuple[str, str]]:
    return {item.client_name: (item.outcome, item.reason) for item in run.items.all()}


def statuses(partner_org) -> dict[str, str]:
    return dict(Partnership.objects.filter(partner=partner_org).values_list("client__name", "status"))


def run_url(org, run) -> str:
    return reverse("managed_clients_bulk_run", kwargs={"org_id": org.pk, "run_id": run.pk})


def test_a_run_stops_three_clients_and_records_a_result_each(clients, partner_org, start, mail_on_commit):
    run = mail_on_commit(start, clients)  # the task runs once the start commits
    run.refresh_from_db()
    assert run.finished_at is not None
    assert outcomes(run) == {name: ("done", "") for name in ("Alpha AG", "Beta AG", "Gamma AG")}
    assert all(item.processed_at is not None for item in run.items.all())
    assert set(statuses(partner_org).values()) == {"stopped"}
    assert AuditEvent.objects.filter(action="partnership.stopped").count() == 3


def test_starting_acts_on_no_one_until_the_task_runs(clients, partner_org, start):
    run = start(clients)
    assert run.finished_at is None
    assert set(statuses(partner_org).values()) == {"active"}
    assert {outcome for outcome, _reason in outcomes(run).values()} == {"pending"}


def test_a_refused_client_does_not_stop_the_others(clients, partner_org, partner_legal, acting, start):
    run = start(clients)
    # Beta's collaboration was stopped on its own page in the meantime.
    services.partnership_stop(
        access=acting(partner_legal, partner_org), partnership=clients[1], password_confirmed=True
    )
    services.bulk_run_process(run_id=run.pk)
    assert outcomes(run) == {
        "Alpha AG": ("done", ""),
        "Beta AG": ("refused", "Only an active partnership can be stopped."),
        "Gamma AG": ("done", ""),
    }
    assert set(statuses(partner_org).values()) == {"stopped"}
    assert AuditEvent.objects.filter(action="partnership.stopped").count() == 3  # Beta's own stop, and two


def test_a_retried_task_acts_once(clients, partner_org, start, mail_on_commit):
    run = start(clients)
    # An earlier attempt stopped Alpha, recorded it and was lost before the others.
    first = BulkRunItem.objects.get(run=run, client_name="Alpha AG")
    first.outcome, first.processed_at = "done", timezone.now()
    first.save()
    mail_on_commit(services.bulk_run_process, run_id=run.pk)
    emails = MailboxMessage.objects.count()
    assert emails > 0
    assert statuses(partner_org) == {"Alpha AG": "active", "Beta AG": "stopped", "Gamma AG": "stopped"}
    mail_on_commit(services.bulk_run_process, run_id=run.pk)  # the task runs again
    assert AuditEvent.objects.filter(action="partnership.stopped").count() == 2
    assert MailboxMessage.objects.count() == emails
    assert outcomes(run)["Beta AG"] == ("done", "")


def test_a_starter_who_lost_the_right_acts_on_no_one_more(clients, partner_org, partner_legal, start):
    run = start(clients)
    Membership.objects.filter(user=partner_legal, organization=partner_org).update(role=Role.ADMINISTRATOR)
    services.bulk_run_process(run_id=run.pk)
    run.refresh_from_db()
    assert run.finished_at is not None
    assert outcomes(run) == {name: ("refused", ONLY_LEGAL) for name in ("Alpha AG", "Beta AG", "Gamma AG")}
    assert set(statuses(partner_org).values()) == {"active"}


def test_a_renewal_run_asks_each_client_with_an_end(clients, partner_org, start, mail_on_commit):
    until = timezone.now() + timedelta(days=90)
    run = mail_on_commit(start, clients, action="renewal", until=until)
    run.refresh_from_db()
    assert run.until == until
    assert outcomes(run) == {
        "Alpha AG": ("done", ""),
        "Beta AG": ("refused", "This access has no end: there is nothing to renew."),
        "Gamma AG": ("done", ""),
    }
    asked = Partnership.objects.filter(renewal_until=until).values_list("client__name", flat=True)
    assert set(asked) == {"Alpha AG", "Gamma AG"}


def test_the_reasons_are_in_the_language_of_whoever_started_it(clients, partner_org, start):
    with translation.override("fr"):
        run = start(clients[1:2], action="renewal")
    services.bulk_run_process(run_id=run.pk)  # the worker runs in the default language
    reason = outcomes(run)["Beta AG"][1]
    with translation.override("fr"):
        assert reason == translation.gettext("This access has no end: there is nothing to renew.")
    assert reason != "This access has no end: there is nothing to renew."


def test_only_the_partners_legal_representative_can_start_one(
    client, clients, partner_org, partner_admin, acting
):
    with pytest.raises(PermissionDenied):
        services.bulk_run_start(
            access=acting(partner_admin, partner_org),
            action="stop",
            partnerships=clients,
            password=PASSWORD,
        )
    client.force_login(partner_admin)
    response = client.post(
        reverse("managed_clients_bulk", kwargs={"org_id": partner_org.pk}),
        {"action": "stop", "scope": "matching", "confirmed": "yes", "password": PASSWORD},
    )
    assert response.status_code == 403
    assert not BulkRun.objects.exists()


def test_a_stop_run_needs_the_password_and_the_partners_own_clients(
    clients, partner_org, partner_legal, acting, start
):
    access = acting(partner_legal, partner_org)
    with pytest.raises(ValidationError):
        services.bulk_run_start(access=access, action="stop", partnerships=clients, password="wrong")
    someone_elses = PartnershipFactory(client=OrganizationFactory(name="Delta AG"))
    with pytest.raises(PermissionDenied):
        start([*clients, someone_elses])
    assert not BulkRun.objects.exists()


def test_the_page_shows_the_progress_then_the_result_per_client(
    database_queue, client, clients, partner_org, partner_legal
):
    """Through the real queue: the page says how far the run got while its task waits, then the results."""
    client.force_login(partner_legal)
    response = client.post(
        reverse("managed_clients_bulk", kwargs={"org_id": partner_org.pk}),
        {
            "action": "stop",
            "scope": "selected",
            "clients": [str(row.client_id) for row in clients],
            "confirmed": "yes",
            "password": PASSWORD,
        },
    )
    run = BulkRun.objects.get()
    assert response.status_code == 302
    assert response.url == run_url(partner_org, run)
    waiting = client.get(response.url)
    assert "0 of 3 clients done" in waiting.text
    assert '<progress class="bulk-progress" max="3" value="0"' in waiting.text
    assert 'hx-trigger="every 2s"' in waiting.text
    assert waiting.text.count("Waiting") == 3
    assert set(statuses(partner_org).values()) == {"active"}

    # The refresh asks for the progress region alone, and the page's title.
    region = client.get(response.url, headers={"HX-Request": "true"})
    assert "0 of 3 clients done" in region.text
    assert region.text.startswith("<title>Stop Collaboration · Manager</title>")
    assert "<html" not in region.text

    run_queued_tasks()  # the run, then the emails it sent
    done = client.get(response.url)
    assert "Done for 3 of 3 clients" in done.text
    assert "<title>Result · Manager</title>" in done.text
    assert done.text.count("Collaboration stopped") == 3
    assert "hx-trigger" not in done.text
    assert set(statuses(partner_org).values()) == {"stopped"}


def test_the_partners_people_who_see_managed_clients_see_its_runs(
    client, clients, partner_org, partner_user, start
):
    run = start(clients)
    client.force_login(partner_user)
    response = client.get(run_url(partner_org, run))
    assert response.status_code == 200
    assert "Alpha AG" in response.text


def test_another_organizations_person_gets_404(client, clients, partner_org, start):
    run = start(clients)
    other_partner = OrganizationFactory(name="Jura Web Sàrl", is_referenced_partner=True)
    PartnerProfileFactory(organization=other_partner)
    stranger = member(other_partner, Role.LEGAL_REPRESENTATIVE, email="legal@jura.example")
    client.force_login(stranger)
    assert client.get(run_url(other_partner, run)).status_code == 404  # not a run of its organization
    assert client.get(run_url(partner_org, run)).status_code == 404  # not its organization
    # The client's people, who see the partnership from the other side and have no Reseller Area.
    client.force_login(member(clients[0].client, Role.LEGAL_REPRESENTATIVE, email="legal@alpha.example"))
    refused = client.get(run_url(clients[0].client, run))
    assert refused.status_code == 403
    assert "Beta AG" not in refused.text


def test_the_partners_accountant_does_not_see_its_runs(client, clients, partner_org, start):
    run = start(clients)
    client.force_login(member(partner_org, Role.ACCOUNTANT, email="books@leman.example"))
    response = client.get(run_url(partner_org, run))
    assert response.status_code == 403
    assert "Alpha AG" not in response.text


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_run_act_on_each_client_once(shared_database, settings, clients, start):
    settings.TASKS = DATABASE_QUEUE  # the run waits for its workers
    run = start(clients)

    def worker():
        return lambda: services.bulk_run_process(run_id=run.pk)

    outcomes_of_workers = run_together(worker, worker)
    assert all(isinstance(outcome, BulkRun) for outcome in outcomes_of_workers), outcomes_of_workers
    assert AuditEvent.objects.filter(action="partnership.stopped").count() == 3
    assert outcomes(run) == {name: ("done", "") for name in ("Alpha AG", "Beta AG", "Gamma AG")}


def test_the_api_tells_how_far_a_run_got(clients, partner_org, partner_user, start, mail_on_commit):
    run = start(clients)

    def api_url(org):
        return f"/api/v1/organizations/{org.pk}/managed-clients/bulk-runs/{run.pk}"

    url = api_url(partner_org)
    api = APIClient()
    api.force_login(partner_user)
    waiting = api.get(url).json()
    assert waiting["finished"] is False
    assert [(item["name"], item["outcome"]) for item in waiting["items"]] == [
        ("Alpha AG", "pending"),
        ("Beta AG", "pending"),
        ("Gamma AG", "pending"),
    ]
    clients[1].status = "stopped"
    clients[1].save(update_fields=["status"])
    mail_on_commit(services.bulk_run_process, run_id=run.pk)
    done = api.get(url).json()
    assert done["finished"] is True
    assert done["action"] == "stop"
    assert [(item["client_id"], item["outcome"], item["reason"]) for item in done["items"]] == [
        (clients[0].client_id, "done", ""),
        (clients[1].client_id, "refused", "Only an active partnership can be stopped."),
        (clients[2].client_id, "done", ""),
    ]
    other_partner = OrganizationFactory(name="Jura Web Sàrl", is_referenced_partner=True)
    PartnerProfileFactory(organization=other_partner)
    api.force_login(member(other_partner, Role.LEGAL_REPRESENTATIVE, email="legal@jura.example"))
    assert api.get(url).status_code == 404
    assert api.get(api_url(other_partner)).status_code == 404


def test_the_page_costs_the_same_queries_for_3_and_30_clients(
    client, partner_org, partner_user, start, django_assert_max_num_queries
):
    """The page is asked for every 2 seconds while a run goes on: its cost must not grow with the clients."""
    small = start([PartnershipFactory(partner=partner_org) for _ in range(3)])
    large = start([PartnershipFactory(partner=partner_org) for _ in range(30)])
    client.force_login(partner_user)
    client.get(run_url(partner_org, small))  # the session's first read
    with CaptureQueriesContext(connection) as for_3:
        client.get(run_url(partner_org, small), headers={"HX-Request": "true"})
    with django_assert_max_num_queries(len(for_3)):
        response = client.get(run_url(partner_org, large), headers={"HX-Request": "true"})
    assert "0 of 30 clients done" in response.text


def test_staff_read_a_run_and_its_clients_in_the_admin(client, clients, start):
    run = start(clients)
    services.bulk_run_process(run_id=run.pk)
    client.force_login(UserFactory(email="staff@manager.example", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:partners_bulkrun_change", args=[run.pk]))
    assert page.status_code == 200
    for name in ("Alpha AG", "Beta AG", "Gamma AG"):
        assert name in page.text
    assert 'name="_save"' not in page.text  # read-only
    assert client.get(reverse("admin:partners_bulkrun_changelist")).status_code == 200
