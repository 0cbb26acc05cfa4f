"""The health checks of /health/ (django-health-check) that the package does not provide: the task queue."""

import dataclasses

from django.conf import settings
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from console.queue import queue_summary


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The queue answers, and no task has waited longer than `QUEUE_MAX_WAIT_SECONDS` for a worker."""

    def run(self) -> None:
        summary = queue_summary()
        if summary.oldest_wait_seconds > settings.QUEUE_MAX_WAIT_SECONDS:
            raise ServiceUnavailable(
                f"{summary.waiting} task(s) waiting, the oldest for {summary.oldest_wait_seconds} s; "
                f"{summary.workers_alive} worker(s) alive"
            )
