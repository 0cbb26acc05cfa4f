"""Several app servers on real engines: two gunicorn app servers and a worker against one PostgreSQL database
and one Redis, all on 127.0.0.1, as production runs them behind a load balancer (README, Production).

One test, in steps, each against both servers: a session signed in on one continues on the other; failed
sign-ins count across both; emails caused on both are sent once each by the worker; an export asked on one
is prepared by the worker, which is killed mid-file and restarted, and the file is downloaded from the other,
whole and once. Health and metrics answer on both.

It creates its own PostgreSQL database (on the server of `DATABASE_URL` when that is PostgreSQL, else
`MULTISERVER_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432) and uses the Redis of `REDIS_URL`
(default redis://127.0.0.1:6379/0) under a key prefix of its own; it skips only when Redis is missing.
"""

import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests

from tests.factories import PASSWORD

pytestmark = pytest.mark.multiserver

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CLIENTS = 3
ORDERS_PER_CLIENT = 8

SEED = """
import json
from decimal import Decimal
from billing import services as billing
from organizations.access import resolve_access
from organizations.models import ProductType, Role
from tests.factories import OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member
from tokens import scopes, services as tokens

partner = OrganizationFactory(name="Two Servers SA", country="CH", is_referenced_partner=True)
PartnerProfileFactory(organization=partner, public_name="Two Servers", contact_email="hello@two.example")
legal = member(partner, Role.LEGAL_REPRESENTATIVE, email="legal@two.example")  # signs in with PASSWORD
hosting = ProductType.objects.get(slug="web-hosting")
for number in range(%(clients)d):
    client = OrganizationFactory(name=f"Client {number}", country="CH")
    member(client, Role.LEGAL_REPRESENTATIVE, email=f"owner{number}@client.example")
    PartnershipFactory(client=client, partner=partner, access="full", payment_method="partner")
    access = resolve_access(legal, client)
    for order in range(%(orders)d):
        billing.product_order(access=access, product_type=hosting, name=f"site{order}.client{number}.example")
_, token = tokens.token_create(
    user=legal, name="Scripts", application=scopes.MANAGER_API,
    scopes=scopes.all_scopes(scopes.MANAGER_API), password_confirmed=True,
)
print(json.dumps({"partner": partner.pk, "token": token}))
"""


def _postgres_server_url() -> str:
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        return database_url
    return os.environ.get("MULTISERVER_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(condition, *, seconds: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outcome = condition()
        if outcome:
            return outcome
        time.sleep(every)
    raise AssertionError(f"Not within {seconds} s: {what}")


class Deployment:
    """The processes of one deployment: app servers and workers, each stopped on exit."""

    def __init__(self, environment: dict[str, str], logs: Path):
        self.environment = environment
        self.logs = logs
        self.processes: list[subprocess.Popen] = []

    def manage(self, *arguments: str, timeout: int = 300) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"manage.py {arguments[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def app_servers(self, *names: str) -> list[str]:
        """gunicorn app servers on free ports of 127.0.0.1, started together; their URLs once they answer."""
        started = []
        for name in names:
            port = _free_port()
            command = [
                "-m",
                "gunicorn",
                "console.wsgi:application",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
            ]
            started.append((name, self.start(name, command), f"http://127.0.0.1:{port}"))
        for name, process, url in started:

            def answers(name=name, process=process, url=url):
                assert process.poll() is None, f"{name} exited:\n{self.log(name)}"
                try:
                    return requests.get(f"{url}/healthz", timeout=5).status_code == 200
                except requests.RequestException:  # bound, not yet answering
                    return False

            _wait_until(answers, seconds=60, what=f"{name} answers")
        return [url for _, _, url in started]

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(
            name,
            [
                "manage.py",
                "run_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
                "--worker-id",
                name,
            ],
        )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"The multi-server test needs Redis, which is not reachable at {REDIS_URL} ({error}).")
    return REDIS_URL


@pytest.fixture
def postgres_database():
    """A database of its own on the PostgreSQL server, dropped afterwards."""
    server = _postgres_server_url()
    name = f"manager_multiserver_{uuid.uuid4().hex[:10]}"
    admin_url = _with_database(server, "postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(server, name)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deployment(redis_url, postgres_database, tmp_path):
    prefix = f"multiserver-{uuid.uuid4().hex[:8]}:"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TASKS_BACKEND", "LIMITS_CACHE_URL", "EMAIL_URL", "PROMETHEUS_MULTIPROC_DIR")
    }
    environment.update(
        DATABASE_URL=postgres_database,
        CACHE_URL=redis_url,
        CACHE_KEY_PREFIX=prefix,
        MEDIA_ROOT=str(tmp_path / "shared-storage"),  # the folder every server mounts
        ALLOWED_HOSTS="127.0.0.1",
        CONN_MAX_AGE="0",
        WORKER_HEARTBEAT_SECONDS="1",
        WORKER_LOST_AFTER_SECONDS="3",
        SIGN_IN_RATE_ACCOUNT_IP="5/15m",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="tests.deployment.settings",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Deployment(environment, logs)
    running.database_url = postgres_database
    running.media_root = Path(environment["MEDIA_ROOT"])
    try:
        yield running
    finally:
        running.stop()
        for log in sorted(logs.iterdir()):  # shown by pytest when the test failed
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")
        store = redis.Redis.from_url(redis_url)
        for key in store.scan_iter(match=f"*{prefix}*"):
            store.delete(key)


class Browser:
    """A person's browser: the cookies it was given, sent to whichever server it talks to (the cookies are
    `Secure`, which `requests` would keep from plain HTTP; a load balancer terminates TLS in production)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **kwargs.pop("headers", {}),
        }
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=30, **kwargs)
        for header in response.raw.headers.getlist("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if value.strip('"'):
                self.cookies[name.strip()] = value
            else:  # deleted
                self.cookies.pop(name.strip(), None)
        return response

    def sign_in(self, server: str, email: str, password: str) -> requests.Response:
        page = self.request("GET", f"{server}/accounts/login/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, f"no sign-in form at {server} ({page.status_code}): {page.text[:300]}"
        token = found.group(1)
        return self.request(
            "POST",
            f"{server}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": email, "password": password},
        )


def test_two_app_servers_and_a_worker_share_sessions_limits_emails_and_exports(deployment):
    deployment.manage("migrate", "--noinput", "-v0")
    seeded = json.loads(
        deployment.manage(
            "shell",
            "-c",
            SEED % {"clients": CLIENTS, "orders": ORDERS_PER_CLIENT},
        )
        .strip()
        .splitlines()[-1]
    )
    one, two = deployment.app_servers("app-one", "app-two")
    database = psycopg.connect(deployment.database_url, autocommit=True)
    api = {"Authorization": f"Bearer {seeded['token']}"}
    partner = seeded["partner"]

    # A session opened on one server continues on the other.
    browser = Browser()
    assert browser.sign_in(one, "legal@two.example", PASSWORD).status_code == 302
    on_two = browser.request("GET", f"{two}/accounts/security/")
    assert on_two.status_code == 200, "the second server does not know the session signed in on the first"
    assert "legal@two.example" in on_two.text

    # Failed sign-ins count across both servers: 5 allowed per account and address, then refused anywhere.
    intruder = Browser()
    answers = [
        intruder.sign_in(server, "legal@two.example", "wrong password").status_code
        for server in (one, two, one, two, one)
    ]
    assert answers == [200] * 5
    assert intruder.sign_in(two, "legal@two.example", "wrong password").status_code == 429
    assert intruder.sign_in(one, "legal@two.example", PASSWORD).status_code == 429  # the account, not a guess

    # Emails caused on both servers wait in the queue for the worker (none is running yet).
    expected_emails = [f"new{number}@two.example" for number in range(6)]
    for number, email in enumerate(expected_emails):
        server = (one, two)[number % 2]
        added = requests.post(
            f"{server}/api/v1/organizations/{partner}/members",
            json={"email": email, "role": "user"},
            headers=api,
            timeout=30,
        )
        assert added.status_code == 201, added.text

    # An export asked on one server; the worker starts on it, and is killed in the middle of the file.
    asked = requests.post(
        f"{one}/api/v1/organizations/{partner}/managed-clients/exports",
        json={"history": "orders", "period": "this_month"},
        headers=api,
        timeout=30,
    )
    assert asked.status_code == 202, asked.text
    job_url = f"{two}{asked.headers['Location']}"  # followed on the other server
    expected_rows = CLIENTS * ORDERS_PER_CLIENT
    assert asked.json()["row_count"] == expected_rows

    def job():
        return requests.get(job_url, headers=api, timeout=30).json()

    with database.transaction():
        # Reading the orders waits on this lock: the export is held mid-way, after the worker claimed it.
        database.execute("LOCK TABLE billing_order IN ACCESS EXCLUSIVE MODE")
        first_worker = deployment.worker("worker-one")
        _wait_until(lambda: job()["status"] == "running", seconds=60, what="the worker starts the export")
        first_worker.send_signal(signal.SIGKILL)
        first_worker.wait(timeout=10)
    assert job()["status"] == "running"  # its worker is gone; nobody has said so yet

    deployment.worker("worker-two")
    finished = _wait_until(
        lambda: (state := job())["status"] in ("ready", "failed") and state,
        seconds=60,
        what="the export finishes after the worker's restart",
    )
    assert finished["status"] == "ready", finished
    assert finished["attempts"] == 2  # the lost attempt, then the one that finished
    assert (finished["rows_written"], finished["percent"]) == (expected_rows, 100)

    # Downloaded from the server that did not ask for it: the file the worker wrote in the shared storage.
    download = requests.get(f"{two}{asked.headers['Location']}/file", headers=api, timeout=30)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8"))))
    assert len(rows) == 1 + expected_rows
    assert len({tuple(row) for row in rows[1:]}) == expected_rows  # no row twice
    assert sorted(path.name for path in (deployment.media_root / "billing-exports").iterdir()) == [
        f"export-{finished['id']}.csv"
    ]

    # Every email sent, once; no task lost or failed.
    def sent():
        rows = database.execute("SELECT recipients FROM console_mailboxmessage").fetchall()
        return [address for (recipients,) in rows for address in recipients.strip(",").split(",")]

    _wait_until(lambda: len(sent()) >= len(expected_emails), seconds=30, what="the worker sends the emails")
    time.sleep(1)  # a duplicate would arrive now
    assert sorted(sent()) == sorted(expected_emails)
    statuses = dict(
        database.execute("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status")
    )
    assert set(statuses) <= {"SUCCESSFUL", "READY", "RUNNING"}, statuses
    resumed = database.execute(
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE jsonb_array_length(worker_ids) > 1"
    ).fetchone()[0]
    assert resumed == 1  # the export, taken over by the second worker

    # Operations: both servers report healthy (database, Redis, storage, queue) and count for Prometheus.
    for server in (one, two):
        health = requests.get(f"{server}/health/", headers={"Accept": "application/json"}, timeout=30)
        assert health.status_code == 200, health.text
    metrics = requests.get(f"{one}/metrics", timeout=30).text
    assert 'manager_task_results{status="successful",task="core.notifications.send_email"} 6.0' in metrics
    assert "manager_workers_alive 1.0" in metrics

    print(
        f"\nmulti-server: emails sent {len(sent())} of {len(expected_emails)} expected, "
        f"jobs resumed {resumed}, export rows {finished['rows_written']} of {expected_rows}, duplicates 0"
    )
    database.close()
