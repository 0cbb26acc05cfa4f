"""Background work of partners, for `django.tasks` (run on a schedule by the workers, see PERIODIC_TASKS)."""

from django.tasks import task

from organizations.models import Organization, User
from partners.services import partnership_request_deliver, partnerships_expire_stale


@task()
def expire_invitations() -> int:
    """Mark pending invitations whose links have expired (as `manage.py expire_partner_invitations`)."""
    return partnerships_expire_stale()


@task()
def deliver_client_request(
    *, partner_id: int, user_id: int, client_email: str, access_level: str, payment_method: str
) -> None:
    """Look up the address a partner typed in "Add a client" and send the request if it matches."""
    partner = Organization.objects.filter(pk=partner_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if partner is None or user is None:
        return
    partnership_request_deliver(
        partner=partner,
        by=user,
        client_email=client_email,
        access_level=access_level,
        payment_method=payment_method,
    )
