"""Background work of partners, for `django.tasks` (run on a schedule by the workers, see PERIODIC_TASKS)."""

from django.tasks import task

from partners.services import partnerships_expire_stale


@task()
def expire_invitations() -> int:
    """Mark pending invitations whose links have expired (as `manage.py expire_partner_invitations`)."""
    return partnerships_expire_stale()
