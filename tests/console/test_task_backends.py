"""The default task backend runs a task in a thread: the caller gets its answer before the task is done."""

import threading

from django.tasks import task, task_backends
from django.tasks.base import TaskResultStatus
from django.test import override_settings

release = threading.Event()
finished = threading.Event()
seen: list[str] = []


@task
def slow_task(word: str) -> None:
    release.wait(timeout=10)
    seen.append(word)
    finished.set()


@task
def failing_task() -> None:
    finished.set()
    raise ValueError("The file could not be written.")


THREADS = {"default": {"BACKEND": "console.task_backends.ThreadBackend", "OPTIONS": {"workers": 1}}}


@override_settings(TASKS=THREADS)
def test_enqueue_returns_before_the_task_has_run_and_the_task_runs_after():
    release.clear()
    finished.clear()
    seen.clear()
    result = slow_task.enqueue("export")
    assert seen == []  # the request is not kept waiting
    assert result.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING)
    release.set()
    assert finished.wait(timeout=10)
    assert seen == ["export"]
    task_backends["default"].executor.shutdown(wait=True)
    assert result.status == TaskResultStatus.SUCCESSFUL


@override_settings(TASKS=THREADS)
def test_a_failing_task_is_recorded_as_failed_without_reaching_the_caller():
    finished.clear()
    result = failing_task.enqueue()
    assert finished.wait(timeout=10)
    task_backends["default"].executor.shutdown(wait=True)
    assert result.status == TaskResultStatus.FAILED
    assert "The file could not be written." in result.errors[0].traceback
