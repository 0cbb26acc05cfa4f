"""Background work of billing, for `django.tasks`: run by the workers (`manage.py run_worker`), the periodic
ones on a schedule (PERIODIC_TASKS)."""

from django.tasks import task

from billing.services import (
    billing_export_run,
    billing_exports_delete_expired,
    renewal_reminders_send,
    renewals_run,
)
from billing.statements import statements_produce_for_month


@task()
def run_renewals() -> int:
    """Renew the products whose period ends within a day, expire the ended ones not renewed automatically,
    and send the renewal reminders (30 and 7 days before); the same work as `manage.py run_renewals`."""
    count = renewals_run()
    renewal_reminders_send()
    return count


@task()
def run_billing_export(job_id: int) -> str:
    """Prepare a large billing-history export asked for on the Managed Clients page."""
    return billing_export_run(job_id=job_id).status


@task()
def delete_expired_billing_exports() -> int:
    """Delete the export files kept past their time; the same work as `manage.py delete_expired_exports`."""
    return billing_exports_delete_expired()


@task()
def produce_partner_statements() -> int:
    """Produce last month's statement of every referenced partner that has none yet (run daily: the first run
    of a month produces them, the others find them done); the same work as `manage.py produce_statements`."""
    return statements_produce_for_month()
