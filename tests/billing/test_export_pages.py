"""Managed Clients → Download → Export, in the console and through the API: parameter errors on their field
and no file, the file at once or prepared in the background (progress, download by the requester only,
expiry), the per-user limit shared by the console and the API, the activity log, and who may export."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from billing import services
from billing.models import BillingExportJob, ExportStatus
from core.models import AuditEvent
from organizations.models import Role
from tests.factories import OrganizationFactory, PartnershipFactory, member


@pytest.fixture(autouse=True)
def _fresh_limits_and_storage(settings, tmp_path):
    caches["limits"].clear()  # the rate limit counts in the cache
    settings.MEDIA_ROOT = tmp_path
    yield
    caches["limits"].clear()


def export_url(org):
    return reverse("managed_clients_export", kwargs={"org_id": org.pk})


def api_export_url(org, query=""):
    return f"/api/v1/organizations/{org.pk}/managed-clients/export{query}"


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def this_month(**fields) -> dict:
    return {"history": "orders", "period": "this_month", **fields}


@pytest.fixture
def signed_in(client, partner_legal):
    client.force_login(partner_legal)
    return client


def post_export(client, org, data, capture=None):
    if capture is None:
        return client.post(export_url(org), data, HTTP_HX_REQUEST="true")
    with capture(execute=True):
        return client.post(export_url(org), data, HTTP_HX_REQUEST="true")


# At once


def test_a_small_export_downloads_at_once_then_never_again(
    signed_in, partner_org, alpine, helvetia, export_world
):
    response = post_export(signed_in, partner_org, this_month())

    assert response.status_code == 200
    job = BillingExportJob.objects.get()
    assert job.status == ExportStatus.STREAMED
    url = json.loads(response["HX-Trigger"])["billingExportDownload"]["url"]
    assert url == reverse("billing_export_download", kwargs={"org_id": partner_org.pk, "job_id": job.pk})
    assert "is downloading" in response.text

    download = signed_in.get(url)
    assert download.status_code == 200
    assert download.streaming
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert download["Content-Disposition"] == f'attachment; filename="orders_{today:%Y-%m-01}_{today}.csv"'
    rows = read_csv(streamed(download))
    assert [row[3] for row in rows[1:]] == ["Alpine Shop", "Helvetia Web AG"]
    assert signed_in.get(url).status_code == 404  # served once


def test_ticked_clients_limit_the_export(signed_in, partner_org, alpine, helvetia, export_world):
    response = post_export(signed_in, partner_org, this_month(scope="selected", clients=[helvetia.pk]))

    url = json.loads(response["HX-Trigger"])["billingExportDownload"]["url"]
    rows = read_csv(streamed(signed_in.get(url)))
    assert [row[3] for row in rows[1:]] == ["Helvetia Web AG"]
    assert BillingExportJob.objects.get().client_ids == [helvetia.pk]


def test_select_all_matching_exports_every_client_of_the_filter(
    signed_in, partner_org, alpine, helvetia, export_world
):
    response = post_export(signed_in, partner_org, this_month(scope="matching", payment_method="client"))

    url = json.loads(response["HX-Trigger"])["billingExportDownload"]["url"]
    rows = read_csv(streamed(signed_in.get(url)))
    assert {row[3] for row in rows[1:]} == {"Alpine Shop"}
    job = BillingExportJob.objects.get()
    # The filters travel and are resolved in the database, not a list of every matching client's id.
    assert job.client_ids == []
    assert job.client_filter == {"search": "", "access_level": "", "payment_method": "client", "until": ""}
    event = AuditEvent.objects.get(action="billing.export")
    assert event.changes["clients"] == 1
    assert event.changes["filters"]["payment_method"] == "client"


def test_exporting_every_client_costs_the_same_sql_for_3_and_40_clients(
    signed_in, partner_org, alpine, helvetia, export_world
):
    """Download and "select all matching" never send the ids of the clients to the database: the queries
    are the same size however many clients the partner manages (a list of ids would outgrow the
    database's limit on parameters with tens of thousands of clients)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def export_sql(data):
        caches["limits"].clear()
        with CaptureQueriesContext(connection) as queries:
            response = post_export(signed_in, partner_org, data)
            url = json.loads(response["HX-Trigger"])["billingExportDownload"]["url"]
            rows = read_csv(streamed(signed_in.get(url)))
        # Numbers (ids, dates) aside, the same SQL; a list of ids would add one number per client.
        sql = [query["sql"] for query in queries.captured_queries if '"billing_' in query["sql"]]
        return [re.sub(r"\d+", "0", text) for text in sql], rows

    everyone = this_month()
    matching = this_month(scope="matching", q="a", access="full")
    few = [export_sql(everyone), export_sql(matching)]
    PartnershipFactory.create_batch(37, partner=partner_org, access="full")
    many = [export_sql(everyone), export_sql(matching)]

    assert [sql for sql, _ in few] == [sql for sql, _ in many]
    assert [rows for _, rows in few] == [rows for _, rows in many]  # the new clients have no orders
    assert len(few[0][1]) == 3


def test_wrong_table_filters_export_nothing(signed_in, partner_org, alpine, export_world):
    response = post_export(signed_in, partner_org, this_month(scope="matching", access="owner"))

    assert "The table&#x27;s filters are not valid" in response.text
    assert not BillingExportJob.objects.exists()


def test_every_export_is_in_the_activity_log(signed_in, partner_org, partner_legal, alpine, export_world):
    post_export(signed_in, partner_org, {"history": "cashback", "period": "year", "year": "2025"})

    event = AuditEvent.objects.get(action="billing.export")
    assert event.organization == partner_org
    assert event.actor == partner_legal
    assert event.changes == {
        "history": "cashback",
        "from": "2025-01-01",
        "to": "2025-12-31",
        "clients": 2,
        "filters": {"search": "", "access_level": "", "payment_method": "", "until": ""},
        "rows": 0,
        "delivery": "download",
    }


# Wrong parameters: a message on the field, no file, nothing recorded


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"history": "salaries", "period": "this_month"}, "Choose invoices, orders and renewals"),
        ({"period": "this_month"}, "Choose the type of history to export."),
        (this_month(period="forever"), "Choose a period."),
        (this_month(period="year"), "Enter the year to export, such as 2025."),
        (this_month(period="year", year="twenty"), "Enter a year such as 2025."),
        (this_month(period="dates", date_from="2026-02-01", date_to="2026-01-31"), "before the first day"),
        (this_month(period="dates", date_from="2019-01-01", date_to="2025-12-31"), "longer than 5 years"),
        (this_month(period="dates", date_from="2025-13-45", date_to="2025-12-31"), "Enter a date such as"),
        (this_month(period="dates", date_to="2025-12-31"), "Enter the first day"),
        (this_month(scope="selected"), "Tick at least one client."),
        (this_month(scope="selected", clients=["abc"]), "Tick clients in the table."),
    ],
)
def test_wrong_parameters_are_shown_in_the_dialog_and_export_nothing(
    signed_in, partner_org, alpine, data, message
):
    response = post_export(signed_in, partner_org, data)

    assert response.status_code == 200
    assert message in response.text
    assert 'id="export-form"' in response.text
    assert "HX-Trigger" not in response
    assert not BillingExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action="billing.export").exists()


def test_a_client_the_partner_does_not_manage_is_refused(signed_in, partner_org, alpine):
    elsewhere = PartnershipFactory(client=OrganizationFactory(name="Not Yours AG")).client

    response = post_export(
        signed_in, partner_org, this_month(scope="selected", clients=[alpine.pk, elsewhere.pk])
    )

    assert f"You do not manage these organizations: {elsewhere.pk}." in response.text
    assert not BillingExportJob.objects.exists()


# In the background


def test_a_large_export_is_prepared_in_the_background_for_the_requester_only(
    signed_in,
    settings,
    partner_org,
    partner_admin,
    alpine,
    helvetia,
    export_world,
    outsider,
    django_capture_on_commit_callbacks,
):
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 1

    response = post_export(signed_in, partner_org, this_month(), capture=django_capture_on_commit_callbacks)

    job = BillingExportJob.objects.get()
    status_url = reverse("billing_export_status", kwargs={"org_id": partner_org.pk, "job_id": job.pk})
    # The dialog polls the job's progress; the task ran once the request's transaction committed.
    assert "Preparing orders_" in response.text
    assert f'hx-get="{status_url}" hx-trigger="every 1s"' in response.text
    assert job.status == ExportStatus.READY
    assert (job.row_count, job.rows_written) == (2, 2)
    assert job.expires_at == job.finished_at + timedelta(hours=24)
    ready = signed_in.get(status_url)
    assert "is ready: 2 rows" in ready.text
    assert "hx-trigger" not in ready.text  # finished: no more polling
    download_url = reverse("billing_export_download", kwargs={"org_id": partner_org.pk, "job_id": job.pk})
    assert download_url in ready.text

    download = signed_in.get(download_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename=")
    rows = read_csv(b"".join(download.streaming_content))
    assert [row[3] for row in rows[1:]] == ["Alpine Shop", "Helvetia Web AG"]
    assert signed_in.get(download_url).status_code == 200  # kept until it expires

    # Another user of the same partner, or of another organization, finds nothing.
    signed_in.force_login(partner_admin)
    assert signed_in.get(download_url).status_code == 404
    assert signed_in.get(status_url).status_code == 404
    signed_in.force_login(outsider)
    assert signed_in.get(download_url).status_code == 404


def test_the_dialog_shows_the_progress_until_the_file_is_ready(
    signed_in, settings, partner_org, partner_legal, alpine, export_world, acting
):
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 0
    export = services.BillingExport(
        partner=partner_org,
        history="cashback",
        date_from=timezone.localdate() - timedelta(days=1),
        date_to=timezone.localdate(),
        client_ids=(alpine.pk,),
    )
    job = services.billing_export_request(
        access=acting(partner_legal, partner_org), export=export, stream=False
    )
    status_url = reverse("billing_export_status", kwargs={"org_id": partner_org.pk, "job_id": job.pk})

    waiting = signed_in.get(status_url)
    assert "0 of 2 rows (0 %)" in waiting.text
    assert f'hx-get="{status_url}" hx-trigger="every 1s"' in waiting.text
    download_url = reverse("billing_export_download", kwargs={"org_id": partner_org.pk, "job_id": job.pk})
    assert signed_in.get(download_url).status_code == 404  # not ready yet

    BillingExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_written=1)
    assert "1 of 2 rows (50 %)" in signed_in.get(status_url).text

    BillingExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.QUEUED, rows_written=0)
    services.billing_export_run(job_id=job.pk)
    ready = signed_in.get(status_url)
    assert "is ready: 2 rows" in ready.text
    assert 'value="100"' in ready.text
    assert "every 1s" not in ready.text


def test_expired_files_are_deleted_and_no_longer_downloadable(
    signed_in, settings, partner_org, alpine, export_world, django_capture_on_commit_callbacks
):
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 0
    post_export(signed_in, partner_org, this_month(), capture=django_capture_on_commit_callbacks)
    job = BillingExportJob.objects.get()
    assert default_storage.exists(job.file)

    assert services.billing_exports_delete_expired(now=job.expires_at - timedelta(seconds=1)) == 0
    assert default_storage.exists(job.file)
    BillingExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("delete_expired_exports", stdout=io.StringIO())

    assert not default_storage.exists(job.file)
    job.refresh_from_db()
    assert (job.status, job.file) == (ExportStatus.EXPIRED, "")
    download_url = reverse("billing_export_download", kwargs={"org_id": partner_org.pk, "job_id": job.pk})
    assert signed_in.get(download_url).status_code == 404


# Limits and access


def test_exports_are_limited_per_user_across_the_console_and_the_api(
    signed_in, settings, partner_org, partner_legal, partner_admin, alpine
):
    settings.BILLING_EXPORT_RATE = "2/h"
    api = APIClient()
    api.force_login(partner_legal)

    assert "HX-Trigger" in post_export(signed_in, partner_org, this_month())
    assert api.get(api_export_url(partner_org, "?history=orders&period=this_month")).status_code == 200
    refused = post_export(signed_in, partner_org, this_month())
    api_refused = api.get(api_export_url(partner_org, "?history=orders&period=this_month"))

    assert "You have exported many files within the hour" in refused.text
    assert "HX-Trigger" not in refused
    assert api_refused.status_code == 429
    assert "within the hour" in api_refused.json()["detail"]
    assert BillingExportJob.objects.count() == 2
    # Another user keeps their own allowance.
    api.force_login(partner_admin)
    assert api.get(api_export_url(partner_org, "?history=orders&period=this_month")).status_code == 200


def test_only_the_partners_own_users_may_export(
    client, client_org, client_legal, partner_org, partner_legal, alpine
):
    # A client organization has no Reseller Area.
    client.force_login(client_legal)
    assert client.post(export_url(client_org), this_month()).status_code == 403
    # A partner acting for a client that is itself a partner exports nothing of the client's clients.
    client_org.is_referenced_partner = True
    client_org.save(update_fields=["is_referenced_partner"])
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    PartnershipFactory(client=OrganizationFactory(), partner=client_org)
    client.force_login(partner_legal)
    assert client.post(export_url(client_org), this_month()).status_code == 404
    api = APIClient()
    api.force_login(partner_legal)
    assert api.get(api_export_url(client_org, "?history=orders&period=this_month")).status_code == 404
    assert not BillingExportJob.objects.exists()


# The API


def test_the_api_streams_the_csv_with_a_filename(partner_org, partner_legal, alpine, helvetia, export_world):
    api = APIClient()
    api.force_login(partner_legal)
    today = timezone.localdate()

    response = api.get(
        api_export_url(
            partner_org, f"?history=invoices&from={today:%Y-01-01}&to={today}&clients={helvetia.pk}"
        )
    )

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="invoices_{today:%Y-01-01}_{today}.csv"'
    rows = read_csv(streamed(response))
    assert rows[0][:3] == ["Invoice", "Type", "Issued on"]
    assert [(row[5], row[13], row[14]) for row in rows[1:]] == [("Helvetia Web AG", "63.40", "CHF")]
    job = BillingExportJob.objects.get()
    assert job.status == ExportStatus.STREAMED
    assert AuditEvent.objects.filter(action="billing.export").count() == 1


def test_the_api_streams_even_a_large_export(settings, partner_org, partner_legal, alpine, export_world):
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 0
    api = APIClient()
    api.force_login(partner_legal)

    response = api.get(api_export_url(partner_org, "?history=cashback&period=last_12_months"))

    assert response.status_code == 200
    assert len(read_csv(streamed(response))) == 3
    assert BillingExportJob.objects.get().status == ExportStatus.STREAMED


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("?period=this_month", {"history"}),
        ("?history=salaries&period=this_month", {"history"}),
        ("?history=orders&period=forever", {"period"}),
        ("?history=orders", {"from", "to"}),
        ("?history=orders&from=2026-02-01&to=2026-01-31", {"to"}),
        ("?history=orders&from=2019-01-01&to=2025-12-31", {"from"}),
        ("?history=orders&from=2025-13-45&to=2025-12-31", {"from"}),
        ("?history=orders&period=this_month&clients=1,abc", {"clients"}),
        ("?history=orders&period=this_month&clients=999999", {"clients"}),
    ],
)
def test_the_api_answers_wrong_parameters_with_field_errors(
    partner_org, partner_legal, alpine, query, fields
):
    api = APIClient()
    api.force_login(partner_legal)

    response = api.get(api_export_url(partner_org, query), HTTP_ACCEPT="text/csv")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == fields
    assert not BillingExportJob.objects.exists()


def test_the_api_refuses_who_has_no_reseller_area(client_org, client_legal, partner_org, outsider):
    api = APIClient()
    assert api.get(api_export_url(partner_org, "?history=orders&period=this_month")).status_code == 401
    api.force_login(client_legal)
    response = api.get(api_export_url(client_org, "?history=orders&period=this_month"))
    assert response.status_code == 403
    assert "not a referenced partner" in response.json()["detail"]
    api.force_login(outsider)
    assert api.get(api_export_url(partner_org, "?history=orders&period=this_month")).status_code == 404


def test_a_user_of_the_partner_may_export_too(partner_org, alpine, export_world):
    user = member(partner_org, Role.USER, email="clerk@leman.example")
    api = APIClient()
    api.force_login(user)

    response = api.get(api_export_url(partner_org, "?history=cashback&period=this_month"))

    assert response.status_code == 200


def test_the_api_sends_the_first_rows_before_reading_the_last(
    partner_org, partner_legal, helvetia, export_world, monkeypatch, acting, web_hosting
):
    """The response is a stream fed by a lazy reader: the header and first row leave before the rest is
    read from the database."""
    from billing import exports

    for name in ("two.example", "three.example"):
        services.product_order(access=acting(partner_legal, helvetia), product_type=web_hosting, name=name)
    produced = []
    original = exports._invoice_row
    monkeypatch.setattr(exports, "CHUNK_SIZE", 1)
    monkeypatch.setattr(
        exports,
        "_invoice_row",
        lambda values, issued_on: produced.append(values) or original(values, issued_on),
    )
    api = APIClient()
    api.force_login(partner_legal)

    response = api.get(api_export_url(partner_org, "?history=invoices&period=this_month"))
    chunks = iter(response.streaming_content)
    header, first = next(chunks), next(chunks)

    assert header.startswith(b"Invoice,Type,Issued on")
    assert b"Helvetia Web AG" in first
    assert len(produced) == 1
    assert len(list(chunks)) == 2
    assert len(produced) == 3


def test_the_api_exports_every_client_matching_the_filters(partner_org, partner_legal, alpine, export_world):
    api = APIClient()
    api.force_login(partner_legal)

    response = api.get(api_export_url(partner_org, "?history=orders&period=this_month&payment_method=client"))

    assert response.status_code == 200
    assert {row[3] for row in read_csv(streamed(response))[1:]} == {"Alpine Shop"}
    job = BillingExportJob.objects.get()
    assert (job.client_ids, job.client_filter["payment_method"]) == ([], "client")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("&access=owner", {"access"}),
        ("&payment_method=nobody", {"payment_method"}),
        ("&clients={client}&search=alp", {"clients"}),
    ],
)
def test_the_api_refuses_wrong_filters(partner_org, partner_legal, alpine, query, fields):
    api = APIClient()
    api.force_login(partner_legal)

    response = api.get(
        api_export_url(partner_org, "?history=orders&period=this_month" + query.format(client=alpine.pk))
    )

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not BillingExportJob.objects.exists()


def bearer_client(user, scopes: list[str]) -> APIClient:
    from tokens.services import token_create

    _, plaintext = token_create(
        user=user, name="Accounting", application="manager", scopes=scopes, password_confirmed=True
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return api


def test_an_api_token_with_partners_read_exports(partner_org, partner_legal, alpine, helvetia, export_world):
    api = bearer_client(partner_legal, ["partners:read"])

    response = api.get(api_export_url(partner_org, "?history=orders&period=this_month&search=helvetia"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [row[3] for row in read_csv(streamed(response))[1:]] == ["Helvetia Web AG"]
    event = AuditEvent.objects.get(action="billing.export")
    assert event.actor == partner_legal


@pytest.mark.parametrize("scopes", [["billing:read", "organizations:read"], ["partners:write"]])
def test_an_api_token_without_partners_read_gets_403(partner_org, partner_legal, export_world, scopes):
    api = bearer_client(partner_legal, scopes)

    response = api.get(api_export_url(partner_org, "?history=orders&period=this_month"))

    assert response.status_code == 403
    assert response.json() == {"detail": "This token does not have the scope `partners:read`."}
    assert not BillingExportJob.objects.exists()
