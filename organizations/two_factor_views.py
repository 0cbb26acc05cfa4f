"""Two-factor sign-in in the console: the step after the password, and setting factors up under Security.

Every change of a factor runs behind the password window (`sudo_required`), which also accepts a factor the
user already has. The QR code and the recovery codes are shown only inside that window.
"""

import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from core import sudo
from core.sudo import sudo_required
from organizations import two_factor
from organizations.models import User

PENDING_KEY = "two_factor_pending"
SIGN_IN_CHALLENGE_KEY = "two_factor_sign_in_challenge"
SUDO_CHALLENGE_KEY = "two_factor_sudo_challenge"
REGISTRATION_CHALLENGE_KEY = "two_factor_registration_challenge"
CODES_TO_SHOW_KEY = "two_factor_recovery_codes"


def _rp_id(request) -> str:
    return two_factor.rp_id_for(request.get_host())


def _origin(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _keep_challenge(request, key: str, challenge: bytes | None) -> None:
    if challenge:
        request.session[key] = bytes_to_base64url(challenge)


def _take_challenge(request, key: str) -> bytes:
    # A challenge answers one attempt only: taken out of the session whatever the outcome.
    value = request.session.pop(key, "")
    return base64url_to_bytes(value) if value else b""


def _passkey_context(request, user: User, key: str) -> dict:
    options, challenge = two_factor.passkey_authentication_options(user=user, rp_id=_rp_id(request))
    _keep_challenge(request, key, challenge)
    return {"passkey_options": json.loads(options) if options else None}


# The step after the password


def sign_in_pending(request, user: User, next_url: str) -> None:
    """The password was right and the user has a second factor: remember who, until the factor is given."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "at": time.time(),
        "next": next_url,
    }


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or not 0 <= time.time() - pending.get("at", 0) < settings.TWO_FACTOR_SIGN_IN_TIMEOUT:
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _second_step_exceeded(request, user: User, *, count_one: bool = False) -> bool:
    """The sign-in limits again, for the second step: per account and address, and per address."""
    ip = request.META.get("REMOTE_ADDR", "")
    limits = (
        ("sign_in_account_ip", lambda group, request: f"{user.email}|{ip}", settings.SIGN_IN_RATE_ACCOUNT_IP),
        ("sign_in_ip", "ip", settings.SIGN_IN_RATE_IP),
    )
    exceeded = False
    for group, key, rate in limits:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=count_one)
        exceeded = exceeded or (usage is not None and usage["count"] >= usage["limit"])
    return exceeded


@require_http_methods(["GET", "POST"])
def sign_in_second_step(request):
    user, pending = _pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Sign in again: the step after the password waited too long."))
        return redirect("login")
    error, status = "", 200
    if request.method == "POST":
        if _second_step_exceeded(request, user):
            error, status = _("Too many failed sign-in attempts. Wait a few minutes, then try again."), 429
        else:
            try:
                factor = two_factor.second_factor_verify(
                    user=user,
                    code=request.POST.get("code", ""),
                    passkey_credential=request.POST.get("passkey", ""),
                    challenge=_take_challenge(request, SIGN_IN_CHALLENGE_KEY),
                    rp_id=_rp_id(request),
                    origin=_origin(request),
                )
            except ValidationError as refusal:
                _second_step_exceeded(request, user, count_one=True)
                error = " ".join(refusal.messages)
            else:
                del request.session[PENDING_KEY]
                login(request, user, backend=pending["backend"])
                if factor == two_factor.RECOVERY_CODE:
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code, which now no longer works. Under Security, "
                            "check your second factors and make new recovery codes if few are left."
                        ),
                    )
                next_url = pending.get("next", "")
                if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                    next_url = reverse("home")
                return redirect(next_url)
    context = {
        "error": error,
        "has_totp": two_factor.two_factor_status(user).totp,
        **_passkey_context(request, user, SIGN_IN_CHALLENGE_KEY),
    }
    return render(request, "accounts/login_two_factor.html", context, status=status)


class ConsoleSecondFactor(sudo.SecondFactor):
    """The password window's second factor: a code from the app, a recovery code or a passkey."""

    def context(self, request) -> dict:
        if not two_factor.has_second_factor(request.user):
            return {}
        return {"second_factor": True, **_passkey_context(request, request.user, SUDO_CHALLENGE_KEY)}

    def verify(self, request, *, code: str, passkey: str) -> bool:
        try:
            two_factor.second_factor_verify(
                user=request.user,
                code=code,
                passkey_credential=passkey,
                challenge=_take_challenge(request, SUDO_CHALLENGE_KEY),
                rp_id=_rp_id(request),
                origin=_origin(request),
            )
        except ValidationError:
            return False
        return True


# Security: setting factors up and removing them


def security_context(user: User) -> dict:
    return {"two_factor": two_factor.two_factor_status(user)}


def _show_codes(request, codes: list[str]):
    if codes:
        request.session[CODES_TO_SHOW_KEY] = codes
        return redirect("two_factor_recovery_codes")
    return redirect("account_security")


@login_required
@sudo_required
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    if two_factor.two_factor_status(request.user).totp:
        messages.info(request, _("An authenticator app is already set up."))
        return redirect("account_security")
    device = two_factor.totp_pending_device(request.user)
    error = ""
    if request.method == "POST":
        try:
            codes = two_factor.totp_confirm(
                user=request.user, code=request.POST.get("code", ""), password_confirmed=True
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("Your authenticator app is set up."))
            return _show_codes(request, codes)
    context = {
        "qr_code": two_factor.totp_qr_code(device),
        "secret": two_factor.totp_secret(device),
        "error": error,
    }
    return render(request, "accounts/two_factor_totp.html", context, status=400 if error else 200)


@login_required
@require_POST
@sudo_required
def totp_remove(request):
    try:
        two_factor.totp_remove(user=request.user, password_confirmed=True)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The authenticator app has been removed."))
    return redirect("account_security")


@login_required
@sudo_required
@require_http_methods(["GET", "POST"])
def passkey_add(request):
    error = ""
    if request.method == "POST":
        try:
            _passkey, codes = two_factor.passkey_add(
                user=request.user,
                name=request.POST.get("name", ""),
                credential=request.POST.get("credential", ""),
                challenge=_take_challenge(request, REGISTRATION_CHALLENGE_KEY),
                rp_id=_rp_id(request),
                origin=_origin(request),
                password_confirmed=True,
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, _("Your passkey has been added."))
            return _show_codes(request, codes)
    options, challenge = two_factor.passkey_registration_options(user=request.user, rp_id=_rp_id(request))
    _keep_challenge(request, REGISTRATION_CHALLENGE_KEY, challenge)
    context = {"registration_options": json.loads(options), "error": error}
    return render(request, "accounts/two_factor_passkey.html", context, status=400 if error else 200)


@login_required
@require_POST
@sudo_required
def passkey_remove(request, passkey_id: int):
    try:
        two_factor.passkey_remove(user=request.user, passkey_id=passkey_id, password_confirmed=True)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The passkey has been removed."))
    return redirect("account_security")


@login_required
@require_POST
@sudo_required
def recovery_codes_regenerate(request):
    try:
        codes = two_factor.recovery_codes_regenerate(user=request.user, password_confirmed=True)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("account_security")
    return _show_codes(request, codes)


@login_required
def recovery_codes(request):
    """The new recovery codes, once: a reload finds them gone."""
    codes = request.session.pop(CODES_TO_SHOW_KEY, None)
    if not codes:
        return redirect("account_security")
    return render(request, "accounts/two_factor_recovery_codes.html", {"codes": codes})
