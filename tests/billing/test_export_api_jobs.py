"""The API's prepared exports: POST asks for one (202, its address in `Location`), GET follows it as a worker
writes it, and its file is downloaded once ready, by the user who asked only; bad input, other users and
tokens without the scope are refused."""

import csv
import io

import pytest
from django.core.cache import caches
from django.urls import reverse
from rest_framework.test import APIClient

from billing.models import BillingExportJob, ExportStatus
from tests.queue import run_queued_tasks
from tokens import scopes
from tokens import services as token_services


@pytest.fixture(autouse=True)
def _storage_and_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    caches["limits"].clear()


@pytest.fixture
def api(partner_legal):
    client = APIClient()
    client.force_authenticate(partner_legal)
    return client


def jobs_url(org):
    return f"/api/v1/organizations/{org.pk}/managed-clients/exports"


def test_a_prepared_export_is_followed_then_downloaded(
    database_queue, api, partner_org, alpine, helvetia, export_world
):
    asked = api.post(jobs_url(partner_org), {"history": "orders", "period": "this_month"}, format="json")

    assert asked.status_code == 202
    job = BillingExportJob.objects.get()
    assert asked["Location"] == f"{jobs_url(partner_org)}/{job.pk}"
    assert asked.json()["status"] == "queued"
    assert asked.json()["file_url"] is None

    waiting = api.get(asked["Location"])
    assert waiting.status_code == 200
    assert (waiting.json()["status"], waiting.json()["percent"]) == ("queued", 0)
    assert api.get(f"{asked['Location']}/file").status_code == 404  # not ready yet

    run_queued_tasks()

    ready = api.get(asked["Location"]).json()
    assert ready["status"] == "ready"
    assert (ready["row_count"], ready["rows_written"], ready["percent"]) == (2, 2, 100)
    assert ready["file_url"] == f"http://testserver{asked['Location']}/file"
    download = api.get(ready["file_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [row[3] for row in rows[1:]] == ["Alpine Shop", "Helvetia Web AG"]


def test_a_console_export_is_followed_through_the_api_too(
    database_queue, api, client, settings, partner_org, partner_legal, alpine, export_world
):
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(partner_legal)
    client.post(
        reverse("managed_clients_export", kwargs={"org_id": partner_org.pk}),
        {"history": "orders", "period": "this_month"},
        HTTP_HX_REQUEST="true",
    )
    job = BillingExportJob.objects.get()
    run_queued_tasks()

    assert api.get(f"{jobs_url(partner_org)}/{job.pk}").json()["status"] == "ready"


def test_wrong_parameters_prepare_nothing(database_queue, api, partner_org, alpine, export_world):
    response = api.post(jobs_url(partner_org), {"history": "everything", "period": "1999-2"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) >= {"history"}
    assert not BillingExportJob.objects.exists()


def test_only_the_requester_follows_or_downloads_an_export(
    database_queue, api, partner_org, partner_admin, alpine, export_world, outsider
):
    location = api.post(jobs_url(partner_org), {"history": "orders", "period": "this_month"}, format="json")[
        "Location"
    ]
    run_queued_tasks()

    colleague = APIClient()
    colleague.force_authenticate(partner_admin)
    assert colleague.get(location).status_code == 404
    assert colleague.get(f"{location}/file").status_code == 404
    stranger = APIClient()
    stranger.force_authenticate(outsider)
    assert stranger.get(location).status_code == 404


def test_a_direct_download_is_no_prepared_export(api, partner_org, alpine, export_world):
    api.get(f"/api/v1/organizations/{partner_org.pk}/managed-clients/export?history=orders&period=this_month")
    job = BillingExportJob.objects.get()
    assert job.status == ExportStatus.STREAMED

    assert api.get(f"{jobs_url(partner_org)}/{job.pk}").status_code == 404


def test_a_client_organization_cannot_prepare_an_export(database_queue, client_org, client_legal):
    api = APIClient()
    api.force_authenticate(client_legal)

    response = api.post(jobs_url(client_org), {"history": "orders", "period": "this_month"}, format="json")

    assert response.status_code == 403
    assert "not a referenced partner" in response.json()["detail"]


def test_a_read_only_token_follows_but_does_not_prepare(
    database_queue, api, partner_org, partner_legal, alpine, export_world
):
    location = api.post(jobs_url(partner_org), {"history": "orders", "period": "this_month"}, format="json")[
        "Location"
    ]
    _, plaintext = token_services.token_create(
        user=partner_legal,
        name="Reports",
        application=scopes.MANAGER_API,
        scopes=["partners:read"],
        password_confirmed=True,
    )
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    assert reader.get(location).status_code == 200
    refused = reader.post(jobs_url(partner_org), {"history": "orders", "period": "this_month"}, format="json")
    assert refused.status_code == 403
    assert "partners:write" in refused.json()["detail"]
