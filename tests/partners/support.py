"""Helpers shared by the partner program's tests: what the database holds, the mailbox, both activity logs."""

from django.forms.models import model_to_dict

from compliance.models import AuditEvent
from compliance.selectors import audit_events_visible_to
from console.models import MailboxMessage
from organizations.access import resolve_access
from organizations.models import Membership, Organization, Product, Role
from partners.models import PartnerProfile, Partnership


def state() -> dict:
    """Everything a partner service or page may write, to compare before and after a refused call."""
    return {
        "partnerships": [
            {**model_to_dict(p), "products": sorted(p.products.values_list("pk", flat=True))}
            for p in Partnership.objects.order_by("pk")
        ],
        "memberships": sorted(Membership.objects.values_list("pk", "user_id", "organization_id", "role")),
        "organizations": sorted(Organization.objects.values_list("pk", "name", "is_referenced_partner")),
        "profiles": PartnerProfile.objects.count(),
        "products": sorted(Product.objects.values_list("pk", "organization_id")),
        "audit_events": AuditEvent.objects.count(),
        "mails": MailboxMessage.objects.count(),
    }


def only_event(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, f"expected one {action} event, found {len(events)}"
    return events[0]


def legal_representative_of(organization: Organization):
    return (
        Membership.objects.filter(organization=organization, role=Role.LEGAL_REPRESENTATIVE)
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )


def log_of(organization: Organization) -> list[AuditEvent]:
    """The organization's activity log, as its legal representative reads it."""
    access = resolve_access(legal_representative_of(organization), organization)
    assert access is not None
    assert access.partnership is None
    return list(audit_events_visible_to(access))


def assert_in_both_logs(event: AuditEvent, client_org: Organization, partner_org: Organization) -> None:
    assert event in log_of(client_org), f"{event.action} is missing from the client's activity log"
    assert event in log_of(partner_org), f"{event.action} is missing from the partner's activity log"


def mails() -> list[MailboxMessage]:
    return list(MailboxMessage.objects.order_by("pk"))


def mails_to(email: str) -> list[MailboxMessage]:
    return list(MailboxMessage.objects.filter(recipients__contains=f",{email.lower()},").order_by("pk"))
