"""Background work of the console itself: keeping the queue's own records short."""

from datetime import timedelta

from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from console.models import ScheduledRun, WorkerHeartbeat

SUCCESSFUL_KEPT = timedelta(days=14)
FAILED_KEPT = timedelta(days=90)  # long enough to look into
WORKERS_FORGOTTEN_AFTER = timedelta(days=1)
SCHEDULED_RUNS_KEPT = timedelta(days=30)


@task()
def prune_queue_records() -> int:
    """Delete the results of tasks finished long ago, the heartbeats of workers gone and old scheduled runs;
    how many task results were deleted."""
    now = timezone.now()
    deleted, _ = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - SUCCESSFUL_KEPT)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - FAILED_KEPT)
    ).delete()
    WorkerHeartbeat.objects.filter(seen_at__lt=now - WORKERS_FORGOTTEN_AFTER).delete()
    ScheduledRun.objects.filter(period_start__lt=now - SCHEDULED_RUNS_KEPT).delete()
    return deleted
