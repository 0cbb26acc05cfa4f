"""Schema fuzzing: schemathesis calls every operation of the OpenAPI schema in-process (WSGI), on an
organization with data and on a client it manages through a partnership, with tokens of every scope: the full
set, each scope alone, and tokens of the other application. No answer may be a 5xx, an undocumented status
code or content type, or a body that does not match its documented schema."""

import itertools
import zlib

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from console.wsgi import application
from tokens import scopes

pytestmark = pytest.mark.usefixtures("in_process_wsgi")

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

NEWSLETTER = "newsletter"
ALL_SCOPES = None  # the token has every scope of its application
# (application, scopes): a token of the operation's own application with every scope, each scope alone, and a
# token of the other application; a token lacking the scope must be a documented 403, never a 5xx.
TOKENS = [
    *[(scopes.MANAGER_API, (scope,)) for scope in scopes.all_scopes(scopes.MANAGER_API)],
    *[(NEWSLETTER, (scope,)) for scope in (f"{NEWSLETTER}:read", f"{NEWSLETTER}:write")],
    (scopes.MANAGER_API, ALL_SCOPES),
    (NEWSLETTER, ALL_SCOPES),
]
# The organization in `{org_id}`: the caller's own, or the client its organization manages as a partner.
ORGANIZATIONS = ("organization", "managed_client")


def calls(operation: str):
    """For an operation, the token and organization of each call in turn: every other call carries the full
    token of the operation's own application (so that it goes past the scope check), the others walk
    through `TOKENS` from a place of their own, so that the run as a whole uses every token everywhere."""
    start = zlib.crc32(operation.encode())
    for number in itertools.count(start):
        token = OWN_APPLICATION if number % 2 == 0 else TOKENS[(number // 2) % len(TOKENS)]
        yield token, ORGANIZATIONS[(number // 2) % len(ORGANIZATIONS)]


OWN_APPLICATION = "own application, every scope"


@pytest.fixture
def next_call():
    """The token and organization of the next call of this test's operation (see `calls`)."""
    sequences = {}

    def _next_call(operation: str):
        return next(sequences.setdefault(operation, calls(operation)))

    return _next_call


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_only_what_it_documents(case, world, next_call):
    token, organization = next_call(f"{case.method} {case.path}")
    parameters = case.path_parameters or {}
    if "org_id" in parameters:
        parameters["org_id"] = world[organization].pk
    own_application = NEWSLETTER if case.path.startswith("/api/v1/newsletter") else scopes.MANAGER_API
    if own_application == NEWSLETTER and "product_id" in parameters:
        parameters["product_id"] = world["newsletter"].pk
    plaintext = world["token"](own_application) if token == OWN_APPLICATION else world["token"](*token)
    case.call_and_validate(headers={"Authorization": f"Bearer {plaintext}"}, checks=CHECKS)


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


@pytest.mark.django_db
def test_the_fuzzed_tokens_cover_every_scope_of_both_applications():
    covered = {scope for _, token_scopes in TOKENS if token_scopes for scope in token_scopes}

    assert covered == {*scopes.all_scopes(scopes.MANAGER_API), *scopes.all_scopes(NEWSLETTER)}


def _date_parameters():
    """(path, query parameter) for every query parameter of the schema that is a day."""
    for path, operations in schema.raw_schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "query" and parameter["schema"].get("format") == "date":
                yield path, parameter["name"]


def _required_query(path: str) -> dict:
    """The operation's required query parameters, each with the first value its schema allows."""
    return {
        parameter["name"]: parameter["schema"]["enum"][0]
        for parameter in schema.raw_schema["paths"][path]["get"].get("parameters", [])
        if parameter["in"] == "query" and parameter.get("required")
    }


@pytest.mark.parametrize(("path", "name"), list(_date_parameters()))
@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-30", "9999-12-31"])
def test_every_day_filter_answers_the_calendars_edges_as_documented(world, path, name, day):
    """Random days rarely fall on the calendar's edges: every day filter of the schema is tried there."""
    case = schema[path]["GET"].Case(
        path_parameters={"org_id": world["organization"].pk} if "{org_id}" in path else None,
        query={**_required_query(path), name: day},
    )

    response = case.call_and_validate(headers={"Authorization": f"Bearer {world['manager']}"}, checks=CHECKS)

    assert response.status_code == 400
    assert name in response.json()
