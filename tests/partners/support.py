"""Helpers shared by the partner program's tests: what the database holds, the mailbox, both activity logs."""

from django.forms.models import model_to_dict
from django.utils import timezone

from compliance.selectors import audit_events_visible_to
from console.models import MailboxMessage
from core.models import AuditEvent
from organizations.access import resolve_access
from organizations.models import Membership, Organization, Product, Role
from partners.models import ClientRequest, PartnerProfile, Partnership
from tests.factories import PartnershipFactory


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


def bulk_managed_clients(partner: Organization, count: int, *, prefix: str = "Client") -> list[Organization]:
    """`count` active clients of `partner`, each with a legal representative and one product, in a few bulk
    inserts (Full access and the partner paying on odd numbers, Limited with the product granted on even)."""
    from django.utils import timezone

    from organizations.models import ProductType, User

    now = timezone.now()
    product_type = ProductType.objects.order_by("pk").first()
    clients = Organization.objects.bulk_create(
        Organization(name=f"{prefix} {number:04d}", entity_type="company", country="CH", currency="CHF")
        for number in range(count)
    )
    users = User.objects.bulk_create(
        User(email=f"owner{number}@{prefix.lower()}-{client.pk}.example", password="!")
        for number, client in enumerate(clients)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organization=client, role=Role.LEGAL_REPRESENTATIVE)
        for user, client in zip(users, clients, strict=True)
    )
    products = Product.objects.bulk_create(
        Product(organization=client, product_type=product_type, name=f"site-{client.pk}.example")
        for client in clients
    )
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            client=client,
            partner=partner,
            access="full" if number % 2 else "limited",
            payment_method="partner" if number % 2 else "client",
            status="active",
            invitation_nonce=f"{client.pk:032x}",
            answered_at=now,
        )
        for number, client in enumerate(clients)
    )
    Partnership.products.through.objects.bulk_create(
        Partnership.products.through(partnership=partnership, product=product)
        for partnership, product in zip(partnerships, products, strict=True)
        if partnership.access == "limited"
    )
    return clients


def sent_request(
    partner: Organization,
    client: Organization | None = None,
    *,
    email: str = "someone@example.com",
    sent_at=None,
    access: str = "full",
    partnership_status: str = "pending",
) -> ClientRequest:
    """A partner's "Add a client" request, as the services leave it: recorded with the address typed, and,
    when `client` is given (the address matched its legal representative), the pending partnership it made,
    which expires with it."""
    sent_at = sent_at or timezone.now()
    partnership = None
    if client is not None:
        partnership = PartnershipFactory(
            client=client,
            partner=partner,
            status=partnership_status,
            initiated_by="partner",
            access=access,
            invitation_sent_at=sent_at,
        )
    return ClientRequest.objects.create(
        partner=partner, client_email=email, access=access, sent_at=sent_at, partnership=partnership
    )
