"""Prometheus metrics at /metrics, for the addresses in `METRICS_ALLOWED_IPS`.

- requests: counted by the app server process that answered them, by method and status (with several
  gunicorn processes, set `PROMETHEUS_MULTIPROC_DIR` to a folder they share, emptied at each start);
- tasks and the queue: read from the database at each scrape, so they count the work of every worker,
  whichever app server is scraped: task results by task and status, tasks waiting, the oldest wait,
  workers alive.
"""

import os
import time

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from console.queue import queue_summary

REQUESTS = Counter(
    "manager_http_requests", "HTTP requests answered, by method and status.", ["method", "status"]
)
REQUEST_SECONDS = Histogram(
    "manager_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestMetricsMiddleware:
    """Counts every request and its time, outermost so that redirects and refusals count too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_SECONDS.observe(time.perf_counter() - started)
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(method=method, status=str(response.status_code)).inc()
        return response


class QueueCollector:
    """The task queue as the database holds it, collected at each scrape."""

    def collect(self):
        results = GaugeMetricFamily(
            "manager_task_results",
            "Task results in the queue, by task and status.",
            labels=["task", "status"],
        )
        rows = DBTaskResult.objects.values("task_path", "status").annotate(count=Count("pk")).order_by()
        for row in rows:
            results.add_metric([row["task_path"], row["status"].lower()], row["count"])
        yield results
        summary = queue_summary()
        yield GaugeMetricFamily("manager_tasks_waiting", "Tasks ready to run now.", value=summary.waiting)
        yield GaugeMetricFamily(
            "manager_tasks_oldest_wait_seconds",
            "How long the oldest waiting task has waited.",
            value=summary.oldest_wait_seconds,
        )
        yield GaugeMetricFamily(
            "manager_workers_alive", "Workers with a recent heartbeat.", value=summary.workers_alive
        )


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every gunicorn process's request counts
    else:
        registry.register(REQUESTS)
        registry.register(REQUEST_SECONDS)
    registry.register(QueueCollector())
    return registry


@require_GET
def metrics(request):
    if request.META.get("REMOTE_ADDR") not in settings.METRICS_ALLOWED_IPS:
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
