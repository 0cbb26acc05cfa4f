"""The real queue (django-tasks-db) in tests of delivery: tasks wait in the database until a worker runs them.

Most tests run tasks at once (the immediate backend, tests/conftest.py); these run them as a worker does, in
the test's own transaction: claim the task, run it, record its outcome.
"""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queued_tasks(*, worker_id: str = "test-worker") -> int:
    """Run every task that is due now, oldest first, as the worker `worker_id`; how many ran."""
    worker = Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def claim_and_lose(*, worker_id: str = "lost-worker") -> DBTaskResult:
    """A worker (with its heartbeat, as `run_worker` has) claims the next due task and dies before finishing
    it: the task stays "running"."""
    from console.worker import beat

    beat(worker_id)
    result = DBTaskResult.objects.ready().first()
    result.claim(worker_id)
    return result
