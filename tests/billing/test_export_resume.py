"""A prepared export survives its worker: when the worker dies mid-file, the export is run again from the
first row and finishes, with one file and a progress bar that tells the truth; an export that keeps failing
ends "failed" with a message the user reads in the dialog."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from billing import services
from billing.exports import export_lines
from billing.models import BillingExportJob, ExportStatus
from console.worker import requeue_lost_tasks
from tests.queue import claim_and_lose, run_queued_tasks


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.BILLING_EXPORT_INLINE_MAX_ROWS = 0  # every export is prepared in the background


@pytest.fixture
def queued_export(database_queue, partner_org, partner_legal, alpine, helvetia, export_world, acting):
    """An export of two rows, waiting in the queue for a worker."""
    export = services.BillingExport(
        partner=partner_org,
        history="orders",
        date_from=timezone.localdate() - timedelta(days=1),
        date_to=timezone.localdate(),
        client_ids=(alpine.pk, helvetia.pk),
    )
    job = services.billing_export_request(
        access=acting(partner_legal, partner_org), export=export, stream=False
    )
    assert DBTaskResult.objects.filter(task_path="billing.tasks.run_billing_export").count() == 1
    return job


def export_files() -> list[str]:
    return default_storage.listdir("billing-exports")[1] if default_storage.exists("billing-exports") else []


def status_page(client, job):
    url = reverse("billing_export_status", kwargs={"org_id": job.organization_id, "job_id": job.pk})
    return client.get(url).text


def after_the_worker_is_lost(settings):
    return timezone.now() + timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS + 1)


def test_an_export_whose_worker_died_mid_file_is_finished_by_the_next_worker(
    queued_export, settings, client, partner_legal
):
    job = queued_export
    # The first worker claimed the task, started the file, wrote it out even, and died before saying so.
    task = claim_and_lose(worker_id="killed")
    BillingExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, attempts=1, rows_written=1)
    default_storage.save(services.billing_export_file_name(job), ContentFile(b"half a file"))
    client.force_login(partner_legal)
    assert "1 of 2 rows (50 %)" in status_page(client, job)

    assert requeue_lost_tasks(now=after_the_worker_is_lost(settings)) == (1, 0)
    run_queued_tasks(worker_id="restarted")

    job.refresh_from_db()
    assert job.status == ExportStatus.READY
    assert (job.attempts, job.rows_written, job.row_count) == (2, 2, 2)
    assert export_files() == [f"export-{job.pk}.csv"]  # no second file, the half one replaced
    with default_storage.open(job.file) as file:
        assert file.read().decode().count("\n") == 3  # the header and both rows
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids == ["killed", "restarted"]
    assert "is ready: 2 rows" in status_page(client, job)


def test_a_restarted_export_counts_its_rows_from_the_start(queued_export, monkeypatch, client, partner_legal):
    job = queued_export
    # The lost attempt had written one row of two.
    BillingExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, attempts=1, rows_written=1)
    client.force_login(partner_legal)
    pages_while_writing = []

    def watched_lines(export):
        for line in export_lines(export):
            pages_while_writing.append(status_page(client, job))
            yield line

    monkeypatch.setattr("billing.services.export_lines", watched_lines)
    services.billing_export_run(job_id=job.pk)

    # The bar went back to the start with the new attempt, and says why.
    assert "0 of 2 rows (0 %)" in pages_while_writing[0]
    assert "It was interrupted and started again from the first row." in pages_while_writing[0]
    assert "is ready: 2 rows" in status_page(client, job)


def test_an_export_that_keeps_failing_ends_failed_with_a_message_the_user_reads(
    queued_export, monkeypatch, settings, client, partner_legal
):
    job = queued_export

    def broken(export):
        yield "header\n"
        raise OSError("No space left on device")

    monkeypatch.setattr("billing.services.export_lines", broken)
    for _ in range(settings.BILLING_EXPORT_MAX_ATTEMPTS):
        with_delay = DBTaskResult.objects.filter(status="READY").get()
        DBTaskResult.objects.filter(pk=with_delay.pk).update(run_after=timezone.now())  # not wait 30 s
        run_queued_tasks()

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.attempts == settings.BILLING_EXPORT_MAX_ATTEMPTS
    assert job.error.startswith(f"The export could not be prepared ({job.attempts} attempts).")
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no further attempt
    assert export_files() == []
    client.force_login(partner_legal)
    page = status_page(client, job)
    assert job.error in page
    assert "every 1s" not in page  # the dialog stops polling


def test_an_export_whose_worker_is_lost_every_time_ends_failed(queued_export, settings):
    job = queued_export
    for attempt in range(1, settings.BILLING_EXPORT_MAX_ATTEMPTS + 1):
        claim_and_lose(worker_id=f"killed-{attempt}")
        BillingExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, attempts=attempt)
        requeue_lost_tasks(now=after_the_worker_is_lost(settings))

    run_queued_tasks()

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "3 attempts" in job.error
    assert export_files() == []


def test_a_finished_export_is_not_run_again(queued_export):
    job = queued_export
    run_queued_tasks()
    job.refresh_from_db()
    finished_at = job.finished_at

    services.billing_export_run(job_id=job.pk)  # the task delivered twice

    job.refresh_from_db()
    assert (job.status, job.attempts, job.finished_at) == (ExportStatus.READY, 1, finished_at)
    assert export_files() == [f"export-{job.pk}.csv"]
