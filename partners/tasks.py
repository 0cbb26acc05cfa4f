"""Background work of partners, for `django.tasks` (run on a schedule by the workers, see PERIODIC_TASKS)."""

from django.tasks import task

from organizations.models import User
from partners.models import BulkOutcome, ClientRequest
from partners.services import (
    bulk_run_process,
    partnership_request_deliver,
    partnerships_end_due,
    partnerships_expire_stale,
    partnerships_send_end_reminders,
)


@task()
def expire_invitations() -> int:
    """Mark pending invitations whose links have expired (as `manage.py expire_partner_invitations`)."""
    return partnerships_expire_stale()


@task()
def end_time_limited_access() -> dict:
    """Record as ended the access whose end has passed (access itself stopped at that moment), then send
    the reminders due 30, 7 and 1 days before an end."""
    return {"ended": partnerships_end_due(), "reminded": partnerships_send_end_reminders()}


@task()
def deliver_client_request(*, client_request_id: int, user_id: int) -> None:
    """Look up the address a partner typed in "Add a client" and send the request if it matches."""
    client_request = ClientRequest.objects.filter(pk=client_request_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if client_request is None or user is None:
        return
    partnership_request_deliver(client_request=client_request, by=user)


@task()
def run_bulk_action(*, run_id: int) -> int:
    """Carry out a bulk action of Managed Clients, one client after another; how many clients it did."""
    run = bulk_run_process(run_id=run_id)
    return 0 if run is None else run.items.filter(outcome=BulkOutcome.DONE).count()
