"""Password re-entry before sensitive actions: a "sudo" window of `SUDO_WINDOW` seconds per session.

Inside the window the password is not asked again; outside it a "Confirm your password" step comes first.
A GET is sent to the confirmation page, which returns to `next`; a POST is answered with the same page, which
posts the original form fields back with the password, so the action goes on where it stopped. A confirmed
password rotates the session key. Wrong passwords are counted per account, like failed sign-ins: whoever holds
a session cannot try passwords without end through this page.

A user with a second factor may give it instead of the password (a code from their app, a recovery code or a
passkey): the organizations app registers how in `second_factor` (core knows nothing of users' factors).
"""

import time
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage

SESSION_KEY = "sudo_confirmed_at"
PASSWORD_FIELD = "sudo_password"
CODE_FIELD = "sudo_code"
PASSKEY_FIELD = "sudo_passkey"
CONFIRMATION_FIELDS = (PASSWORD_FIELD, CODE_FIELD, PASSKEY_FIELD)
WRONG_PASSWORD = gettext_lazy("The password is not correct.")
WRONG_CODE = gettext_lazy("The code is not correct, or it was already used.")


class SecondFactor:
    """How the password window accepts a second factor; registered by the app that keeps the factors."""

    def context(self, request) -> dict:
        """What the confirmation page needs to offer the user's factors (nothing when they have none)."""
        return {}

    def verify(self, request, *, code: str, passkey: str) -> bool:
        return False


second_factor = SecondFactor()
TOO_MANY_WRONG = gettext_lazy("Too many wrong passwords. Wait a few minutes, then try again.")


def sudo_active(request) -> bool:
    """Whether the user confirmed their password in this session within the last `SUDO_WINDOW` seconds."""
    confirmed_at = request.session.get(SESSION_KEY)
    return confirmed_at is not None and 0 <= time.time() - confirmed_at < settings.SUDO_WINDOW


def sudo_open(request) -> None:
    """Open the window after a correct password: a fresh session key, then the time of the confirmation."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = time.time()


def _wrong_passwords_exceeded(request, *, count_one: bool = False) -> bool:
    usage = get_usage(
        request, group="sudo_confirm", key="user", rate=settings.SIGN_IN_RATE_ACCOUNT_IP, increment=count_one
    )
    return usage is not None and usage["count"] >= usage["limit"]


def sudo_refusal(request, password: str, *, code: str = "", passkey: str = "") -> str:
    """ "" when the password (or the second factor given instead) is right (the window is then open); else
    why it was not accepted."""
    if _wrong_passwords_exceeded(request):
        return TOO_MANY_WRONG
    if code.strip() or passkey:
        if not second_factor.verify(request, code=code, passkey=passkey):
            _wrong_passwords_exceeded(request, count_one=True)
            return WRONG_CODE
    elif not request.user.check_password(password or ""):
        _wrong_passwords_exceeded(request, count_one=True)
        return WRONG_PASSWORD
    sudo_open(request)
    return ""


def posted_refusal(request) -> str:
    """`sudo_refusal` for the confirmation fields of this POST."""
    return sudo_refusal(
        request,
        request.POST.get(PASSWORD_FIELD, ""),
        code=request.POST.get(CODE_FIELD, ""),
        passkey=request.POST.get(PASSKEY_FIELD, ""),
    )


def refused_page(request, refusal: str):
    """The confirmation page again, with why the password was not accepted."""
    return confirmation_page(request, error=refusal, status=429 if refusal == TOO_MANY_WRONG else 200)


def require_password(*, user, password: str, password_confirmed: bool) -> None:
    """For services: the account password, unless the caller confirmed it within the window."""
    if not password_confirmed and not user.check_password(password or ""):
        raise ValidationError({"password": WRONG_PASSWORD})


def _carried_fields(request) -> list[tuple[str, str]]:
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", *CONFIRMATION_FIELDS)
        for value in values
    ]


def confirmation_page(request, *, error: str = "", status: int = 200):
    return render(
        request,
        "accounts/confirm_password.html",
        {
            "action": request.get_full_path(),
            "carried": _carried_fields(request),
            "password_field": PASSWORD_FIELD,
            "code_field": CODE_FIELD,
            "passkey_field": PASSKEY_FIELD,
            "error": error,
            **second_factor.context(request),
        },
        status=status,
    )


def sudo_check(request):
    """None when the action may go on; else the response that asks for the password first.

    A POST that carries `sudo_password` is checked here: right, the window opens and the action goes on with
    the original fields; wrong, the page is shown again with an error.
    """
    if request.method == "POST" and any(field in request.POST for field in CONFIRMATION_FIELDS):
        refusal = posted_refusal(request)
        if refusal:
            return refused_page(request, refusal)
        request.POST = request.POST.copy()
        for field in CONFIRMATION_FIELDS:
            request.POST.pop(field, None)
        return None
    if sudo_active(request):
        return None
    if request.method == "POST":
        return confirmation_page(request)
    return redirect(f"{reverse('confirm_password')}?{urlencode({'next': request.get_full_path()})}")


def sudo_required(view):
    """Ask for the password before the view runs, unless it was confirmed within the window."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = sudo_check(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    return wrapper


def api_sudo_check(request) -> None:
    """For the REST API: a browser session must have confirmed its password within the window, as the console
    pages ask (403 otherwise); an API token was created with the password and is bounded by its scopes."""
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.exceptions import PermissionDenied

    if isinstance(request.successful_authenticator, SessionAuthentication) and not sudo_active(request):
        raise PermissionDenied(
            _(
                "Confirm your password first (%(url)s): this action needs it, then not again for a few "
                "minutes."
            )
            % {"url": reverse("confirm_password")}
        )
