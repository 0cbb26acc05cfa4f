"""The OpenAPI schema, and the Swagger UI page running under the site's Content Security Policy."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command


@pytest.fixture
def client(client_of):
    return client_of(None)


def test_the_schema_describes_every_endpoint(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        "/api/v1/me",
        "/api/v1/me/two-factor",
        "/api/v1/me/sign-out-everywhere",
        "/api/v1/me/password-compromised",
        "/api/v1/catalog",
        "/api/v1/vat/check",
        "/api/v1/organizations",
        "/api/v1/organizations/{org_id}",
        "/api/v1/organizations/{org_id}/members",
        "/api/v1/organizations/{org_id}/members/{id}",
        "/api/v1/organizations/{org_id}/billing-addresses",
        "/api/v1/organizations/{org_id}/billing-addresses/{id}",
        "/api/v1/organizations/{org_id}/products",
        "/api/v1/organizations/{org_id}/products/{id}",
        "/api/v1/partners",
        "/api/v1/organizations/{org_id}/partnerships",
        "/api/v1/organizations/{org_id}/partnerships/{id}",
        "/api/v1/organizations/{org_id}/partnerships/{id}/accept",
        "/api/v1/organizations/{org_id}/partnerships/{id}/refuse",
        "/api/v1/organizations/{org_id}/partnerships/{id}/resend",
        "/api/v1/organizations/{org_id}/partnerships/{id}/stop",
        "/api/v1/organizations/{org_id}/partnerships/{id}/end-of-access",
        "/api/v1/organizations/{org_id}/partnerships/{id}/renewal/accept",
        "/api/v1/organizations/{org_id}/partnerships/{id}/renewal/refuse",
        "/api/v1/organizations/{org_id}/partnerships/{id}/transfer-code",
        "/api/v1/organizations/{org_id}/partnerships/{id}/timeline",
        "/api/v1/organizations/{org_id}/invitations",
        "/api/v1/organizations/{org_id}/invitations/{id}/accept",
        "/api/v1/organizations/{org_id}/invitations/{id}/refuse",
        "/api/v1/organizations/{org_id}/client-requests",
        "/api/v1/organizations/{org_id}/client-requests/{id}",
        "/api/v1/organizations/{org_id}/client-requests/{id}/resend",
        "/api/v1/organizations/{org_id}/managed-clients",
        "/api/v1/organizations/{org_id}/managed-clients/export",
        "/api/v1/organizations/{org_id}/managed-clients/exports",
        "/api/v1/organizations/{org_id}/managed-clients/exports/{id}",
        "/api/v1/organizations/{org_id}/managed-clients/exports/{id}/file",
        "/api/v1/organizations/{org_id}/managed-clients/{client_id}/stop",
        "/api/v1/organizations/{org_id}/managed-clients/{client_id}/renewal-request",
        "/api/v1/organizations/{org_id}/managed-clients/{client_id}/assignment",
        "/api/v1/organizations/{org_id}/teams",
        "/api/v1/organizations/{org_id}/teams/{id}",
        "/api/v1/organizations/{org_id}/managed-clients/take-over",
        "/api/v1/organizations/{org_id}/managed-clients/bulk-stop",
        "/api/v1/organizations/{org_id}/managed-clients/bulk-renewal-request",
        "/api/v1/organizations/{org_id}/managed-clients/bulk-runs/{id}",
        "/api/v1/organizations/{org_id}/orders",
        "/api/v1/organizations/{org_id}/products/{id}/renew",
        "/api/v1/organizations/{org_id}/products/{id}/subscription",
        "/api/v1/organizations/{org_id}/products/{id}/cancel",
        "/api/v1/organizations/{org_id}/products/{id}/change-type",
        "/api/v1/organizations/{org_id}/invoices/{id}/pay",
        "/api/v1/organizations/{org_id}/partnerships/{id}/who-pays-preview",
        "/api/v1/organizations/{org_id}/managed-clients/{id}/who-pays-preview",
        "/api/v1/organizations/{org_id}/invoices",
        "/api/v1/organizations/{org_id}/invoices/{id}",
        "/api/v1/organizations/{org_id}/invoices/{id}/pdf",
        "/api/v1/organizations/{org_id}/invoices/export",
        "/api/v1/organizations/{org_id}/wallet",
        "/api/v1/organizations/{org_id}/wallet/top-up",
        "/api/v1/organizations/{org_id}/payouts",
        "/api/v1/organizations/{org_id}/payouts/{id}",
        "/api/v1/organizations/{org_id}/statements",
        "/api/v1/organizations/{org_id}/statements/{id}",
        "/api/v1/organizations/{org_id}/statements/{id}/pdf",
        "/api/v1/organizations/{org_id}/statements/{id}/csv",
        "/api/v1/organizations/{org_id}/activity",
        "/api/v1/organizations/{org_id}/activity/export",
        "/api/v1/organizations/{org_id}/dpa-certificate",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/newsletter/products",
        "/api/v1/newsletter/products/{product_id}/lists",
        "/api/v1/newsletter/products/{product_id}/lists/{id}",
        "/api/v1/newsletter/products/{product_id}/lists/{list_id}/subscribers",
        "/api/v1/newsletter/products/{product_id}/lists/{list_id}/subscribers/{id}",
    }
    patch = schema["paths"]["/api/v1/organizations/{org_id}"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {
        "name",
        "entity_type",
        "country",
        "vat_number",
        "accept_terms",
        "update_default_billing_address",
        "two_factor_required",
    }
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "415", "429"}


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/organizations/{org_id}/members" in (tmp_path / "schema.yaml").read_text()


def test_the_docs_page_has_no_inline_script_and_nonces_its_style(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert len(scripts) == 3
    for attributes, content in scripts:
        assert 'src="' in attributes or f'nonce="{nonce}"' in attributes
        assert content.strip() == ""
    for attributes in re.findall(r"<style([^>]*)>", html):
        assert f'nonce="{nonce}"' in attributes
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handlers run as inline script"


def test_the_docs_init_script_and_assets_are_served(client):
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    init_script = next(source for source in sources if source.startswith("/api/docs/"))

    response = client.get(init_script)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in response.content.decode()
    for asset in [*sources, *re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)]:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
