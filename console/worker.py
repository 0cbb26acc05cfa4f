"""The background worker: django-tasks-db's, plus what keeps the queue whole when a worker dies, and the
periodic jobs.

A worker writes its heartbeat (`WorkerHeartbeat`) every `WORKER_HEARTBEAT_SECONDS` from a thread of its own,
and on each beat:
- queues again every task still "running" on a worker silent for `WORKER_LOST_AFTER_SECONDS` (killed, or its
  machine lost); a task lost `TASK_MAX_ATTEMPTS` times fails. A task that is run again this way starts from
  its beginning, so each task is written to be run again (the billing export, the emails);
- enqueues the periodic jobs (`PERIODIC_TASKS`) due in the current period, each once: a unique row per job and
  period decides which of several workers does it, and the jobs themselves are safe to run twice at once.

A worker started again under the same `--worker-id` first takes back the tasks its killed predecessor left.
"""

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from console.models import ScheduledRun, WorkerHeartbeat

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running a task stopped (killed, or its machine lost) too many times."""


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Record that the worker is alive."""
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(seen_at=now, stopped_at=None):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, hostname=socket.gethostname(), pid=os.getpid(), started_at=now, seen_at=now
        )


def requeue_lost_tasks(*, now: datetime | None = None) -> tuple[int, int]:
    """Queue again each task whose worker is lost, or fail it once it was lost `TASK_MAX_ATTEMPTS` times; the
    numbers of tasks queued again and failed. Of several workers doing it at once, one changes each task."""
    now = now or timezone.now()
    silent_since = now - timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS)
    silent = set(
        WorkerHeartbeat.objects.filter(
            Q(seen_at__lte=silent_since) | Q(stopped_at__isnull=False)
        ).values_list("worker_id", flat=True)
    )
    requeued = failed = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=silent_since):
        # Only a worker known to have stopped beating is lost: one without a heartbeat at all (a plain
        # `db_worker`) may still be running the task.
        if not result.worker_ids or result.worker_ids[-1] not in silent:
            continue
        same_run = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        )
        attempts = len(result.worker_ids)
        if attempts >= settings.TASK_MAX_ATTEMPTS:
            if same_run.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{__name__}.WorkerLost",
                traceback=f"WorkerLost: the worker running this task stopped {attempts} times.",
            ):
                logger.error(
                    "Task %s (%s) failed: its worker was lost %s times", result.pk, result.task_path, attempts
                )
                failed += 1
        elif same_run.update(status=TaskResultStatus.READY):
            logger.warning("Task %s (%s) queued again: its worker was lost", result.pk, result.task_path)
            requeued += 1
    return requeued, failed


def requeue_tasks_left_by(worker_id: str) -> int:
    """At a worker's start: queue again the tasks a former process under the same id (`--worker-id`) left
    running when it was killed; this process has claimed none yet."""
    left = [
        result.pk
        for result in DBTaskResult.objects.running().only("pk", "worker_ids")
        if result.worker_ids and result.worker_ids[-1] == worker_id
    ]
    return DBTaskResult.objects.filter(pk__in=left, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY
    )


def period_start(now: datetime, every_seconds: int) -> datetime:
    """The start of the period of `every_seconds` that `now` falls in (periods counted from the epoch)."""
    return datetime.fromtimestamp(int(now.timestamp()) // every_seconds * every_seconds, tz=UTC)


def enqueue_due_jobs(*, worker_id: str = "", now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job not yet enqueued in its current period; the names of those enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job, (task_path, every_seconds) in settings.PERIODIC_TASKS.items():
        start = period_start(now, every_seconds)
        if ScheduledRun.objects.filter(job=job, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job, period_start=start, worker_id=worker_id, enqueued_at=now)
                import_string(task_path).enqueue()
        except IntegrityError:
            continue  # another worker enqueued it first
        enqueued.append(job)
    return enqueued


class Housekeeper(threading.Thread):
    """The worker's heartbeat, lost tasks and periodic jobs, beside the thread that runs tasks."""

    def __init__(self, worker_id: str):
        super().__init__(name="worker-housekeeping", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS):
            self.tick()
        connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 5)

    def tick(self) -> None:
        try:
            close_old_connections()
            beat(self.worker_id)
            requeue_lost_tasks()
            enqueue_due_jobs(worker_id=self.worker_id)
        except Exception:
            logger.exception("Worker housekeeping failed; it runs again at the next beat")


class ConsoleWorker(Worker):
    """django-tasks-db's worker with a heartbeat, which brings back the tasks of lost workers and enqueues the
    periodic jobs."""

    def run(self) -> None:
        requeue_tasks_left_by(self.worker_id)
        housekeeper = Housekeeper(self.worker_id)
        housekeeper.tick()  # alive before the first task is claimed
        housekeeper.start()
        try:
            super().run()
        finally:
            housekeeper.stop()
            # Kept, marked: a task it was forced to leave (a second Ctrl-C) is queued again by the others.
            WorkerHeartbeat.objects.filter(pk=self.worker_id).update(stopped_at=timezone.now())
