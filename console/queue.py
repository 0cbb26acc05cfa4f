"""The state of the background queue, as the admin, the health check and the metrics show it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from console.models import WorkerHeartbeat


@dataclass(frozen=True)
class QueueSummary:
    by_status: dict[str, int]
    waiting: int  # ready to run now
    deferred: int  # ready, to run later (an email tried again after a while)
    oldest_wait_seconds: int  # how long the oldest waiting task has waited (0 when none)
    workers_alive: int


def queue_summary(*, now: datetime | None = None) -> QueueSummary:
    now = now or timezone.now()
    by_status = {status: 0 for status in TaskResultStatus.values}
    for row in DBTaskResult.objects.values("status").annotate(count=Count("pk")).order_by():
        by_status[row["status"]] = row["count"]
    undeferred, deferred_due = Q(run_after=get_date_max()), Q(run_after__lte=now)
    figures = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(
        waiting=Count("pk", filter=undeferred | deferred_due),
        # A task waits from when it was enqueued, or from the time it was deferred to.
        enqueued=Min("enqueued_at", filter=undeferred),
        deferred=Min("run_after", filter=deferred_due),
    )
    oldest = min((day for day in (figures["enqueued"], figures["deferred"]) if day), default=None)
    silent_since = now - timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS)
    return QueueSummary(
        by_status=by_status,
        waiting=figures["waiting"],
        deferred=by_status[TaskResultStatus.READY] - figures["waiting"],
        oldest_wait_seconds=int((now - oldest).total_seconds()) if oldest else 0,
        workers_alive=WorkerHeartbeat.objects.filter(
            seen_at__gt=silent_since, stopped_at__isnull=True
        ).count(),
    )
