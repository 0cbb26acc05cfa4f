from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from core import sudo
from organizations import services, two_factor, two_factor_views
from organizations.forms import NewOrganizationForm, PasswordChangeForm, SignUpForm, apply_service_errors


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("The email address or the password is not correct."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")


SIGN_IN_LIMITED = gettext_lazy("Too many failed sign-in attempts. Wait a few minutes, then try again.")


def _account_and_ip(group, request) -> str:
    return f"{request.POST.get('username', '').strip().lower()}|{request.META.get('REMOTE_ADDR', '')}"


# Failures are counted per account from one address (a third party failing from its own address never locks
# the real user out of theirs) and per address (one address cannot try many accounts).
SIGN_IN_LIMITS = (
    ("sign_in_account_ip", _account_and_ip, "SIGN_IN_RATE_ACCOUNT_IP"),
    ("sign_in_ip", "ip", "SIGN_IN_RATE_IP"),
)


def sign_in_failures_exceeded(request, *, count_one: bool = False) -> bool:
    """Whether this request's account-and-address or address has used up its failed sign-ins; with
    `count_one`, first count one more failure."""
    exceeded = False
    for group, key, rate_setting in SIGN_IN_LIMITS:
        usage = get_usage(
            request, group=group, key=key, rate=getattr(settings, rate_setting), increment=count_one
        )
        exceeded = exceeded or (usage is not None and usage["count"] >= usage["limit"])
    return exceeded


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if sign_in_failures_exceeded(request):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, SIGN_IN_LIMITED)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_second_factor(user):
            # Not signed in yet: the session only remembers who gave the right password, for the next step.
            two_factor_views.sign_in_pending(self.request, user, self.get_success_url())
            return redirect("login_two_factor")
        return super().form_valid(form)

    def form_invalid(self, form):
        sign_in_failures_exceeded(self.request, count_one=True)
        return super().form_invalid(form)


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, organization = services.user_sign_up(**form.cleaned_data, language=get_language())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! %(organization)s has been created.") % {"organization": organization.name},
            )
            return redirect("dashboard", org_id=organization.pk)
    elif request.method == "POST":
        # The form stopped at what it could not parse; the service's checks (the unticked terms box, a
        # taken email) are shown with them, so every mistake is reported at once.
        data = {name: form.cleaned_data.get(name, form.data.get(name, "")) for name in form.fields}
        for field, field_errors in services.user_sign_up_errors(**data).items():
            if field not in form.errors:
                form.add_error(field, field_errors)
    return render(request, "accounts/signup.html", {"form": form})


def _new_password_form(request, service) -> tuple[PasswordChangeForm, bool]:
    """The current and new password form, handed to `service`; this session continues under a new key."""
    form = PasswordChangeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return form, False
    try:
        service(
            user=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return form, False
    update_session_auth_hash(request, request.user)
    return form, True


@login_required
def password_change(request):
    form, changed = _new_password_form(request, services.user_change_password)
    if changed:
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def security(request):
    return render(
        request,
        "accounts/security.html",
        {"form": PasswordChangeForm(), **two_factor_views.security_context(request.user)},
    )


@login_required
@require_POST
def sign_out_everywhere(request):
    services.user_sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You have been signed out everywhere, in this browser too."))
    return redirect("login")


@login_required
def password_compromised(request):
    # Every other session ends and the API tokens are revoked; this one continues.
    form, changed = _new_password_form(request, services.user_password_compromised)
    if changed:
        messages.success(
            request,
            _(
                "Your password has been changed, you have been signed out everywhere else and your API "
                "tokens have been revoked."
            ),
        )
        return redirect("account_security")
    return render(
        request,
        "accounts/security.html",
        {"form": form, **two_factor_views.security_context(request.user)},
        status=400 if form.errors else 200,
    )


@login_required
def organization_new(request):
    form = NewOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("%(organization)s has been created.") % {"organization": organization.name}
            )
            return redirect("dashboard", org_id=organization.pk)
    return render(request, "accounts/organization_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def confirm_password(request):
    """Confirm your password: opens the sudo window, then returns to `next` (a page of this site)."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("home")
    if request.method == "POST":
        refusal = sudo.posted_refusal(request)
        if not refusal:
            return redirect(next_url)
        return sudo.refused_page(request, refusal)
    return sudo.confirmation_page(request)
