"""Cashback payouts: a partner asks to pay out (part of) the cashback in its wallet to a bank account; staff
pay it out or refuse it.

The amount is held at the request: a ledger entry takes it out of the wallet at once, under the wallet's row
lock, so two requests at the same time queue and can never together take more than the wallet holds, and the
money cannot be spent on an order while staff decide. Paying out then moves no money (it left the wallet when
it was asked for); a refusal gives it back with a second entry. Each decision locks the payout row and reads
its status again, so a decision made twice (a double click, two staff members) counts once.

Only cashback is paid out: what was topped up by card stays in the wallet for orders. The payable amount is
the cashback credited (less reversals) less what was already held or paid out, and never more than the
balance.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import iban as iban_numbers
from stdnum.exceptions import ValidationError as NumberInvalid

from billing.models import EntryKind, LedgerEntry, Payout, PayoutStatus, Wallet
from billing.money import round_money
from billing.services import _move, wallet_of
from core.audit import audit_record
from core.notifications import email_on_commit
from organizations.access import Access, Permission
from organizations.languages import organization_language
from organizations.models import Membership, Organization, Role, User

HOLDER_MAX_LENGTH = Payout._meta.get_field("account_holder").max_length


def payable_amount(wallet: Wallet) -> Decimal:
    """What may still be paid out of `wallet`: its cashback less the payouts held or paid, at most its
    balance (read it under the wallet's lock when the answer decides a payout)."""
    if wallet.pk is None:
        return Decimal("0.00")
    totals = {
        row["kind"]: row["total"]
        for row in LedgerEntry.objects.filter(wallet=wallet, kind__in=[EntryKind.CASHBACK, EntryKind.PAYOUT])
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    cashback_left = (totals.get(EntryKind.CASHBACK) or Decimal("0")) + (
        totals.get(EntryKind.PAYOUT) or Decimal("0")
    )
    return round_money(max(Decimal("0"), min(wallet.balance, cashback_left)))


def masked_iban(compact: str) -> str:
    """The country, check digits and last four characters: enough to recognise the account."""
    return f"{compact[:4]} … {compact[-4:]}"


def _clean_iban(value: str) -> str:
    try:
        return iban_numbers.validate(value or "")
    except NumberInvalid:
        raise ValidationError(
            _("Enter a valid IBAN, e.g. CH93 0076 2011 6238 5295 7 (check the digits and the length).")
        ) from None


def _clean_amount(value) -> Decimal:
    try:
        amount = round_money(Decimal(str(value)))
    except (ArithmeticError, InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("Enter an amount such as 50.00.")) from None
    if not amount.is_finite():
        raise ValidationError(_("Enter an amount such as 50.00."))
    if amount <= 0:
        raise ValidationError(_("Enter an amount above zero."))
    return amount


def _partner_recipients(organization: Organization, requester: User | None) -> list[str]:
    addresses = list(
        Membership.objects.filter(
            organization=organization,
            role__in=[Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR],
            user__is_active=True,
        )
        .order_by("created_at", "pk")
        .values_list("user__email", flat=True)
    )
    if requester is not None and requester.email and requester.email not in addresses:
        addresses.insert(0, requester.email)
    return list(dict.fromkeys(address.lower() for address in addresses))


def _staff_recipients() -> list[str]:
    if settings.PAYOUT_STAFF_EMAILS:
        return list(settings.PAYOUT_STAFF_EMAILS)
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def _email_context(payout: Payout) -> dict:
    return {
        "organization": payout.organization.name,
        "amount": f"{payout.currency} {payout.amount}",
        "account": payout.iban_display,
        "holder": payout.account_holder,
        "reason": payout.refusal_reason,
        "requested_by": payout.requested_by.email if payout.requested_by else "",
        "payout_id": payout.pk,
    }


@transaction.atomic
def payout_request(*, access: Access, amount, iban: str, account_holder: str) -> Payout:
    """Ask to pay `amount` of the organization's cashback out to the account `iban` of `account_holder`.
    The amount leaves the wallet at once (held until staff decide)."""
    if not access.can(Permission.REQUEST_PAYOUTS):
        raise PermissionDenied(
            _("Only the legal representatives and administrators of a partner can request a payout.")
        )
    errors = {}
    try:
        amount = _clean_amount(amount)
    except ValidationError as error:
        errors["amount"] = error.messages
    try:
        iban = _clean_iban(iban)
    except ValidationError as error:
        errors["iban"] = error.messages
    account_holder = " ".join((account_holder or "").split())
    if not account_holder or len(account_holder) > HOLDER_MAX_LENGTH:
        errors["account_holder"] = [
            _("Enter the account holder's name as the bank knows it (at most %(count)s characters).")
            % {"count": HOLDER_MAX_LENGTH}
        ]
    if errors:
        raise ValidationError(errors)
    organization = access.organization
    wallet = Wallet.objects.select_for_update().get(pk=wallet_of(organization).pk)
    payable = payable_amount(wallet)
    if amount > payable:
        raise ValidationError(
            {
                "amount": _("At most %(payable)s of cashback can be paid out now.")
                % {"payable": f"{wallet.currency} {payable}"}
            }
        )
    hold = _move(
        wallet,
        amount=-amount,
        kind=EntryKind.PAYOUT,
        description=f"Cashback payout to {masked_iban(iban)}",
        by=access.user,
    )
    if hold is None:  # cannot happen under the lock: payable is at most the balance
        raise ValidationError({"amount": _("The balance does not cover this amount.")})
    payout = Payout.objects.create(
        organization=organization,
        currency=wallet.currency,
        amount=amount,
        iban=iban,
        account_holder=account_holder,
        requested_by=access.user,
        hold_entry=hold,
    )
    audit_record(
        actor=access.user,
        organization=organization,
        action="payout.requested",
        target=payout,
        changes={
            "amount": str(amount),
            "currency": wallet.currency,
            "account": masked_iban(iban),
            "balance": str(hold.balance_after),
        },
    )
    context = _email_context(payout)
    language = organization_language(organization)
    email_on_commit(
        to=_partner_recipients(organization, access.user),
        template="payout_requested",
        context=context,
        fallback_language=language,
    )
    staff = _staff_recipients()
    if staff:
        email_on_commit(to=staff, template="payout_requested_staff", context=context)
    return payout


def _decide(payout: Payout, *, by: User) -> Payout:
    if not by.is_staff:
        raise PermissionDenied(_("Only staff pay out or refuse payouts."))
    payout = (
        Payout.objects.select_for_update(of=("self",))
        .select_related("organization", "requested_by")
        .get(pk=payout.pk)
    )
    if payout.status != PayoutStatus.REQUESTED:
        raise ValidationError(
            _("This payout was already decided (%(status)s).") % {"status": payout.get_status_display()}
        )
    return payout


@transaction.atomic
def payout_approve(*, payout: Payout, by: User) -> Payout:
    """Staff confirm that the bank transfer is made: the payout is paid (its amount left the wallet at the
    request). Approving it again changes nothing and says so."""
    payout = _decide(payout, by=by)
    payout.status = PayoutStatus.PAID
    payout.decided_by = by
    payout.decided_at = timezone.now()
    payout.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=by,
        organization=payout.organization,
        action="payout.paid",
        target=payout,
        changes={"amount": str(payout.amount), "currency": payout.currency},
    )
    email_on_commit(
        to=_partner_recipients(payout.organization, payout.requested_by),
        template="payout_paid",
        context=_email_context(payout),
        fallback_language=organization_language(payout.organization),
    )
    return payout


@transaction.atomic
def payout_refuse(*, payout: Payout, by: User, reason: str) -> Payout:
    """Staff refuse a payout: its amount goes back to the wallet, the partner reads why."""
    payout = _decide(payout, by=by)
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise ValidationError({"reason": _("Say why the payout is refused; the partner reads it.")})
    release = _move(
        wallet_of(payout.organization),
        amount=payout.amount,
        kind=EntryKind.PAYOUT,
        description="Cashback payout refused: amount returned",
        by=by,
    )
    payout.status = PayoutStatus.REFUSED
    payout.decided_by = by
    payout.decided_at = timezone.now()
    payout.refusal_reason = reason
    payout.release_entry = release
    payout.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason", "release_entry"])
    audit_record(
        actor=by,
        organization=payout.organization,
        action="payout.refused",
        target=payout,
        changes={"amount": str(payout.amount), "currency": payout.currency, "reason": reason},
    )
    email_on_commit(
        to=_partner_recipients(payout.organization, payout.requested_by),
        template="payout_refused",
        context=_email_context(payout),
        fallback_language=organization_language(payout.organization),
    )
    return payout
