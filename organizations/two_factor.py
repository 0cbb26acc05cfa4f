"""Two-factor sign-in: authenticator apps (TOTP, django-otp), passkeys and security keys (WebAuthn) and
one-time recovery codes; the organization setting that makes members use one.

After the password, a user with a second factor gives a code from the app, a passkey or a recovery code before
the session is signed in. Adding or removing a factor needs the password (or the password window), is audited
and emailed to the user. Recovery codes are kept as keyed hashes and each one works once; a TOTP code works
once too (django-otp refuses a time step at or before the last one accepted).
"""

import json
import secrets
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from core.audit import audit_record
from core.notifications import email_on_commit
from core.sudo import require_password
from organizations.access import Access
from organizations.models import Organization, Passkey, RecoveryCode, Role, User

TOTP = "totp"
PASSKEY = "passkey"
RECOVERY_CODE = "recovery_code"
FACTOR_LABELS = {
    TOTP: gettext_lazy("Authenticator app"),
    PASSKEY: gettext_lazy("Passkey or security key"),
    RECOVERY_CODE: gettext_lazy("Recovery code"),
}

WRONG_CODE = gettext_lazy("The code is not correct, or it was already used.")
WRONG_PASSKEY = gettext_lazy("The passkey was not accepted. Try again, or use a code.")
NO_FACTOR = gettext_lazy("Set up an authenticator app or a passkey first.")
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper without doubt


@dataclass(frozen=True)
class TwoFactorStatus:
    totp: bool
    passkeys: list[Passkey]
    recovery_codes_remaining: int

    @property
    def enabled(self) -> bool:
        return self.totp or bool(self.passkeys)

    @property
    def factor_types(self) -> list[str]:
        return [factor for factor, on in ((TOTP, self.totp), (PASSKEY, bool(self.passkeys))) if on]


# Reads


def has_second_factor(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or Passkey.objects.filter(user=user).exists()
    )


def two_factor_status(user: User) -> TwoFactorStatus:
    return TwoFactorStatus(
        totp=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        passkeys=list(Passkey.objects.filter(user=user)),
        recovery_codes_remaining=RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
    )


def two_factor_refusal(access: Access) -> str:
    """Why the user may not act in the organization until they set up two-factor sign-in."""
    return _(
        "%(organization)s requires two-factor sign-in: set up an authenticator app or a passkey under "
        "Security in the console (%(url)s), then try again."
    ) % {"organization": access.organization.name, "url": reverse("account_security")}


def two_factor_missing(access: Access) -> bool:
    """Whether the organization asks for two-factor sign-in and this user (member or partner) has none yet:
    they may not act there until they set one up."""
    return access.organization.two_factor_required and not has_second_factor(access.user)


# Authenticator apps (TOTP)


def totp_pending_device(user: User) -> TOTPDevice:
    """The app being set up: the same secret until it is confirmed (a reload shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=str(FACTOR_LABELS[TOTP]), confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_code(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (the CSP allows images from data:)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4, light="#fff", dark="#000")


def _verify_totp(user: User, code: str) -> bool:
    # The row lock makes two requests with the same code take turns: the second one sees the step used.
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
    return device is not None and device.verify_token(code)


@transaction.atomic
def totp_confirm(*, user: User, code: str, password: str = "", password_confirmed: bool = False) -> list[str]:
    """Turn on the app being set up once it gives a right code; the first factor also brings recovery codes,
    returned here to be shown once."""
    require_password(user=user, password=password, password_confirmed=password_confirmed)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError({"code": _("An authenticator app is already set up. Remove it first.")})
    code = _compact(code)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationError({"code": _("The setup expired. Scan the new QR code, then enter its code.")})
    if not code.isdigit() or not device.verify_token(code):
        raise ValidationError({"code": WRONG_CODE})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return _factor_added(user, TOTP)


@transaction.atomic
def totp_remove(*, user: User, password: str = "", password_confirmed: bool = False) -> None:
    require_password(user=user, password=password, password_confirmed=password_confirmed)
    deleted, _rows = TOTPDevice.objects.filter(user=user).delete()
    if not deleted:
        raise ValidationError(_("No authenticator app is set up."))
    _factor_removed(user, TOTP)


# Passkeys (WebAuthn)


def rp_id_for(host: str) -> str:
    """The relying party: WEBAUTHN_RP_ID, else the host the browser asked for (without the port)."""
    return settings.WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")


def _user_handle(user: User) -> bytes:
    return f"manager-user-{user.pk}".encode()


def passkey_registration_options(*, user: User, rp_id: str) -> tuple[str, bytes]:
    """The options for `navigator.credentials.create()` as JSON, and the challenge to keep for the answer."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_name=user.email,
        user_id=_user_handle(user),
        user_display_name=user.get_full_name(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(credential_id))
            for credential_id in Passkey.objects.filter(user=user).values_list("credential_id", flat=True)
        ],
    )
    return options_to_json(options), options.challenge


@transaction.atomic
def passkey_add(
    *,
    user: User,
    name: str,
    credential: str,
    challenge: bytes,
    rp_id: str,
    origin: str,
    password: str = "",
    password_confirmed: bool = False,
) -> tuple[Passkey, list[str]]:
    """Keep the passkey the browser created for this challenge; returns it and, for a first factor, the new
    recovery codes."""
    require_password(user=user, password=password, password_confirmed=password_confirmed)
    name = (name or "").strip()[:100] or str(_("Passkey"))
    if not challenge:
        raise ValidationError({"credential": _("The passkey request expired. Try again.")})
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise ValidationError({"credential": _("The passkey could not be registered.")}) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise ValidationError({"credential": _("This passkey is already registered.")})
    passkey = Passkey.objects.create(
        user=user,
        name=name,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    return passkey, _factor_added(user, PASSKEY, name=name)


@transaction.atomic
def passkey_remove(
    *, user: User, passkey_id: int, password: str = "", password_confirmed: bool = False
) -> None:
    require_password(user=user, password=password, password_confirmed=password_confirmed)
    passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
    if passkey is None:
        raise ValidationError(_("No such passkey."))
    name = passkey.name
    passkey.delete()
    _factor_removed(user, PASSKEY, name=name)


def passkey_authentication_options(*, user: User, rp_id: str) -> tuple[str, bytes] | tuple[None, None]:
    """The options for `navigator.credentials.get()` limited to the user's passkeys, with the challenge; None
    when the user has no passkey."""
    credential_ids = list(Passkey.objects.filter(user=user).values_list("credential_id", flat=True))
    if not credential_ids:
        return None, None
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid)) for cid in credential_ids
        ],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def _verify_passkey(user: User, credential: str, *, challenge: bytes, rp_id: str, origin: str) -> bool:
    try:
        credential_id = json.loads(credential)["id"]
    except (ValueError, TypeError, KeyError):
        return False
    passkey = Passkey.objects.select_for_update().filter(user=user, credential_id=credential_id).first()
    if passkey is None or not challenge:
        return False
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return False
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return True


# Recovery codes


def _compact(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _recovery_hash(code: str) -> str:
    return salted_hmac("organizations.RecoveryCode", _compact(code), algorithm="sha256").hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _number in range(settings.TWO_FACTOR_RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _letter in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def recovery_codes_regenerate(
    *, user: User, password: str = "", password_confirmed: bool = False
) -> list[str]:
    """New recovery codes (returned to be shown once); the previous ones stop working."""
    require_password(user=user, password=password, password_confirmed=password_confirmed)
    if not has_second_factor(user):
        raise ValidationError(NO_FACTOR)
    codes = _new_recovery_codes(user)
    audit_record(actor=user, organization=None, action="user.recovery_codes_regenerated", target=user)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    # One UPDATE: of two requests with the same code, only one changes the row.
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=_recovery_hash(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


# The second step


@transaction.atomic
def second_factor_verify(
    *,
    user: User,
    code: str = "",
    passkey_credential: str = "",
    challenge: bytes | None = None,
    rp_id: str = "",
    origin: str = "",
) -> str:
    """Which factor the user proved (TOTP, passkey or recovery code); ValidationError when none is right.
    Callers count the failures (the sign-in and password-window limits)."""
    if passkey_credential:
        if _verify_passkey(user, passkey_credential, challenge=challenge or b"", rp_id=rp_id, origin=origin):
            return PASSKEY
        raise ValidationError({"passkey": WRONG_PASSKEY})
    compact = _compact(code)
    if compact.isdigit() and len(compact) <= 8:  # an app's code; recovery codes have ten characters
        if _verify_totp(user, compact):
            return TOTP
    elif compact and _use_recovery_code(user, compact):
        remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        audit_record(
            actor=user,
            organization=None,
            action="user.recovery_code_used",
            target=user,
            changes={"remaining": remaining},
        )
        return RECOVERY_CODE
    raise ValidationError({"code": WRONG_CODE})


# Adding, removing, resetting


def _factor_added(user: User, factor: str, *, name: str = "") -> list[str]:
    first = not RecoveryCode.objects.filter(user=user, used_at__isnull=True).exists()
    codes = _new_recovery_codes(user) if first else []
    changes = {"factor": factor, **({"name": name} if name else {})}
    audit_record(actor=user, organization=None, action="user.two_factor_added", target=user, changes=changes)
    _email(user, "two_factor_added", factor, name)
    return codes


def _factor_removed(user: User, factor: str, *, name: str = "") -> None:
    if not has_second_factor(user):  # recovery codes stand in for a factor; none is left to stand in for
        RecoveryCode.objects.filter(user=user).delete()
    changes = {"factor": factor, **({"name": name} if name else {})}
    audit_record(
        actor=user, organization=None, action="user.two_factor_removed", target=user, changes=changes
    )
    _email(user, "two_factor_removed", factor, name)


def _email(user: User, template: str, factor: str, name: str = "") -> None:
    email_on_commit(
        to=[user.email],
        template=template,
        context={"factor": str(FACTOR_LABELS[factor]), "name": name, "email": user.email},
    )


@transaction.atomic
def two_factor_reset(*, user: User, by: User) -> None:
    """Staff: remove every second factor and recovery code of a user who lost them (audited, user emailed)."""
    if not by.is_staff:
        raise PermissionDenied(_("Only staff can reset two-factor sign-in."))
    TOTPDevice.objects.filter(user=user).delete()
    Passkey.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(actor=by, organization=None, action="user.two_factor_reset", target=user)
    email_on_commit(to=[user.email], template="two_factor_reset", context={"email": user.email})


# The organization's requirement

REQUIREMENT_REFUSED = gettext_lazy(
    "Only the legal representatives and administrators of the organization can change this."
)


def set_two_factor_requirement(*, access: Access, organization: Organization, required: bool) -> bool:
    """Inside a service's transaction, on the locked `organization`: whether the setting changed."""
    if access.acts_for_partner or access.role not in (Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR):
        raise PermissionDenied(REQUIREMENT_REFUSED)
    if required == organization.two_factor_required:
        return False
    if required and not has_second_factor(access.user):
        # Otherwise the person turning it on would be the first one locked out.
        raise ValidationError(
            {"two_factor_required": _("Set up two-factor sign-in for yourself first, under Security.")}
        )
    organization.two_factor_required = required
    organization.save(update_fields=["two_factor_required"])
    audit_record(
        actor=access.user,
        organization=organization,
        action="organization.two_factor_requirement_changed",
        target=organization,
        changes={"two_factor_required": [not required, required]},
    )
    return True


@transaction.atomic
def organization_two_factor_requirement_set(*, access: Access, required: bool) -> Organization:
    """Members must (or need no longer) use two-factor sign-in to act in the organization."""
    organization = Organization.objects.select_for_update().get(pk=access.organization.pk)
    set_two_factor_requirement(access=access, organization=organization, required=required)
    return organization
