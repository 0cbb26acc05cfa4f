"""Helpers for background tasks (`django.tasks`) that every app uses."""

from datetime import timedelta

from django.db import transaction
from django.tasks import Task, TaskResult
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(task: Task, *args, **kwargs) -> None:
    """Enqueue `task` so that it runs only if the current transaction commits, and always then.

    With the database queue (production, `make run`) the task is a row of the same database, written in the
    transaction itself: a rollback drops it, a commit keeps it even if the process dies the next instant.
    With another backend it is enqueued once the transaction has committed."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def enqueue_after(task: Task, delay: timedelta, *args, **kwargs) -> TaskResult:
    """Enqueue `task` to run once `delay` has passed, where the backend can wait (the database queue); at once
    where it cannot (the immediate backend of tests)."""
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + delay)
    return task.enqueue(*args, **kwargs)
