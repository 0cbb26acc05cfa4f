"""What operators plug in: /health/ checks the database, both caches, the file storage and the queue;
/metrics counts requests and tasks for Prometheus, from the allowed addresses only; the admin shows the
depth of the queue; and the production settings share every cache and rate limit between processes."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from console.worker import beat
from tests.queue import run_queued_tasks


@task()
def noop() -> None:
    pass


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the storage check writes and deletes a file


def health(client):
    """The checks run in threads of their own, so these tests commit what the checks should see."""
    return client.get("/health/", HTTP_ACCEPT="application/json")


def test_health_reports_every_service_ok(client, transactional_db, database_queue):
    response = health(client)

    assert response.status_code == 200
    report = response.json()
    assert set(report.values()) == {"OK"}
    assert {
        "Database(alias='default')",
        "Cache(alias='default')",
        "Cache(alias='limits')",
        "TaskQueue()",
    } <= set(report)
    assert any(name.startswith("Storage") for name in report)
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_fails_when_tasks_wait_too_long_for_a_worker(
    client, transactional_db, database_queue, settings
):
    noop.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))

    response = health(client)

    assert response.status_code == 500
    assert "1 task(s) waiting, the oldest for 6" in response.json()["TaskQueue()"]
    assert "0 worker(s) alive" in response.json()["TaskQueue()"]


def test_a_task_deferred_to_later_is_not_a_stalled_queue(client, transactional_db, database_queue):
    noop.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))

    assert health(client).status_code == 200


def test_metrics_count_requests_and_tasks(client, db, database_queue):
    noop.enqueue()
    noop.enqueue()
    run_queued_tasks()
    noop.enqueue()
    beat("worker-1")
    client.get("/healthz")

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'manager_http_requests_total{method="GET",status="200"}' in text
    assert f'manager_task_results{{status="successful",task="{__name__}.noop"}} 2.0' in text
    assert f'manager_task_results{{status="ready",task="{__name__}.noop"}} 1.0' in text
    assert "manager_tasks_waiting 1.0" in text
    assert "manager_workers_alive 1.0" in text


def test_metrics_are_not_served_to_other_addresses(client, db):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_the_admin_shows_the_depth_of_the_queue(client, db, database_queue, admin_user):
    noop.enqueue()
    noop.enqueue()
    noop.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    beat("worker-1")
    client.force_login(admin_user)

    page = client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()

    assert "Queue: 2 waiting, 1 deferred, 0 running, 0 failed." in page
    assert "The oldest has waited " in page
    assert "1 worker alive." in page
    assert client.get("/admin/console/workerheartbeat/").status_code == 200
    assert client.get("/admin/console/scheduledrun/").status_code == 200


# The production settings, read by a fresh interpreter as an app server reads them.


def production_settings(**environment) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); print(json.dumps("
        "{'caches': settings.CACHES, 'tasks': settings.TASKS, 'sessions': settings.SESSION_ENGINE}))"
    )
    env = {key: value for key, value in os.environ.items() if key not in ("CACHE_URL", "LIMITS_CACHE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="console.settings", **environment)
    output = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(output.splitlines()[-1])


def test_without_redis_caches_rate_limits_and_the_queue_are_tables_of_the_database():
    configured = production_settings()

    assert configured["caches"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert configured["caches"]["limits"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert configured["caches"]["default"]["LOCATION"] != configured["caches"]["limits"]["LOCATION"]
    assert configured["caches"]["limits"]["OPTIONS"]["MAX_ENTRIES"] == 1_000_000  # never culled early
    assert configured["tasks"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert configured["sessions"] == "django.contrib.sessions.backends.db"


def test_with_redis_the_caches_and_rate_limits_share_it_under_their_own_prefixes():
    configured = production_settings(CACHE_URL="redis://127.0.0.1:6379/3")

    for alias in ("default", "limits"):
        assert configured["caches"][alias]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert configured["caches"][alias]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert configured["caches"]["limits"]["KEY_PREFIX"] == "limits"
