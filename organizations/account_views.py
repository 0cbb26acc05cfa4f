from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from organizations import services, sudo
from organizations.forms import NewOrganizationForm, PasswordChangeForm, SignUpForm, apply_service_errors


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The email address or the password is not correct.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"


def demo_accounts():
    if not settings.DEMO_MODE:
        return None
    from console.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    return {"accounts": DEMO_ACCOUNTS, "password": DEMO_PASSWORD}


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "demo": demo_accounts()}


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, organization = services.user_sign_up(**form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome! {organization.name} has been created.")
            return redirect("dashboard", org_id=organization.pk)
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Your password has been changed.")
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def organization_new(request):
    form = NewOrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{organization.name} has been created.")
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
        if sudo.sudo_confirm(request, request.POST.get(sudo.PASSWORD_FIELD, "")):
            return redirect(next_url)
        return sudo.confirmation_page(request, error="The password is not correct.")
    return sudo.confirmation_page(request)
