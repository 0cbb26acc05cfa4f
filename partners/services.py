"""Every state change of the partner program: profiles, invitations, acceptance, who pays, stop.

The state machine of a partnership:

    pending ──accept──▶ active ──stop──▶ stopped
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

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
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
    GRANTABLE_FOR_REQUEST,
    PARTNER_MAY_PAY,
    InitiatedBy,
    PartnerProfile,
    Partnership,
    PaymentMethod,
    Status,
)
from partners.models import (
    Access as AccessLevel,
)

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


def _lock(partnership: Partnership) -> Partnership:
    return Partnership.objects.select_for_update().select_related("client", "partner").get(pk=partnership.pk)


def is_stale(partnership: Partnership) -> bool:
    return partnership.invitation_sent_at + invitation_max_age() < timezone.now()


def _create_pending(
    *, client, partner, by, initiated_by, access_level, products, payment_method
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
    )
    _audit(
        access,
        partnership,
        "partnership.invited",
        {"access": access_level, "payment_method": payment_method, "products": [p.pk for p in products]},
    )
    _send_invitation(partnership, sent_by=access.user)
    return partnership


CLIENT_REQUEST_SENT = gettext_lazy(
    "If this address belongs to a legal representative, they will receive your request."
)


@transaction.atomic
def partnership_request(
    *, access: Access, client_email: str, access_level: str, payment_method: str = PaymentMethod.CLIENT
) -> None:
    """A partner's legal representative asks a client for access ("Add a client"), by the client's email.

    The answer (`CLIENT_REQUEST_SENT`) must not tell whether the address belongs to a legal representative:
    only the terms are checked here, and the address is looked up in the background
    (`partnership_request_deliver`), so every address costs the same one queued task, whatever it matches."""
    from partners.tasks import deliver_client_request  # the tasks module imports this one

    _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)
    access_level, _no_products, payment_method = _clean_terms(
        client=None,
        access_level=access_level,
        products=[],
        payment_method=payment_method,
        products_required=False,
    )
    enqueue_with_transaction(
        deliver_client_request,
        partner_id=access.organization.pk,
        user_id=access.user.pk,
        client_email=(client_email or "").strip().lower(),
        access_level=access_level,
        payment_method=payment_method,
    )


@transaction.atomic
def partnership_request_deliver(
    *, partner: Organization, by: User, client_email: str, access_level: str, payment_method: str
) -> Partnership | None:
    """Send a partner's request to the one organization whose legal representative has this address. Nothing
    is created, and no one told, when none or several match or a partnership is already pending or active
    (the partner's legal representative can see that one)."""
    access = resolve_access(by, partner)
    if access is None or not access.can(Permission.MANAGE_CLIENTS):
        return None  # the requester lost the right meanwhile
    clients = list(
        Organization.objects.filter(
            memberships__user__email__iexact=client_email, memberships__role=Role.LEGAL_REPRESENTATIVE
        )
        .exclude(pk=partner.pk)
        .distinct()[:2]
    )
    if len(clients) != 1:
        return None
    [client] = clients
    access_level, _no_products, payment_method = _clean_terms(
        client=client,
        access_level=access_level,
        products=[],
        payment_method=payment_method,
        products_required=False,
    )
    try:
        partnership = _create_pending(
            client=client,
            partner=partner,
            by=by,
            initiated_by=InitiatedBy.PARTNER,
            access_level=access_level,
            products=[],
            payment_method=payment_method,
        )
    except ValidationError:
        return None  # already pending or active
    _audit(
        access,
        partnership,
        "partnership.requested",
        {"access": access_level, "payment_method": payment_method},
    )
    _send_invitation(partnership, sent_by=by)
    return partnership


def require_sender(access: Access, partnership: Partnership) -> None:
    """Resend and delete belong to the side that sent the invitation."""
    if partnership.initiated_by == InitiatedBy.CLIENT:
        if access.organization.pk != partnership.client_id:
            raise PermissionDenied(_("Only the client that sent this invitation can change it."))
        _require(access, Permission.MANAGE_PARTNERS, ONLY_LEGAL_REPRESENTATIVE)
    else:
        if access.organization.pk != partnership.partner_id:
            raise PermissionDenied(_("Only the partner that sent this request can change it."))
        _require(access, Permission.MANAGE_CLIENTS, ONLY_PARTNER_LEGAL_REPRESENTATIVE)


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
    password: str = "",
    password_confirmed: bool = False,
) -> Partnership:
    """The invited side accepts. A client answering a partner's request may narrow what was asked: Limited
    instead of Full, the products to grant, and keeping its own wallet; granting Full access needs the
    password."""
    partnership = _lock(partnership)
    _require_answering_side(access, partnership)
    _require_pending(partnership)
    _require_fresh(partnership)
    changes = {}
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
        changes = {
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
    partnership.save(update_fields=["status", "access", "payment_method", "answered_at", "answered_by"])
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
    if partnership.status != Status.ACTIVE:
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
    if partnership.status != Status.ACTIVE:
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
