"""Security headers and cookie flags on real responses, with the values production runs with."""

import json

import pytest
from django.urls import reverse

from compliance.consent import CONSENT_COOKIE
from tests.console.test_settings import manage

# What `DEBUG=False` turns on (console/settings.py); the first test proves production really has these.
PRODUCTION_SECURITY = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "CSRF_COOKIE_SAMESITE": "Lax",
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "X_FRAME_OPTIONS": "DENY",
}


def test_production_settings_turn_on_every_protection():
    names = json.dumps(list(PRODUCTION_SECURITY))
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names}}}))"
    )
    result = manage("shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == PRODUCTION_SECURITY


@pytest.fixture
def production(settings):
    for name, value in PRODUCTION_SECURITY.items():
        setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


def https_get(client, path):
    return client.get(path, secure=True)


def test_every_page_sends_the_security_headers(client, production, db):
    response = https_get(client, reverse("login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]:
        assert directive in csp
    assert "script-src 'self'" in csp  # plus a nonce on a page that needs one
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_plain_http_is_sent_to_https(client, production, db):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_the_api_sends_them_too(client, production, legal_representative):
    client.force_login(legal_representative)
    response = https_get(client, reverse("api:me"))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_session_and_csrf_cookies_are_secure(client, production, legal_representative, password):
    page = https_get(client, reverse("login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    response = client.post(
        reverse("login"), {"username": legal_representative.email, "password": password}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_the_consent_cookie_is_secure_and_readable_by_the_banner_script(client, production, db):
    response = client.post(reverse("cookie_preferences"), {"choice": "necessary"}, secure=True)
    cookie = response.cookies[CONSENT_COOKIE]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["httponly"]  # it holds only the choice, which cookies.js reads


def test_pages_have_no_inline_script_or_style(client, legal_representative, organization):
    client.force_login(legal_representative)
    for name in ("dashboard", "data_protection", "activity_log"):
        html = client.get(reverse(name, kwargs={"org_id": organization.pk})).text
        assert "<script>" not in html
        assert " style=" not in html
    for name in ("privacy_policy", "cookie_preferences", "dpa_verify", "account_security"):
        html = client.get(reverse(name)).text
        assert "<script>" not in html
        assert " style=" not in html
