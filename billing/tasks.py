"""Background work of billing, for `django.tasks` (a db_worker in production, run at once by default)."""

from django.tasks import task

from billing.services import renewals_run


@task()
def run_renewals() -> int:
    """Renew the products whose period ends within a day; the same work as `manage.py run_renewals`."""
    return renewals_run()
