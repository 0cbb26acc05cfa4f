"""Schema fuzzing: schemathesis calls every operation of the OpenAPI schema in-process (WSGI) with a valid
token of full scope, on an organization with data; no answer may be a 5xx, an undocumented status code, or a
body that does not match its documented schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from console.wsgi import application
from organizations.models import ProductType
from tests.factories import BillingAddressFactory, PartnerProfileFactory, ProductFactory
from tokens import scopes, services

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI application, whose request signals would close the test's database
    connection (and its transaction) on PostgreSQL; Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(organization, legal_representative):
    # A referenced partner, so that the Reseller Area (managed clients and their export) answers too.
    organization.is_referenced_partner = True
    organization.save(update_fields=["is_referenced_partner"])
    PartnerProfileFactory(organization=organization)
    BillingAddressFactory(organization=organization, is_default=True)
    ProductFactory(organization=organization)
    newsletter = ProductFactory(
        organization=organization, product_type=ProductType.objects.get(slug="newsletter")
    )

    def token(application):
        _, plaintext = services.token_create(
            user=legal_representative,
            name=f"Fuzz {application}",
            application=application,
            scopes=scopes.all_scopes(application),
            password_confirmed=True,
        )
        return plaintext

    return {
        "organization": organization,
        "newsletter": newsletter,
        "manager": token(scopes.MANAGER_API),
        "newsletter_token": token("newsletter"),
    }


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_only_what_it_documents(case, world):
    parameters = case.path_parameters or {}
    if "org_id" in parameters:
        parameters["org_id"] = world["organization"].pk
    if case.path.startswith("/api/v1/newsletter"):
        if "product_id" in parameters:
            parameters["product_id"] = world["newsletter"].pk
        token = world["newsletter_token"]
    else:
        token = world["manager"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/organizations/{org}/activity"),
        ("post", "/api/v1/organizations/{org}/dpa-certificate"),
        ("get", "/api/v1/organizations/{org}/managed-clients/export?history=products&period=this_month"),
    ],
)
def test_the_fuzzed_token_reaches_the_activity_certificate_and_export_endpoints(world, method, path):
    """The fuzz run goes past the token check on these endpoints: the full-scope token gets their answer."""
    response = getattr(Client(), method)(
        path.format(org=world["organization"].pk), HTTP_AUTHORIZATION=f"Bearer {world['manager']}"
    )

    assert response.status_code == 200
    assert path.split("?")[0].replace("{org}", "{org_id}") in schema.raw_schema["paths"]
