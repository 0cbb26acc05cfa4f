"""Production settings fail loudly on bad configuration and pass Django's deployment checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.environment import TEST_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "manager.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "SITE_URL": "https://manager.example.com",
}


def manage(*args, **overrides):
    # Neither the test run's own environment nor DJANGO_ALLOW_ASYNC_UNSAFE (set for the browser tests) may
    # leak into a production check.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {*PRODUCTION, *TEST_ENVIRONMENT, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({key: value for key, value in {**PRODUCTION, **overrides}.items() if value is not None})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_the_suite_runs_on_the_production_settings_path():
    """tests/environment.py sets DEBUG=false before the settings load: what DEBUG turns on is on here too."""
    assert settings.SESSION_COOKIE_SECURE
    assert settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS == 31_536_000
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert not settings.DEMO_MODE


def test_deployment_checks_pass_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("site_url", [None, "http://manager.example.com", "https://localhost:8000"])
def test_deployment_checks_want_the_public_site_url(site_url):
    """The DPA certificate prints its verification address from SITE_URL: never a local one in production."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", SITE_URL=site_url)
    assert result.returncode != 0
    assert "compliance.W001" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list"),
    ],
)
def test_production_refuses_weak_configuration(overrides, message):
    result = manage("check", **overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_port_of_make_run_reaches_the_links_in_emails():
    """`PORT=8001 make run` serves on 8001, and the links in emails point there unless SITE_URL says
    otherwise."""
    shown = "from django.conf import settings; print(settings.SITE_URL)"
    assert "http://127.0.0.1:8001" in manage("shell", "-v0", "-c", shown, PORT="8001", SITE_URL=None).stdout
    assert "http://127.0.0.1:8000" in manage("shell", "-v0", "-c", shown, SITE_URL=None).stdout
    named = manage("shell", "-v0", "-c", shown, PORT="8001", SITE_URL="https://manager.example.com")
    assert "https://manager.example.com" in named.stdout

    planned = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "export PORT=8001;" in planned
    assert "runserver 127.0.0.1:8001" in planned
