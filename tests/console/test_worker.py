"""The worker's housekeeping: the tasks of a lost worker are queued again (and fail after `TASK_MAX_ATTEMPTS`
losses), a live worker's are left alone; the periodic jobs are enqueued once per period whichever worker sees
them first, and running one twice at once does its work once."""

import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from billing.models import Order, OrderKind
from console.models import ScheduledRun, WorkerHeartbeat
from console.worker import beat, enqueue_due_jobs, period_start, requeue_lost_tasks, requeue_tasks_left_by
from tests.queue import claim_and_lose, run_queued_tasks

ran: list[str] = []


@task()
def record(word: str) -> None:
    ran.append(word)


@pytest.fixture(autouse=True)
def _nothing_ran():
    ran.clear()


def later(settings, seconds=1):
    return timezone.now() + timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS + seconds)


def test_a_task_of_a_lost_worker_is_queued_again_and_runs(database_queue, settings):
    record.enqueue("export")
    claim_and_lose(worker_id="killed")

    assert requeue_lost_tasks(now=later(settings)) == (1, 0)
    run_queued_tasks(worker_id="restarted")

    assert ran == ["export"]
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL"
    assert result.worker_ids == ["killed", "restarted"]


def test_the_task_of_a_live_worker_is_left_running(database_queue, settings):
    record.enqueue("export")
    claim_and_lose(worker_id="busy")
    beat("busy", now=later(settings))  # still beating when the others look

    assert requeue_lost_tasks(now=later(settings, seconds=2)) == (0, 0)
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_a_task_of_a_worker_without_heartbeat_is_left_alone(database_queue, settings):
    """A plain `db_worker` writes no heartbeat: nothing says it is gone, so its task is not run twice."""
    record.enqueue("export")
    DBTaskResult.objects.get().claim("db-worker")

    assert requeue_lost_tasks(now=later(settings, seconds=3600)) == (0, 0)


def test_a_worker_restarted_under_the_same_id_takes_back_what_it_left(database_queue):
    record.enqueue("export")
    claim_and_lose(worker_id="host-1")  # killed, then started again at once as host-1

    assert requeue_tasks_left_by("host-1") == 1
    beat("host-1")
    run_queued_tasks(worker_id="host-1")

    assert ran == ["export"]
    assert DBTaskResult.objects.get().worker_ids == ["host-1", "host-1"]


def test_a_task_just_claimed_is_not_taken_from_its_worker(database_queue):
    record.enqueue("export")
    claim_and_lose(worker_id="starting")

    assert requeue_lost_tasks() == (0, 0)


def test_a_task_whose_worker_is_lost_every_time_fails_after_the_last_attempt(database_queue, settings):
    settings.TASK_MAX_ATTEMPTS = 2
    record.enqueue("poison")
    claim_and_lose(worker_id="first")
    requeue_lost_tasks(now=later(settings))
    claim_and_lose(worker_id="second")

    assert requeue_lost_tasks(now=later(settings, seconds=2)) == (0, 1)
    result = DBTaskResult.objects.get()
    assert result.status == "FAILED"
    assert "stopped 2 times" in result.traceback
    assert result.task_result.errors[0].exception_class.__name__ == "WorkerLost"
    assert ran == []


def test_each_periodic_job_is_enqueued_once_per_period_whichever_worker_looks(database_queue, settings):
    settings.PERIODIC_TASKS = {
        "hourly": (f"{__name__}.record", 3600),
        "daily": (f"{__name__}.record", 24 * 3600),
    }
    noon = datetime(2026, 12, 3, 12, 0, 5, tzinfo=UTC)

    assert enqueue_due_jobs(worker_id="a", now=noon) == ["hourly", "daily"]
    assert enqueue_due_jobs(worker_id="b", now=noon + timedelta(minutes=30)) == []
    assert enqueue_due_jobs(worker_id="b", now=noon + timedelta(hours=1)) == ["hourly"]

    assert DBTaskResult.objects.count() == 3
    assert set(ScheduledRun.objects.values_list("job", "period_start", "worker_id")) == {
        ("hourly", datetime(2026, 12, 3, 12, tzinfo=UTC), "a"),
        ("daily", datetime(2026, 12, 3, tzinfo=UTC), "a"),
        ("hourly", datetime(2026, 12, 3, 13, tzinfo=UTC), "b"),
    }


def test_a_period_starts_on_its_boundary():
    assert period_start(datetime(2026, 12, 3, 12, 59, 59, tzinfo=UTC), 3600) == datetime(
        2026, 12, 3, 12, tzinfo=UTC
    )
    assert period_start(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), 86400) == datetime(2026, 12, 3, tzinfo=UTC)


def test_the_default_schedule_names_real_tasks(settings):
    from django.tasks import Task
    from django.utils.module_loading import import_string

    for task_path, every_seconds in settings.PERIODIC_TASKS.values():
        assert isinstance(import_string(task_path), Task)
        assert every_seconds >= 60


def test_a_worker_that_stops_cleanly_says_so(transactional_db, database_queue, settings):
    record.enqueue("mail")
    handlers = {
        number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        call_command("run_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    finally:
        for number, handler in handlers.items():  # the worker installs its own
            signal.signal(number, handler)

    assert ran == ["mail"]
    assert WorkerHeartbeat.objects.get().stopped_at is not None  # not counted as alive, nor as lost mid-task
    assert ScheduledRun.objects.count() == len(settings.PERIODIC_TASKS)  # it enqueued (and ran) those due


# Two runs of a periodic job at once: one of them does each piece of work.


def race(shared_work, runs=2):
    barrier = threading.Barrier(runs)
    outcomes, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            outcomes.append(shared_work())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return outcomes


def test_two_renewal_runs_at_once_renew_each_product_once(shared_database, catalog, client_org, client_legal):
    from billing import services
    from organizations.access import resolve_access
    from organizations.models import Product, ProductType

    access = resolve_access(client_legal, client_org)
    for name in ("a.example", "b.example", "c.example"):
        services.product_order(
            access=access, product_type=ProductType.objects.get(slug="web-hosting"), name=name
        )
    Product.objects.update(expires_at=timezone.now() + timedelta(hours=2))

    outcomes = race(services.renewals_run)

    assert sum(outcomes) == 3
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 3
    for product in Product.objects.all():
        assert product.orders.filter(kind=OrderKind.RENEWAL).count() == 1


def test_two_schedulers_at_once_enqueue_a_job_once(shared_database, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PERIODIC_TASKS = {"hourly": (f"{__name__}.record", 3600)}
    now = timezone.now()

    outcomes = race(lambda: enqueue_due_jobs(now=now))

    assert sorted(outcomes) == [[], ["hourly"]]
    assert DBTaskResult.objects.count() == 1


def test_two_cleanups_at_once_delete_each_expired_export_once(
    shared_database, settings, tmp_path, partner_legal
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from billing.models import BillingExportJob, ExportStatus
    from billing.services import billing_exports_delete_expired

    settings.MEDIA_ROOT = tmp_path
    for number in range(4):
        name = default_storage.save(f"billing-exports/export-{number}.csv", ContentFile(b"a,b\r\n"))
        BillingExportJob.objects.create(
            organization=partner_legal.memberships.get().organization,
            requested_by=partner_legal,
            history="orders",
            date_from=timezone.localdate(),
            date_to=timezone.localdate(),
            client_ids=[],
            status=ExportStatus.READY,
            file=name,
            filename="orders.csv",
            expires_at=timezone.now() - timedelta(minutes=1),
        )

    outcomes = race(billing_exports_delete_expired)

    assert sum(outcomes) == 4
    assert set(BillingExportJob.objects.values_list("status", flat=True)) == {ExportStatus.EXPIRED}
    assert default_storage.listdir("billing-exports")[1] == []


def test_old_task_results_are_pruned_and_recent_ones_kept(database_queue):
    from console.tasks import prune_queue_records

    for _ in range(3):
        record.enqueue("mail")
    run_queued_tasks()
    old, failed_recently, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=15))
    DBTaskResult.objects.filter(pk=failed_recently.pk).update(
        status="FAILED", finished_at=timezone.now() - timedelta(days=15)
    )
    waiting = record.enqueue("waiting")  # not finished: never pruned
    beat("gone", now=timezone.now() - timedelta(days=2))
    beat("alive")

    assert prune_queue_records.call() == 1

    kept = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert kept == {str(failed_recently.pk), str(recent.pk), waiting.id}
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
