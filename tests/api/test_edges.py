"""The API at the edges of its input: days at the calendar's edges, paths that name no endpoint, an export
that fails, what the schema says may be null, and a blank optional `Idempotency-Key`."""

import gc
from datetime import date
from unittest import mock

import pytest
from django.core.signals import request_finished
from django.db import DatabaseError
from django.test import Client
from schemathesis.checks import response_schema_conformance

from billing import exports
from billing.models import IdempotencyRecord, Order
from billing.selectors import invoices_filtered
from compliance.selectors import audit_events_filtered
from core.audit import audit_record
from organizations.models import Product
from tests.api.test_billing_api import new_key, org_url, place_order
from tests.api.test_schema_fuzz import schema
from tests.core.test_streams import SERVER_SIDE_CURSOR, open_cursors
from tests.factories import ProductFactory

INVOICES = "invoices"
ACTIVITY = "activity"
ACTIVITY_EXPORT = "activity/export"
MANAGED_EXPORT = "managed-clients/export?history=invoices"


def get(world, path, **headers):
    return Client(raise_request_exception=False).get(
        path, HTTP_AUTHORIZATION=f"Bearer {world['manager']}", **headers
    )


# Days at the calendar's edges


@pytest.mark.parametrize(
    ("endpoint", "query", "field"),
    [
        (INVOICES, "from=0001-01-01", "from"),
        (INVOICES, "to=9999-12-31", "to"),
        (ACTIVITY, "from=0001-01-01", "from"),
        (ACTIVITY, "to=9999-12-31", "to"),
        (ACTIVITY_EXPORT, "from=0001-01-01", "from"),
        (ACTIVITY_EXPORT, "to=9999-12-31", "to"),
        (MANAGED_EXPORT, "from=0001-01-01&to=0001-12-31", "from"),
        (MANAGED_EXPORT, "from=9999-01-01&to=9999-12-31", "to"),
        (MANAGED_EXPORT, "period=0000", "period"),
        (MANAGED_EXPORT, "period=9999", "period"),
    ],
)
def test_a_day_at_the_calendars_edge_is_a_400_naming_the_field(world, endpoint, query, field):
    separator = "&" if "?" in endpoint else "?"
    response = get(world, org_url(world["organization"], f"{endpoint}{separator}{query}"))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


@pytest.mark.parametrize("endpoint", [INVOICES, ACTIVITY, ACTIVITY_EXPORT])
def test_the_first_and_last_days_the_filters_accept_are_answered(world, endpoint):
    response = get(world, org_url(world["organization"], f"{endpoint}?from=1900-01-01&to=9998-12-31"))

    assert response.status_code == 200


def test_the_managed_clients_export_accepts_a_year_within_the_range(world):
    response = get(world, org_url(world["organization"], f"{MANAGED_EXPORT}&period=1900"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


# An export that fails


def _failing_rows(events):
    raise DatabaseError("the database went away")
    yield  # a generator, as the real rows are


def test_an_activity_export_whose_query_fails_is_an_error_not_a_truncated_file(world):
    with mock.patch("compliance.api.views.activity_csv_rows", _failing_rows):
        response = get(world, org_url(world["organization"], ACTIVITY_EXPORT))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def _products_export(world, monkeypatch, products=5):
    """The managed client's products export, read by the caller in chunks of 2 rows."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    ProductFactory.create_batch(products - 1, organization=world["managed_client"])
    path = org_url(world["organization"], "managed-clients/export?history=products&period=this_month")
    response = get(world, path)
    assert response.status_code == 200
    return response


def test_an_export_never_read_holds_no_cursor(world, monkeypatch):
    """A client that goes away before reading: the view read the first rows with a plain query, and no
    cursor is left to be closed later (in another transaction, where it would no longer exist)."""
    response = _products_export(world, monkeypatch)

    assert open_cursors() == 0
    del response
    gc.collect()
    assert Product.objects.filter(organization=world["managed_client"]).count() == 5, "the connection answers"


def test_an_export_left_midway_closes_its_cursor_when_the_response_is_closed(world, monkeypatch):
    response = _products_export(world, monkeypatch)
    content = iter(response.streaming_content)

    read = [next(content) for _line in range(4)]  # the header, the first chunk and a row after it
    assert open_cursors() == SERVER_SIDE_CURSOR, "the rest come from a cursor"
    # As the server does when the client has gone; without the signal of the request's end, which would close
    # the test's connection (and its transaction) on PostgreSQL.
    with mock.patch.object(request_finished, "send"):
        response.close()

    assert open_cursors() == 0
    assert len(read) == 4
    assert Product.objects.filter(organization=world["managed_client"]).count() == 5, "the connection answers"


def test_an_export_read_in_chunks_has_every_row_once(world, monkeypatch):
    response = _products_export(world, monkeypatch)

    lines = b"".join(response.streaming_content).decode().splitlines()

    assert len(lines) == 1 + 5
    assert len(set(lines)) == len(lines)
    assert open_cursors() == 0


def test_the_activity_export_read_in_chunks_has_every_event_once(world, monkeypatch, legal_representative):
    monkeypatch.setattr("compliance.views.ACTIVITY_CHUNK_SIZE", 2)
    for number in range(5):
        audit_record(actor=legal_representative, organization=world["organization"], action=f"test.{number}")

    response = get(world, org_url(world["organization"], ACTIVITY_EXPORT))
    assert open_cursors() == 0
    lines = b"".join(response.streaming_content).decode().splitlines()

    actions = [line.split(",")[4] for line in lines[1:] if ",test." in line]
    assert actions == [f"test.{number}" for number in reversed(range(5))]


# Paths that name no endpoint


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/api/v1/organizations/not-an-id",
        "/api/v1/organizations/not-an-id/invoices",
        "/api/v1/organizations/{org}/invoices/not-an-id",
        "/api/v1/organizations/{org}/invoices/1.5/pdf",
        "/api/v2/me",
    ],
)
def test_a_path_that_names_no_endpoint_under_api_is_a_json_404(world, path):
    response = get(world, path.format(org=world["organization"].pk))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_path_that_names_no_page_outside_the_api_is_still_the_consoles_html_404(db):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# What the schema says may be null


def _conforms(world, in_process_wsgi, path, method="GET", **parameters):
    case = schema[path][method].Case(path_parameters=parameters or None)
    response = case.call(headers={"Authorization": f"Bearer {world['manager']}"})
    assert response.status_code == 200, response.text
    case.validate_response(response, checks=[response_schema_conformance])
    return response.json()


def test_an_organization_reached_through_a_partnership_has_a_null_role_the_schema_allows(
    world, in_process_wsgi
):
    client = world["managed_client"]

    body = _conforms(world, in_process_wsgi, "/api/v1/organizations/{org_id}", org_id=client.pk)

    assert body["role"] is None


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/organizations"])
def test_the_lists_of_organizations_conform_to_the_schema_with_a_managed_client(world, in_process_wsgi, path):
    _conforms(world, in_process_wsgi, path)


def test_an_event_done_as_a_member_has_a_null_on_behalf_of_the_schema_allows(
    world, in_process_wsgi, legal_representative
):
    organization = world["organization"]
    audit_record(actor=legal_representative, organization=organization, action="organization.update")

    body = _conforms(
        world,
        in_process_wsgi,
        "/api/v1/organizations/{org_id}/activity",
        org_id=organization.pk,
    )

    assert any(event["on_behalf_of"] is None for event in body["results"])


# A blank optional Idempotency-Key


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_optional_idempotency_key_is_as_if_there_were_none(
    client_of, organization, legal_representative, blank
):
    response = place_order(client_of(legal_representative), organization, headers={"Idempotency-Key": blank})

    assert response.status_code == 201, response.content
    assert Order.objects.count() == 1
    assert not IdempotencyRecord.objects.exists()


def test_a_blank_required_idempotency_key_is_still_a_400_naming_the_header(
    client_of, organization, legal_representative
):
    response = client_of(legal_representative).post(
        org_url(organization, "wallet/top-up"),
        {"amount": "10.00"},
        format="json",
        headers={"Idempotency-Key": ""},
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert new_key()  # the helper the other tests use for a real key


# The selectors behind the filters (the console's pages reach them too)


@pytest.mark.parametrize(
    ("date_from", "date_to", "finds_the_event"),
    [
        (date(1, 1, 1), None, True),
        (None, date(9999, 12, 31), True),
        (date(1, 1, 1), date(9999, 12, 31), True),
        (date(9999, 12, 31), None, False),
        (None, date(1, 1, 1), False),
    ],
)
def test_the_selectors_answer_periods_at_the_calendars_edges(
    organization, legal_representative, access_of, date_from, date_to, finds_the_event
):
    """A bound beyond the days anything happens on is no bound; a period beyond them holds nothing."""
    audit_record(actor=legal_representative, organization=organization, action="organization.update")
    access = access_of(legal_representative)

    events = audit_events_filtered(access, date_from=date_from, date_to=date_to)
    invoices = invoices_filtered(access, date_from=date_from, date_to=date_to)

    assert events.exists() is finds_the_event
    assert list(invoices) == []
