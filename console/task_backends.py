"""A `django.tasks` backend that runs each task in a thread of the web process, for the browser tests.

The console's queue is the database (django-tasks-db) with worker processes: a thread dies with its process,
and the task with it. The browser tests' live server, though, has no worker beside it, and the immediate
backend would keep the Export click waiting until the file is written, its progress bar never moving. This
backend hands the task to a small thread pool and returns at once.
"""

from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections
from django.tasks.backends.immediate import ImmediateBackend


class ThreadBackend(ImmediateBackend):
    supports_async_task = True

    def __init__(self, alias, params):
        super().__init__(alias, params)
        workers = params.get("OPTIONS", {}).get("workers", 2)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"tasks-{alias}")

    def _execute_task(self, task_result):
        # The result is returned READY; the thread moves it through RUNNING to its outcome.
        self.executor.submit(self._run_in_thread, task_result)

    def _run_in_thread(self, task_result):
        close_old_connections()
        try:
            super()._execute_task(task_result)
        finally:
            # The thread's own database connections, so that none is left open between tasks.
            connections.close_all()
