"""Every state change of the partner program: profiles, invitations, acceptance, who pays, stop.

The state machine of a partnership:

    pending ──accept──▶ active ──stop──▶ stopped
                          └──(its end date passed)──▶ ended
       │ ├──refuse──▶ refused
       │ ├──cancel──▶ cancelled   ("delete" the invitation, by the side that sent it)
       │ └──(link older than the limit)──▶ expired
       └──resend (new link, the old one dies)──▶ pending

Each service is keyword-only, runs in one transaction with the partnership row locked, checks the caller's
access, writes one audit event that both organizations see, and sends its emails once committed. Granting Full
access, changing who pays and stopping a collaboration need proof of the account password: `password`, or
`password_confirmed=True` from a caller that checked it (the console's and the API's password window). A move
the partnership's state refuses raises `InvalidTransition` (the API answers 409).
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_record
from core.background import enqueue_with_transaction
from core.errors import InvalidTransition
from core.notifications import email_on_commit
from core.sudo import require_password
from organizations.access import PARTNER_ACTING_ROLES, Access, Permission, resolve_access
from organizations.languages import organization_language
from organizations.models import Membership, Organization, Product, Role, User
from partners.invitations import invitation_max_age, invitation_path, new_nonce
from partners.models import (
    ASSIGNABLE_ROLES,
    GRANTABLE_FOR_REQUEST,
    PARTNER_MAY_PAY,
    BulkAction,
    BulkOutcome,
    BulkRun,
    BulkRunItem,
    ClientAssignment,
    ClientRequest,
    InitiatedBy,
    PartnerProfile,
    Partnership,
    PartnershipReminder,
    PartnerTeam,
    PaymentMethod,
    RequestStatus,
    Status,
    TransferCode,
)
from partners.models import (
    Access as AccessLevel,
)
from partners.selectors import pending_client_requests

# Reminders before a time-limited access ends, in days: each stage once per end date.
REMINDER_DAYS = (30, 7, 1)
KEEP = object()  # "leave as it is", where None means "no end"

ONLY_LEGAL_REPRESENTATIVE = gettext_lazy(
    "Only a legal representative of the organization can manage its partners."
)
ONLY_PARTNER_LEGAL_REPRESENTATIVE = gettext_lazy(
    "Only a legal representative of the partner organization can do this."
)
# Granting these needs the password: Full hands over the organization, Technical orders on the client's bill.
NEEDS_PASSWORD = (AccessLevel.FULL, AccessLevel.TECHNICAL)
ANSWER_REFUSED = gettext_lazy(
    "Only a legal representative or an administrator of the partner organization can answer."
)


def _require(access: Access, permission: Permission, message: str) -> None:
    if not access.can(permission):
        raise PermissionDenied(message)


def _audit(access: Access, partnership: Partnership, action: str, changes: dict | None = None) -> None:
    """One event in the acting side's log; the other side of the partnership sees it too."""
    counterparty = (
        partnership.partner if access.organization.pk == partnership.client_id else partnership.client
    )
    audit_record(
        actor=access.user,
        organization=access.organization,
        counterparty=counterparty,
        action=action,
        target=partnership,
        changes=changes,
    )


def _emails_of(organization: Organization, roles) -> list[str]:
    return list(
        Membership.objects.filter(organization=organization, role__in=roles, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def partner_recipients(partnership: Partnership) -> list[str]:
    """The partner's contact address and its legal representatives and administrators."""
    addresses = _emails_of(partnership.partner, [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR])
    profile = getattr(partnership.partner, "partner_profile", None)
    if profile is not None and profile.contact_email.lower() not in addresses:
        addresses.insert(0, profile.contact_email.lower())
    return addresses


def client_recipients(partnership: Partnership) -> list[str]:
    return _emails_of(partnership.client, [Role.LEGAL_REPRESENTATIVE])


def _languages_of_sides(partnership: Partnership) -> dict[str, str]:
    """An address whose account has no language (the partner's contact address, say) reads the language of
    its side's organization."""
    client_language = organization_language(partnership.client)
    partner_language = organization_language(partnership.partner)
    return {
        **{address: client_language for address in client_recipients(partnership)},
        **{address: partner_language for address in partner_recipients(partnership)},
    }


def _email_context(partnership: Partnership, **extra) -> dict:
    # The labels themselves, not `get_..._display()`: each email is rendered in its recipient's language.
    return {
        "client": partnership.client.name,
        "partner": partnership.partner.name,
        "access": AccessLevel(partnership.access).label,
        "payment_method": PaymentMethod(partnership.payment_method).label,
        "products": [str(product) for product in partnership.products.all()],
        "ends_at": partnership.ends_at,
        **extra,
    }


def _send_invitation(partnership: Partnership, *, sent_by: User) -> None:
    context = _email_context(
        partnership,
        sent_by=sent_by.get_full_name(),
        link=invitation_path(partnership),
        valid_days=settings.PARTNER_INVITATION_MAX_AGE_DAYS,
    )
    if partnership.initiated_by == InitiatedBy.CLIENT:
        email_on_commit(
            to=partner_recipients(partnership),
            template="partnership_invitation",
            context=context,
            fallback_language=_languages_of_sides(partnership),
        )
    else:
        email_on_commit(
            to=client_recipients(partnership),
            template="partnership_request",
            context=context,
            fallback_language=_languages_of_sides(partnership),
        )


def _clean_terms(
    *, client: Organization | None, access_level: str, products, payment_method: str, products_required: bool
) -> tuple[str, list[Product], str]:
    errors = {}
    if access_level not in AccessLevel.values:
        errors["access"] = _("Choose an access: Limited, Full, Technical, Read-only or Billing.")
    if payment_method not in PaymentMethod.values:
        errors["payment_method"] = _("Choose who pays.")
    elif access_level in AccessLevel.values and access_level not in PARTNER_MAY_PAY:
        if payment_method == PaymentMethod.PARTNER:
            errors["payment_method"] = _("Only a partner with Full or Billing access can pay for the client.")
    elif access_level == AccessLevel.BILLING and payment_method != PaymentMethod.PARTNER:
        errors["payment_method"] = _(
            "Billing access is for a partner that pays: choose that the partner pays."
        )
    products = list(products or [])
    if access_level == AccessLevel.LIMITED:
        if any(product.organization_id != client.pk for product in products):
            errors["products"] = _("Choose products of the client organization.")
        elif products_required and not products:
            errors["products"] = _("Choose at least one product the partner may manage.")
    else:
        products = []
    if errors:
        raise ValidationError(errors)
    return access_level, products, payment_method


def clean_end(ends_at: datetime | None, *, field: str = "ends_at") -> datetime | None:
    """An end of access: none (no end), or a moment still ahead."""
    if ends_at is None:
        return None
    if not isinstance(ends_at, datetime):
        raise ValidationError({field: _("Enter a valid date.")})
    if timezone.is_naive(ends_at):
        ends_at = timezone.make_aware(ends_at)
    if ends_at <= timezone.now():
        raise ValidationError({field: _("Choose an end of access in the future, or no end.")})
    return ends_at


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _lock(partnership: Partnership) -> Partnership:
    return Partnership.objects.select_for_update().select_related("client", "partner").get(pk=partnership.pk)


def is_stale(partnership: Partnership) -> bool:
    return partnership.invitation_sent_at + invitation_max_age() < timezone.now()


def _create_pending(
    *, client, partner, by, initiated_by, access_level, products, payment_method, ends_at=None
) -> Partnership:
    # The caller named the other side: the partner (Add a partner) or the client's email (Add a client).
    field = "partner" if initiated_by == InitiatedBy.CLIENT else "client_email"
    duplicate = {field: _("There is already a pending invitation or an active partnership.")}
    if Partnership.objects.live().filter(client=client, partner=partner).exists():
        raise ValidationError(duplicate)
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                client=client,
                partner=partner,
                access=access_level,
                payment_method=payment_method,
                initiated_by=initiated_by,
                invitation_nonce=new_nonce(),
                created_by=by,
                ends_at=ends_at,
            )
    except IntegrityError:
        raise ValidationError(duplicate) from None
    partnership.products.set(products)
    return partnership


# Partner profiles


@transaction.atomic
def partner_profile_save(
    *,
    organization: Organization,
    by: User | None,
    public_name: str,
    contact_email: str,
    description: str = "",
    reseller_discount_rate=None,
    cashback_rate=None,
    is_listed: bool = True,
) -> PartnerProfile:
    """Make the organization a referenced partner (staff decide this), or update its directory entry."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    public_name = (public_name or "").strip()
    if not public_name:
        raise ValidationError({"public_name": _("Enter the name shown in the partner directory.")})
    defaults = {
        "public_name": public_name,
        "contact_email": (contact_email or "").strip().lower(),
        "country": organization.country.code,
        "description": description or "",
        "reseller_discount_rate": (
            settings.PARTNER_DEFAULT_RESELLER_DISCOUNT
            if reseller_discount_rate is None
            else reseller_discount_rate
        ),
        "cashback_rate": settings.PARTNER_DEFAULT_CASHBACK_RATE if cashback_rate is None else cashback_rate,
        "is_listed": is_listed,
    }
    existing = PartnerProfile.objects.filter(organization=organization).first()
    profile = existing or PartnerProfile(organization=organization)
    for field, value in defaults.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()
    if not organization.is_referenced_partner:
        organization.is_referenced_partner = True
        organization.save(update_fields=["is_referenced_partner"])
    audit_record(
        actor=by,
        organization=organization,
        action="partner_profile.saved",
        target=profile,
        changes={field: str(value) for field, value in defaults.items()},
    )
    return profile


# Invitations


@transaction.atomic
def partnership_invite(
    *,
    access: Access,
    partner: Organization,
    access_level: str,
    products=None,
    payment_method: str = PaymentMethod.CLIENT,
    ends_at: datetime | None = None,
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The client's legal representative invites a referenced partner (Partner → Add a partner); Full access
    hands over the organization, and maybe the wallet: the password first."""
    _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    client = access.organization
    if partner.pk == client.pk:
        raise ValidationError({"partner": _("An organization cannot be its own partner.")})
    listed = PartnerProfile.objects.filter(
        organization=partner, organization__is_referenced_partner=True, is_listed=True
    )
    if not listed.exists():
        raise ValidationError({"partner": _("Choose a partner from the directory of referenced partners.")})
    access_level, products, payment_method = _clean_terms(
        client=client,
        access_level=access_level,
        products=products,
        payment_method=payment_method,
        products_required=True,
    )
    ends_at = clean_end(ends_at)
    if access_level in NEEDS_PASSWORD:
        require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    partnership = _create_pending(
        client=client,
        partner=partner,
        by=access.user,
        initiated_by=InitiatedBy.CLIENT,
        access_level=access_level,
        products=products,
        payment_method=payment_method,
        ends_at=ends_at,
    )
    changes = {"access": access_level, "payment_method": payment_method, "products": [p.pk for p in products]}
    if ends_at is not None:
        changes["ends_at"] = _iso(ends_at)
    _audit(access, partnership, "partnership.invited", changes)
    _send_invitation(partnership, sent_by=access.user)
    return partnership


CLIENT_REQUEST_SENT = gettext_lazy(
    "If this address belongs to a legal representative, they will receive your request."
)


@transaction.atomic
def partnership_request(
    *,
    access: Access,
    client_email: str,
    access_level: str,
    payment_method: str = PaymentMethod.CLIENT,
    ends_at: datetime | None = None,
) -> ClientRequest:
    """A partner's legal representative asks a client for access ("Add a client"), by the client's email.

    Nothing the partner sees may tell whether the address belongs to a legal representative: the answer
    (`CLIENT_REQUEST_SENT`), the request recorded here (listed to the partner by the address it typed, pending
    until answered, deleted or expired) and the partner's activity log are the same for every address. Only
    the terms are checked here; the address is looked up in the background (`partnership_request_deliver`),
    so every address costs the same one queued task, whatever it matches."""
    from partners.tasks import deliver_client_request  # the tasks module imports this one

    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    access_level, _no_products, payment_method = _clean_terms(
        client=None,
        access_level=access_level,
        products=[],
        payment_method=payment_method,
        products_required=False,
    )
    ends_at = clean_end(ends_at)
    client_request = ClientRequest.objects.create(
        partner=access.organization,
        client_email=(client_email or "").strip().lower(),
        access=access_level,
        payment_method=payment_method,
        ends_at=ends_at,
        created_by=access.user,
    )
    _audit_request(access, client_request, "client_request.sent")
    enqueue_with_transaction(
        deliver_client_request, client_request_id=client_request.pk, user_id=access.user.pk
    )
    return client_request


def _audit_request(access: Access, client_request: ClientRequest, action: str) -> None:
    """An event of the partner's own log about its request, told by the address it typed."""
    audit_record(
        actor=access.user,
        organization=access.organization,
        action=action,
        target=client_request,
        changes={
            "client_email": client_request.client_email,
            "access": client_request.access,
            "payment_method": client_request.payment_method,
            **({"ends_at": _iso(client_request.ends_at)} if client_request.ends_at else {}),
        },
    )


@transaction.atomic
def partnership_request_deliver(*, client_request: ClientRequest, by: User) -> Partnership | None:
    """Send a partner's request to the one organization whose legal representative has its address, as a
    pending partnership that expires with the request. Nothing is created, and no one told, when none or
    several match, a partnership is already pending or active, or the request is no longer pending: the
    request then simply expires. What this does is recorded in the client's log only (`client_request.*`
    events, which the partner's log does not show): the partner's view stays the same either way."""
    client_request = ClientRequest.objects.select_for_update().get(pk=client_request.pk)
    partner = client_request.partner
    if client_request.status != RequestStatus.PENDING or client_request.partnership_id is not None:
        return None
    access = resolve_access(by, partner)
    if access is None or not access.can(Permission.MANAGE_CLIENTS):
        return None  # the requester lost the right meanwhile
    clients = list(
        Organization.objects.filter(
            memberships__user__email__iexact=client_request.client_email,
            memberships__role=Role.LEGAL_REPRESENTATIVE,
        )
        .exclude(pk=partner.pk)
        .distinct()[:2]
    )
    if len(clients) != 1:
        return None
    [client] = clients
    access_level, _no_products, payment_method = _clean_terms(
        client=client,
        access_level=client_request.access,
        products=[],
        payment_method=client_request.payment_method,
        products_required=False,
    )
    try:
        ends_at = clean_end(client_request.ends_at)  # the end may have passed while the request was queued
        partnership = _create_pending(
            client=client,
            partner=partner,
            by=by,
            initiated_by=InitiatedBy.PARTNER,
            access_level=access_level,
            products=[],
            payment_method=payment_method,
            ends_at=ends_at,
        )
    except ValidationError:
        return None  # already pending or active, or its end passed while queued
    partnership.invitation_sent_at = client_request.sent_at  # it expires with the request
    partnership.save(update_fields=["invitation_sent_at"])
    client_request.partnership = partnership
    client_request.save(update_fields=["partnership"])
    _audit_for_client(partnership, "client_request.received", actor=by)
    _send_invitation(partnership, sent_by=by)
    return partnership


def _audit_for_client(partnership: Partnership, action: str, *, actor: User | None) -> None:
    """An event about a partner's request, for the client's log only: the partner's log does not show the
    other side's `client_request.*` events (it has its own, about the address it typed)."""
    audit_record(
        actor=actor,
        organization=partnership.client,
        counterparty=partnership.partner,
        action=action,
        target=partnership,
        changes={"access": partnership.access, "payment_method": partnership.payment_method},
    )


def require_request_sender(access: Access, client_request: ClientRequest) -> None:
    if access.organization.pk != client_request.partner_id:
        raise PermissionDenied(_("Only the partner that sent this request can change it."))
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)


def require_request_pending(client_request: ClientRequest) -> None:
    status = client_request.status
    if status != RequestStatus.PENDING:
        wordings = {
            RequestStatus.ACCEPTED: _("This request is accepted, no longer pending."),
            RequestStatus.REFUSED: _("This request is refused, no longer pending."),
            RequestStatus.CANCELLED: _("This request is deleted, no longer pending."),
            RequestStatus.EXPIRED: _("This request is expired, no longer pending."),
        }
        raise InvalidTransition(wordings[status])


def _lock_request(client_request: ClientRequest) -> ClientRequest:
    """The request, and the partnership it made if any, locked (each on its own: PostgreSQL locks no row
    of the nullable side of an outer join)."""
    client_request = ClientRequest.objects.select_for_update().get(pk=client_request.pk)
    if client_request.partnership_id is not None:
        client_request.partnership = Partnership.objects.select_for_update().get(
            pk=client_request.partnership_id
        )
    return client_request


@transaction.atomic
def client_request_resend(*, access: Access, client_request: ClientRequest) -> ClientRequest:
    """Send the request again with a fresh link (to the client, when its address matched); every link sent
    before stops working, and the request is pending for the full time again."""
    client_request = _lock_request(client_request)
    require_request_sender(access, client_request)
    require_request_pending(client_request)
    client_request.sent_at = timezone.now()
    client_request.save(update_fields=["sent_at"])
    partnership = client_request.partnership
    if partnership is not None and partnership.status == Status.PENDING:
        partnership.invitation_nonce = new_nonce()
        partnership.invitation_sent_at = client_request.sent_at
        partnership.save(update_fields=["invitation_nonce", "invitation_sent_at"])
        _send_invitation(partnership, sent_by=access.user)
    _audit_request(access, client_request, "client_request.resent")
    return client_request


@transaction.atomic
def client_request_cancel(*, access: Access, client_request: ClientRequest) -> ClientRequest:
    """Delete a pending request; it stays in the history as deleted (and the link sent, if any, stops
    working: the partnership it made is cancelled)."""
    client_request = _lock_request(client_request)
    require_request_sender(access, client_request)
    require_request_pending(client_request)
    client_request.cancelled_at = timezone.now()
    client_request.save(update_fields=["cancelled_at"])
    partnership = client_request.partnership
    if partnership is not None and partnership.status == Status.PENDING:
        _end(partnership, Status.CANCELLED, by=access.user)
        _audit_for_client(partnership, "client_request.withdrawn", actor=access.user)
    _audit_request(access, client_request, "client_request.cancelled")
    return client_request


def require_sender(access: Access, partnership: Partnership) -> None:
    """Resend and delete belong to the side that sent the invitation."""
    if partnership.initiated_by == InitiatedBy.CLIENT:
        if access.organization.pk != partnership.client_id:
            raise PermissionDenied(_("Only the client that sent this invitation can change it."))
        _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    else:
        # A partner changes its request as it sees it, by the address it typed (`client_request_*`).
        raise PermissionDenied(_("Only the partner that sent this request can change it."))


def _end(partnership: Partnership, status: str, *, by: User | None) -> None:
    partnership.status = status
    partnership.ended_at = timezone.now()
    partnership.ended_by = by
    partnership.save(update_fields=["status", "ended_at", "ended_by"])


def no_longer_pending(status: str) -> str:
    wordings = {
        Status.ACTIVE: _("This invitation is active, no longer pending."),
        Status.REFUSED: _("This invitation is refused, no longer pending."),
        Status.CANCELLED: _("This invitation is cancelled, no longer pending."),
        Status.STOPPED: _("This invitation is stopped, no longer pending."),
        Status.EXPIRED: _("This invitation is expired, no longer pending."),
        Status.ENDED: _("This invitation is ended, no longer pending."),
        Status.HANDOVER: _("This invitation is handed over, no longer pending."),
    }
    return wordings.get(status, _("This invitation is no longer pending."))


def _require_pending(partnership: Partnership) -> None:
    if partnership.status != Status.PENDING:
        raise InvalidTransition(no_longer_pending(partnership.status))


@transaction.atomic
def partnership_resend(*, access: Access, partnership: Partnership) -> Partnership:
    """Send the invitation again with a fresh link; every link sent before stops working."""
    partnership = _lock(partnership)
    require_sender(access, partnership)
    _require_pending(partnership)
    partnership.invitation_nonce = new_nonce()
    partnership.invitation_sent_at = timezone.now()
    partnership.save(update_fields=["invitation_nonce", "invitation_sent_at"])
    _audit(access, partnership, "partnership.resent")
    _send_invitation(partnership, sent_by=access.user)
    return partnership


@transaction.atomic
def partnership_cancel(*, access: Access, partnership: Partnership) -> Partnership:
    """Delete a pending invitation; it stays in the history as cancelled."""
    partnership = _lock(partnership)
    require_sender(access, partnership)
    _require_pending(partnership)
    _end(partnership, Status.CANCELLED, by=access.user)
    _audit(access, partnership, "partnership.cancelled")
    return partnership


def _require_answering_side(access: Access, partnership: Partnership) -> None:
    if partnership.initiated_by == InitiatedBy.CLIENT:
        if access.organization.pk != partnership.partner_id:
            raise PermissionDenied(_("This invitation is addressed to another organization."))
        _require(access, Permission.ANSWER_INVITATIONS, ANSWER_REFUSED)
    else:
        if access.organization.pk != partnership.client_id:
            raise PermissionDenied(_("This request is addressed to another organization."))
        _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)


def _require_fresh(partnership: Partnership) -> None:
    if is_stale(partnership):
        raise InvalidTransition(_("This invitation has expired. Ask for a new one to be sent."))


def _expire_if_stale(partnership: Partnership) -> None:
    if partnership.status == Status.PENDING and is_stale(partnership):
        _end(partnership, Status.EXPIRED, by=None)
        if partnership.initiated_by == InitiatedBy.PARTNER:
            # The partner sees its request expire by its own date, as every request it sent whatever the
            # address: the client's log only.
            _audit_for_client(partnership, "client_request.expired", actor=None)
            return
        audit_record(
            actor=None,
            organization=partnership.client,
            counterparty=partnership.partner,
            action="partnership.expired",
            target=partnership,
        )


def _close_external_memberships(access: Access, partnership: Partnership) -> list[str]:
    """Partner users who were external users of the client are now covered by the partnership."""
    partner_users = Membership.objects.filter(
        organization_id=partnership.partner_id,
        role__in=PARTNER_ACTING_ROLES,
    ).values("user_id")
    externals = list(
        Membership.objects.filter(
            organization_id=partnership.client_id, role=Role.EXTERNAL, user_id__in=partner_users
        ).select_related("user")
    )
    for membership in externals:
        audit_record(
            actor=access.user,
            organization=partnership.client,
            counterparty=partnership.partner,
            action="membership.covered_by_partnership",
            target=membership,
            changes={"email": membership.user.email, "role": [Role.EXTERNAL.value, "partner"]},
        )
        membership.delete()
    return [membership.user.email for membership in externals]


@transaction.atomic
def partnership_accept(
    *,
    access: Access,
    partnership: Partnership,
    access_level: str | None = None,
    products=None,
    payment_method: str | None = None,
    ends_at=KEEP,
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The invited side accepts. A client answering a partner's request may narrow what was asked: Limited
    instead of Full, the products to grant, and keeping its own wallet; granting Full access needs the
    password. The client may also set the end of access (`ends_at`: a moment, or None for no end); an
    invitation whose proposed end has passed can no longer be accepted."""
    partnership = _lock(partnership)
    _require_answering_side(access, partnership)
    _require_pending(partnership)
    _require_fresh(partnership)
    changes = {}
    if ends_at is not KEEP:
        if partnership.initiated_by != InitiatedBy.PARTNER:
            raise ValidationError({"ends_at": _("A partner accepts the invitation as the client sent it.")})
        new_end = clean_end(ends_at)
        if new_end != partnership.ends_at:
            changes["ends_at"] = [_iso(partnership.ends_at), _iso(new_end)]
        partnership.ends_at = new_end
    elif partnership.ends_at is not None and partnership.ends_at <= timezone.now():
        raise InvalidTransition(_("The end of access proposed in this invitation has passed."))
    if partnership.initiated_by == InitiatedBy.PARTNER:
        new_access = access_level or partnership.access
        new_payment = payment_method or partnership.payment_method
        if new_access not in GRANTABLE_FOR_REQUEST.get(partnership.access, ()):
            raise ValidationError(
                {
                    "access": _("The partner asked for %(access)s access; you can grant that or less.")
                    % {"access": partnership.get_access_display()}
                }
            )
        if partnership.payment_method == PaymentMethod.CLIENT and new_payment == PaymentMethod.PARTNER:
            raise ValidationError({"payment_method": _("The partner did not offer to pay; you keep paying.")})
        new_access, new_products, new_payment = _clean_terms(
            client=partnership.client,
            access_level=new_access,
            products=products,
            payment_method=new_payment if new_access in PARTNER_MAY_PAY else PaymentMethod.CLIENT,
            products_required=True,
        )
        if new_access in NEEDS_PASSWORD:
            require_password(user=access.user, password=password, password_confirmed=password_confirmed)
        changes |= {
            "access": [partnership.access, new_access],
            "payment_method": [partnership.payment_method, new_payment],
            "products": [product.pk for product in new_products],
        }
        partnership.access = new_access
        partnership.payment_method = new_payment
        partnership.products.set(new_products)
    elif access_level is not None or products is not None or payment_method is not None:
        raise ValidationError({"access": _("A partner accepts the invitation as the client sent it.")})
    partnership.status = Status.ACTIVE
    partnership.answered_at = timezone.now()
    partnership.answered_by = access.user
    partnership.save(
        update_fields=["status", "access", "payment_method", "answered_at", "answered_by", "ends_at"]
    )
    covered = _close_external_memberships(access, partnership)
    if covered:
        changes["external_users_now_covered"] = covered
    _audit(access, partnership, "partnership.accepted", changes)
    context = _email_context(partnership, answered_by=access.user.get_full_name(), covered=covered)
    email_on_commit(
        to=client_recipients(partnership) + partner_recipients(partnership),
        template="partnership_accepted",
        context=context,
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnership_refuse(*, access: Access, partnership: Partnership) -> Partnership:
    partnership = _lock(partnership)
    _require_answering_side(access, partnership)
    _require_pending(partnership)
    _require_fresh(partnership)
    partnership.status = Status.REFUSED
    partnership.answered_at = timezone.now()
    partnership.answered_by = access.user
    partnership.save(update_fields=["status", "answered_at", "answered_by"])
    _audit(access, partnership, "partnership.refused")
    sender = (
        client_recipients(partnership)
        if partnership.initiated_by == InitiatedBy.CLIENT
        else partner_recipients(partnership)
    )
    email_on_commit(
        to=sender,
        template="partnership_refused",
        context=_email_context(partnership, answered_by=access.user.get_full_name()),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnership_change_payment_method(
    *,
    access: Access,
    partnership: Partnership,
    payment_method: str,
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The client decides who pays orders and renewals from now on, confirmed with the account password;
    issued invoices never change."""
    partnership = _lock(partnership)
    if access.organization.pk != partnership.client_id:
        raise PermissionDenied(_("Only the client decides who pays."))
    _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    if partnership.status != Status.ACTIVE or partnership.has_ended:
        raise InvalidTransition(_("Only an active partnership has a payment method to change."))
    if payment_method not in PaymentMethod.values:
        raise ValidationError({"payment_method": _("Choose who pays.")})
    if partnership.access not in PARTNER_MAY_PAY and payment_method == PaymentMethod.PARTNER:
        raise ValidationError(
            {"payment_method": _("Only a partner with Full or Billing access can pay for the client.")}
        )
    if partnership.access == AccessLevel.BILLING and payment_method != PaymentMethod.PARTNER:
        raise ValidationError(
            {
                "payment_method": _(
                    "A partner with Billing access pays for you; change its access before you pay yourself."
                )
            }
        )
    if payment_method == partnership.payment_method:
        return partnership
    previous = partnership.payment_method
    partnership.payment_method = payment_method
    partnership.payment_method_changed_at = timezone.now()
    partnership.save(update_fields=["payment_method", "payment_method_changed_at"])
    _audit(
        access,
        partnership,
        "partnership.payment_method_changed",
        {"payment_method": [previous, payment_method]},
    )
    email_on_commit(
        to=partner_recipients(partnership),
        template="partnership_payment_method_changed",
        context=_email_context(
            partnership, changed_by=access.user.get_full_name(), previous=PaymentMethod(previous).label
        ),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnership_change_access(
    *,
    access: Access,
    partnership: Partnership,
    access_level: str,
    products=None,
    payment_method: str | None = None,
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The client's legal representative changes what an active partner may do (its role for this client)
    and, with it, the granted products (Limited) and who pays when the new access decides it: a partner that
    may not pay under the new access stops paying; Billing access needs the partner to pay. Granting Full or
    Technical access, or changing who pays, needs the password. The partner is told by email."""
    partnership = _lock(partnership)
    if access.organization.pk != partnership.client_id:
        raise PermissionDenied(_("Only the client decides what its partner may do."))
    _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    if partnership.status != Status.ACTIVE:
        raise InvalidTransition(_("Only an active partnership has an access to change."))
    if payment_method is None:
        payment_method = partnership.payment_method
        if access_level not in PARTNER_MAY_PAY:
            payment_method = PaymentMethod.CLIENT
    new_access, new_products, new_payment = _clean_terms(
        client=partnership.client,
        access_level=access_level,
        products=products,
        payment_method=payment_method,
        products_required=True,
    )
    old_products = sorted(partnership.products.values_list("pk", flat=True))
    if (
        new_access == partnership.access
        and new_payment == partnership.payment_method
        and sorted(p.pk for p in new_products) == old_products
    ):
        return partnership
    if (new_access in NEEDS_PASSWORD and new_access != partnership.access) or (
        new_payment != partnership.payment_method
    ):
        require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    changes = {
        "access": [partnership.access, new_access],
        "products": sorted(p.pk for p in new_products),
    }
    previous_access = AccessLevel(partnership.access).label
    partnership.access = new_access
    update_fields = ["access"]
    if new_payment != partnership.payment_method:
        changes["payment_method"] = [partnership.payment_method, new_payment]
        partnership.payment_method = new_payment
        partnership.payment_method_changed_at = timezone.now()
        update_fields += ["payment_method", "payment_method_changed_at"]
    partnership.save(update_fields=update_fields)
    partnership.products.set(new_products)
    _audit(access, partnership, "partnership.access_changed", changes)
    email_on_commit(
        to=partner_recipients(partnership),
        template="partnership_access_changed",
        context=_email_context(
            partnership, changed_by=access.user.get_full_name(), previous_access=previous_access
        ),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnership_assign_members(
    *, access: Access, partnership: Partnership, members_only: bool, membership_ids=(), team_ids=()
) -> Partnership:
    """A legal representative of the partner chooses who of its people acts for one client: every member
    (the default), or its legal representatives, the administrators and users assigned here
    (`membership_ids`, memberships of the partner organization) and the members of the teams assigned
    (`team_ids`). The others lose the client at once; the newly assigned members are told by email.
    Written in the partner's log only: the client sees nothing of how its partner staffs it."""
    partnership = _lock(partnership)
    if access.organization.pk != partnership.partner_id:
        raise PermissionDenied(_("Only the partner decides which of its members act for a client."))
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    if partnership.status != Status.ACTIVE or partnership.has_ended:
        raise InvalidTransition(_("Only an active partnership has members to assign."))
    wanted = {int(pk) for pk in membership_ids} if members_only else set()
    memberships = list(
        Membership.objects.filter(
            organization_id=partnership.partner_id, role__in=ASSIGNABLE_ROLES, pk__in=wanted
        ).select_related("user")
    )
    if len(memberships) != len(wanted):
        raise ValidationError(
            {
                "members": _("Choose administrators or users of %(partner)s.")
                % {"partner": partnership.partner}
            }
        )
    wanted_teams = {int(pk) for pk in team_ids} if members_only else set()
    teams = list(PartnerTeam.objects.filter(organization_id=partnership.partner_id, pk__in=wanted_teams))
    if len(teams) != len(wanted_teams):
        raise ValidationError({"teams": _("Choose teams of %(partner)s.") % {"partner": partnership.partner}})
    assigned = set(partnership.assignments.values_list("membership_id", flat=True))
    assigned_teams = set(partnership.assigned_teams.values_list("pk", flat=True))
    if (members_only, wanted, wanted_teams) == (partnership.assigned_members_only, assigned, assigned_teams):
        return partnership
    partnership.assigned_teams.set(teams)
    partnership.assignments.exclude(membership_id__in=wanted).delete()
    added = [membership for membership in memberships if membership.pk not in assigned]
    ClientAssignment.objects.bulk_create(
        ClientAssignment(partnership=partnership, membership=membership, assigned_by=access.user)
        for membership in added
    )
    partnership.assigned_members_only = members_only
    partnership.save(update_fields=["assigned_members_only"])
    audit_record(
        actor=access.user,
        organization=access.organization,
        action="partnership_assignment.changed",
        target=partnership,
        changes={
            "client": partnership.client.name,
            "assigned_members_only": members_only,
            "members": sorted(membership.user.email for membership in memberships),
            "teams": sorted(team.name for team in teams),
        },
    )
    if members_only and added:
        email_on_commit(
            to=[membership.user.email for membership in added if membership.user.is_active],
            template="client_assigned",
            context={
                "client": partnership.client.name,
                "partner": partnership.partner.name,
                "assigned_by": access.user.get_full_name(),
            },
            fallback_language=organization_language(partnership.partner),
        )
    return partnership


def _team_members(partner: Organization, membership_ids) -> list[Membership]:
    wanted = {int(pk) for pk in membership_ids}
    memberships = list(
        Membership.objects.filter(
            organization=partner, role__in=PARTNER_ACTING_ROLES, pk__in=wanted
        ).select_related("user")
    )
    if len(memberships) != len(wanted):
        raise ValidationError(
            {"members": _("Choose members of %(partner)s who act for its clients.") % {"partner": partner}}
        )
    return memberships


@transaction.atomic
def partner_team_save(
    *, access: Access, team: PartnerTeam | None = None, name: str, membership_ids=()
) -> PartnerTeam:
    """Create a team of the partner's members (`team` None) or change its name and members; the teams'
    clients follow their members at once. Legal representatives of the partner."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    partner = access.organization
    if team is not None:
        team = PartnerTeam.objects.select_for_update().get(pk=team.pk, organization=partner)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the team.")})
    same_name = PartnerTeam.objects.filter(organization=partner, name__iexact=name)
    if team is not None:
        same_name = same_name.exclude(pk=team.pk)
    if same_name.exists():
        raise ValidationError(
            {"name": _("Your organization already has a team named %(name)s.") % {"name": name}}
        )
    memberships = _team_members(partner, membership_ids)
    action = "partner_team.created" if team is None else "partner_team.changed"
    if team is None:
        team = PartnerTeam.objects.create(organization=partner, name=name)
    else:
        team.name = name
        team.save(update_fields=["name"])
    team.members.set(memberships)
    audit_record(
        actor=access.user,
        organization=partner,
        action=action,
        target=team,
        changes={"name": name, "members": sorted(membership.user.email for membership in memberships)},
    )
    return team


@transaction.atomic
def partner_team_delete(*, access: Access, team: PartnerTeam) -> None:
    """Delete a team: its members keep the clients assigned to them directly, not the team's."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    team = PartnerTeam.objects.select_for_update().get(pk=team.pk, organization=access.organization)
    audit_record(
        actor=access.user,
        organization=access.organization,
        action="partner_team.deleted",
        target=team,
        changes={"name": team.name},
    )
    team.delete()


@transaction.atomic
def partnership_stop(
    *, access: Access, partnership: Partnership, password: str = "", password_confirmed: bool = False
) -> Partnership:
    """Stop Collaboration, from either side, confirmed with the account password (or within the window in
    which it was just confirmed). Access ends at once; products, invoices and history stay where they are."""
    partnership = _lock(partnership)
    if access.organization.pk == partnership.client_id:
        _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    elif access.organization.pk == partnership.partner_id:
        _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    else:
        raise PermissionDenied(_("This partnership belongs to other organizations."))
    require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    if partnership.status != Status.ACTIVE or partnership.has_ended:
        raise InvalidTransition(_("Only an active partnership can be stopped."))
    _end(partnership, Status.STOPPED, by=access.user)
    side = "client" if access.organization.pk == partnership.client_id else "partner"
    _audit(access, partnership, "partnership.stopped", {"stopped_by": side})
    email_on_commit(
        to=client_recipients(partnership) + partner_recipients(partnership),
        template="partnership_stopped",
        context=_email_context(partnership, stopped_by=access.organization.name),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnerships_expire_stale() -> int:
    """Mark pending invitations whose links have expired (a periodic task; answering checks it too)."""
    stale = Partnership.objects.select_for_update().filter(
        status=Status.PENDING, invitation_sent_at__lt=timezone.now() - invitation_max_age()
    )
    count = 0
    for partnership in stale.select_related("client", "partner"):
        _expire_if_stale(partnership)
        count += 1
    return count


# Time-limited access


def _require_client_side(access: Access, partnership: Partnership) -> None:
    if access.organization.pk != partnership.client_id:
        raise PermissionDenied(_("Only the client decides how long its partner has access."))
    _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)


def _extends(previous: datetime | None, new: datetime | None) -> bool:
    if previous is None:
        return False
    return new is None or new > previous


def _require_running(partnership: Partnership) -> None:
    if partnership.status != Status.ACTIVE or partnership.has_ended:
        raise InvalidTransition(_("Only an active partnership has an end of access to change."))


@transaction.atomic
def partnership_change_end(
    *,
    access: Access,
    partnership: Partnership,
    ends_at: datetime | None,
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The client extends or shortens its partner's access, or lifts its end (`ends_at=None`). Ending access
    now is Stop Collaboration. Reminders start again for the new end. Extending Full access grants the
    organization for longer: the password first."""
    partnership = _lock(partnership)
    _require_client_side(access, partnership)
    _require_running(partnership)
    ends_at = clean_end(ends_at)
    if ends_at == partnership.ends_at:
        return partnership
    if partnership.access == AccessLevel.FULL and _extends(partnership.ends_at, ends_at):
        require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    previous = partnership.ends_at
    partnership.ends_at = ends_at
    partnership.save(update_fields=["ends_at"])
    _audit(access, partnership, "partnership.end_changed", {"ends_at": [_iso(previous), _iso(ends_at)]})
    email_on_commit(
        to=partner_recipients(partnership),
        template="partnership_end_changed",
        context=_email_context(partnership, changed_by=access.user.get_full_name(), previous=previous),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnership_request_renewal(
    *, access: Access, partnership: Partnership, until: datetime | None = None
) -> Partnership:
    """The partner asks its client to let its time-limited access go on, until `until` (None: with no end);
    the client answers it like a request (`partnership_answer_renewal`)."""
    partnership = _lock(partnership)
    if access.organization.pk != partnership.partner_id:
        raise PermissionDenied(_("Only the partner can ask for its access to be renewed."))
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    _require_running(partnership)
    if partnership.ends_at is None:
        raise InvalidTransition(_("This access has no end: there is nothing to renew."))
    until = clean_end(until, field="until")
    if until is not None and until <= partnership.ends_at:
        raise ValidationError({"until": _("Choose a date after the current end of access.")})
    partnership.renewal_requested_at = timezone.now()
    partnership.renewal_requested_by = access.user
    partnership.renewal_until = until
    partnership.save(update_fields=["renewal_requested_at", "renewal_requested_by", "renewal_until"])
    _audit(access, partnership, "partnership.renewal_requested", {"until": _iso(until)})
    email_on_commit(
        to=client_recipients(partnership),
        template="partnership_renewal_requested",
        context=_email_context(partnership, sent_by=access.user.get_full_name(), until=until),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


@transaction.atomic
def partnership_answer_renewal(
    *,
    access: Access,
    partnership: Partnership,
    accept: bool,
    ends_at=KEEP,
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The client accepts its partner's renewal request (as asked, or with another end: `ends_at`) or
    refuses it; either way the request is answered. Renewing Full access needs the password."""
    partnership = _lock(partnership)
    _require_client_side(access, partnership)
    _require_running(partnership)
    if partnership.renewal_requested_at is None:
        raise InvalidTransition(_("There is no renewal request to answer."))
    previous = partnership.ends_at
    if accept:
        new_end = clean_end(partnership.renewal_until if ends_at is KEEP else ends_at)
        if partnership.access == AccessLevel.FULL and _extends(previous, new_end):
            require_password(user=access.user, password=password, password_confirmed=password_confirmed)
        partnership.ends_at = new_end
    partnership.renewal_requested_at = None
    partnership.renewal_requested_by = None
    partnership.renewal_until = None
    partnership.save(
        update_fields=["ends_at", "renewal_requested_at", "renewal_requested_by", "renewal_until"]
    )
    if accept:
        _audit(
            access,
            partnership,
            "partnership.renewal_accepted",
            {"ends_at": [_iso(previous), _iso(partnership.ends_at)]},
        )
    else:
        _audit(access, partnership, "partnership.renewal_refused")
    email_on_commit(
        to=partner_recipients(partnership),
        template="partnership_renewal_answered",
        context=_email_context(partnership, accepted=accept, answered_by=access.user.get_full_name()),
        fallback_language=_languages_of_sides(partnership),
    )
    return partnership


def _end_one(partnership_id: int, now: datetime) -> bool:
    with transaction.atomic():
        partnership = (
            Partnership.objects.select_for_update()
            .select_related("client", "partner")
            .filter(pk=partnership_id)
            .first()
        )
        if (
            partnership is None
            or partnership.status != Status.ACTIVE
            or partnership.ends_at is None
            or partnership.ends_at > now
        ):
            return False  # another worker got there first, or the client moved the end meanwhile
        partnership.status = Status.ENDED
        partnership.ended_at = partnership.ends_at
        partnership.ended_by = None
        partnership.renewal_requested_at = None
        partnership.renewal_requested_by = None
        partnership.renewal_until = None
        partnership.save(
            update_fields=[
                "status",
                "ended_at",
                "ended_by",
                "renewal_requested_at",
                "renewal_requested_by",
                "renewal_until",
            ]
        )
        audit_record(
            actor=None,
            organization=partnership.client,
            counterparty=partnership.partner,
            action="partnership.ended",
            target=partnership,
            changes={"ends_at": _iso(partnership.ends_at)},
        )
        email_on_commit(
            to=client_recipients(partnership) + partner_recipients(partnership),
            template="partnership_ended",
            context=_email_context(partnership),
            fallback_language=_languages_of_sides(partnership),
        )
    return True


def partnerships_end_due(*, now: datetime | None = None) -> int:
    """Mark ended the active partnerships whose end has passed, one transaction each, with one event and
    one email to both sides. Access itself ended at that moment already (`Partnership.objects.active`): this
    only records it. Safe when two workers run it at once (the row lock and the second look)."""
    now = now or timezone.now()
    due = list(Partnership.objects.ended_unswept(now).order_by("ends_at", "pk").values_list("pk", flat=True))
    return sum(_end_one(pk, now) for pk in due)


def reminder_stage(ends_at: datetime, now: datetime) -> int | None:
    """The reminder due at `now` for access ending at `ends_at`: the closest stage reached (a grant made 5
    days before its end gets the 7-day reminder only), or None."""
    left = ends_at - now
    if left <= timedelta(0):
        return None
    reached = [days for days in REMINDER_DAYS if left <= timedelta(days=days)]
    return min(reached) if reached else None


def _remind_one(partnership_id: int, now: datetime) -> bool:
    with transaction.atomic():
        partnership = (
            Partnership.objects.active(at=now).select_related("client", "partner").filter(pk=partnership_id)
        ).first()
        if partnership is None or partnership.ends_at is None:
            return False
        stage = reminder_stage(partnership.ends_at, now)
        if stage is None:
            return False
        try:
            with transaction.atomic():
                PartnershipReminder.objects.create(
                    partnership=partnership, ends_at=partnership.ends_at, days_before=stage, sent_at=now
                )
        except IntegrityError:
            return False  # sent already (by this job earlier, or by another worker just now)
        email_on_commit(
            to=client_recipients(partnership) + partner_recipients(partnership),
            template="partnership_ending_reminder",
            context=_email_context(
                partnership, days=stage, renewal_requested=bool(partnership.renewal_requested_at)
            ),
            fallback_language=_languages_of_sides(partnership),
        )
    return True


def partnerships_send_end_reminders(*, now: datetime | None = None) -> int:
    """Email both sides 30, 7 and 1 days before a time-limited access ends, each reminder once per end date
    (a unique row per partnership, end and stage: two workers running it at once send it once)."""
    now = now or timezone.now()
    ending = (
        Partnership.objects.active(at=now)
        .filter(ends_at__lte=now + timedelta(days=max(REMINDER_DAYS)))
        .order_by("ends_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_remind_one(pk, now) for pk in list(ending))


# Handover between partners

TRANSFER_CODE_DAYS = 14
# Letters and digits that cannot be mistaken for one another when typed from a message.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 4


def _code_hash(code: str) -> str:
    normalized = "".join(character for character in (code or "").upper() if character.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def _new_code() -> str:
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _index in range(4)) for _group in range(CODE_GROUPS)
    )


@transaction.atomic
def partnership_transfer_code_create(
    *, access: Access, partnership: Partnership, password: str = "", password_confirmed: bool = False
) -> tuple[str, TransferCode]:
    """The client's legal representative creates a code for a new partner to take over this partnership
    (same access, products, who pays and end), valid `TRANSFER_CODE_DAYS` days. The code is returned once
    and only its hash is kept; a new code revokes the codes made before for this partnership."""
    partnership = _lock(partnership)
    if access.organization.pk != partnership.client_id:
        raise PermissionDenied(_("Only the client can hand its partnership over to another partner."))
    _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    if partnership.status != Status.ACTIVE or partnership.has_ended:
        raise InvalidTransition(_("Only an active partnership can be handed over."))
    now = timezone.now()
    TransferCode.objects.filter(
        partnership=partnership, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    code = _new_code()
    record = TransferCode.objects.create(
        partnership=partnership,
        code_hash=_code_hash(code),
        created_by=access.user,
        created_at=now,
        expires_at=now + timedelta(days=TRANSFER_CODE_DAYS),
    )
    _audit(access, partnership, "partnership.transfer_code_created", {"expires_at": _iso(record.expires_at)})
    return code, record


INVALID_CODE = gettext_lazy("This transfer code is not valid: check it, or ask the client for a new one.")


@transaction.atomic
def partnership_handover_accept(*, access: Access, code: str) -> Partnership:
    """A partner's legal representative enters a client's transfer code: in one transaction the client's
    partnership with its current partner ends (handed over) and one with this partner starts, with the same
    access, products, who pays and end. Of two acceptances at once, the first to lock the code wins."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    new_partner = access.organization
    if not new_partner.is_referenced_partner:
        raise PermissionDenied(_("Only a referenced partner can take over a client."))
    record = TransferCode.objects.select_for_update().filter(code_hash=_code_hash(code)).first()
    now = timezone.now()
    if record is None or record.revoked_at is not None:
        raise ValidationError({"code": INVALID_CODE})
    if record.used_at is not None:
        raise ValidationError({"code": _("This transfer code has already been used.")})
    if record.expires_at <= now:
        raise ValidationError({"code": _("This transfer code has expired; ask the client for a new one.")})
    old = _lock(record.partnership)
    if old.status != Status.ACTIVE or old.has_ended:
        raise InvalidTransition(_("This partnership is no longer active: ask the client for a new code."))
    if new_partner.pk in (old.partner_id, old.client_id):
        raise ValidationError({"code": _("This code is for another partner to take over the client.")})
    if Partnership.objects.live().filter(client_id=old.client_id, partner=new_partner).exists():
        raise ValidationError(
            {"code": _("You already have a pending invitation or an active partnership with this client.")}
        )
    old.status = Status.HANDOVER
    old.ended_at = now
    old.ended_by = access.user
    old.renewal_requested_at = old.renewal_requested_by = old.renewal_until = None
    old.save(
        update_fields=[
            "status",
            "ended_at",
            "ended_by",
            "renewal_requested_at",
            "renewal_requested_by",
            "renewal_until",
        ]
    )
    new = Partnership.objects.create(
        client=old.client,
        partner=new_partner,
        access=old.access,
        payment_method=old.payment_method,
        status=Status.ACTIVE,
        initiated_by=InitiatedBy.CLIENT,
        invitation_nonce=new_nonce(),
        created_by=record.created_by,
        created_at=now,
        invitation_sent_at=now,
        answered_at=now,
        answered_by=access.user,
        ends_at=old.ends_at,
    )
    new.products.set(old.products.all())
    record.used_at = now
    record.used_by = access.user
    record.new_partnership = new
    record.save(update_fields=["used_at", "used_by", "new_partnership"])
    covered = _close_external_memberships(access, new)
    terms = {
        "from_partner": old.partner.name,
        "access": old.access,
        "payment_method": old.payment_method,
        "products": [product.pk for product in new.products.all()],
        "ends_at": _iso(old.ends_at),
    }
    if covered:
        terms["external_users_now_covered"] = covered
    # One event in the client's log, which the new partner sees too; the former partner's own log says it
    # lost the client.
    audit_record(
        actor=access.user,
        organization=old.client,
        counterparty=new_partner,
        action="partnership.handed_over",
        target=new,
        changes=terms,
    )
    audit_record(
        actor=access.user,
        organization=old.partner,
        action="partnership.handed_over_away",
        target=old,
        changes={"client": old.client.name, "to_partner": new_partner.name},
    )
    context = _email_context(new, previous_partner=old.partner.name)
    email_on_commit(
        to=client_recipients(new) + partner_recipients(new) + partner_recipients(old),
        template="partnership_handed_over",
        context=context,
        fallback_language={**_languages_of_sides(new), **_languages_of_sides(old)},
    )
    return new


# Bulk actions of Managed Clients: one call per partnership, each in its own transaction, so that every
# client gets its own result (done, or why not) and one refusal stops nothing else.

BULK_MAX = 200


def _refusal_reason(refusal: ValidationError | PermissionDenied) -> str:
    reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
    return reason or _("Refused.")


def _each(partnerships, call) -> list[tuple[Partnership, str]]:
    """(partnership, "" when done, else the reason) for each partnership."""
    results = []
    for partnership in partnerships:
        try:
            call(partnership)
        except (ValidationError, PermissionDenied) as refusal:
            results.append((partnership, _refusal_reason(refusal)))
        else:
            results.append((partnership, ""))
    return results


def partnerships_stop_many(
    *, access: Access, partnerships, password: str = "", password_confirmed: bool = False
) -> list[tuple[Partnership, str]]:
    """Stop Collaboration with several clients at once, the password asked once for all of them."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    require_password(user=access.user, password=password, password_confirmed=password_confirmed)
    return _each(
        partnerships,
        lambda partnership: partnership_stop(access=access, partnership=partnership, password_confirmed=True),
    )


def partnerships_request_renewal_many(
    *, access: Access, partnerships, until: datetime | None
) -> list[tuple[Partnership, str]]:
    """Ask several clients at once to renew access that ends (access with no end is refused, by client)."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    return _each(
        partnerships,
        lambda partnership: partnership_request_renewal(access=access, partnership=partnership, until=until),
    )


@transaction.atomic
def client_requests_resend_all(*, access: Access) -> int:
    """Send again every request the partner sent that still waits for an answer, each with a fresh link;
    how many. The requests are the partner's as it typed them, so this tells nothing of which matched."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    pending = list(pending_client_requests(access).order_by("pk"))
    for client_request in pending:
        client_request_resend(access=access, client_request=client_request)
    return len(pending)


# Bulk runs: the same bulk actions carried out in the background, one client after another, with a page that
# shows how far they got. The password is checked once when the run starts; each client is then acted on in
# its own transaction, through the same services and with the starter's access as it is at that moment.


@transaction.atomic
def bulk_run_start(
    *,
    access: Access,
    action: str,
    partnerships,
    until: datetime | None = None,
    password: str = "",
    password_confirmed: bool = False,
) -> BulkRun:
    """Start Stop Collaboration (`action` "stop", the password asked once for all) or a renewal request
    (`action` "renewal", until `until`) for several managed clients; the work is done in the background."""
    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    if action not in BulkAction.values:
        raise ValidationError({"action": _("Choose Stop Collaboration or a renewal request.")})
    partnerships = list(partnerships)
    if not partnerships:
        raise ValidationError(_("No client matches: nothing was done."))
    if len(partnerships) > BULK_MAX:
        raise ValidationError(_("Choose at most %(count)s clients at a time.") % {"count": BULK_MAX})
    if any(partnership.partner_id != access.organization.pk for partnership in partnerships):
        raise PermissionDenied(_("This partnership belongs to other organizations."))
    if action == BulkAction.STOP:
        require_password(user=access.user, password=password, password_confirmed=password_confirmed)
        until = None
    else:
        until = clean_end(until, field="until")
    run = BulkRun.objects.create(
        organization=access.organization,
        action=action,
        until=until,
        created_by=access.user,
        language=translation.get_language() or "",
    )
    BulkRunItem.objects.bulk_create(
        BulkRunItem(run=run, partnership=partnership, client_name=partnership.client.name)
        for partnership in partnerships
    )
    from partners.tasks import run_bulk_action  # the tasks module imports this one

    enqueue_with_transaction(run_bulk_action, run_id=run.pk)
    return run


def _bulk_item_process(*, item_id: int, run: BulkRun) -> None:
    """Act on one client of the run, once: the item row is locked, and an item already processed (by an
    earlier attempt of the task) is left as it is."""
    with transaction.atomic():
        item = BulkRunItem.objects.select_for_update().filter(pk=item_id, outcome=BulkOutcome.PENDING).first()
        if item is None:
            return
        # Resolved again for every client: a starter who lost the right meanwhile acts on no one more.
        access = resolve_access(run.created_by, run.organization_id) if run.created_by else None
        try:
            if access is None or not access.can(Permission.MANAGE_CLIENTS):
                raise PermissionDenied(ONLY_PARTNER_LEGAL_REPRESENTATIVE)
            if run.action == BulkAction.STOP:
                partnership_stop(access=access, partnership=item.partnership, password_confirmed=True)
            else:
                partnership_request_renewal(access=access, partnership=item.partnership, until=run.until)
        except (ValidationError, PermissionDenied) as refusal:
            item.outcome = BulkOutcome.REFUSED
            item.reason = _refusal_reason(refusal)
        else:
            item.outcome = BulkOutcome.DONE
        item.processed_at = timezone.now()
        item.save(update_fields=["outcome", "reason", "processed_at"])


def bulk_run_process(*, run_id: int) -> BulkRun | None:
    """Carry out a bulk run (the background task): each client still waiting, one after another, each in its
    own transaction; one refusal stops nothing else. Safe to run again: what was done is not done twice."""
    run = BulkRun.objects.select_related("organization", "created_by").filter(pk=run_id).first()
    if run is None:
        return None
    with translation.override(run.language or None):
        pending = run.items.filter(outcome=BulkOutcome.PENDING).order_by("pk").values_list("pk", flat=True)
        for item_id in list(pending):
            _bulk_item_process(item_id=item_id, run=run)
    if run.finished_at is None:
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    return run
