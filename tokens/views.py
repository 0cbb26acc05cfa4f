"""Settings → API tokens: the user's own tokens, created with the password and shown once, revoked here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.sudo import sudo_check
from organizations.access import Permission
from organizations.forms import apply_service_errors
from organizations.web import organization_view
from tokens import selectors, services
from tokens.forms import TokenCreateForm

# The plaintext of a token just created, kept in the session until the page that shows it is rendered.
SHOWN_ONCE_KEY = "api_token_shown_once"


@organization_view(Permission.VIEW_DASHBOARD)
def api_tokens(request):
    tokens = selectors.tokens_of(request.user).order_by("-created_at", "-pk")
    return render(request, "tokens/api_tokens.html", {"tokens": tokens})


@organization_view(Permission.VIEW_DASHBOARD)
@require_POST
def api_tokens_revoke(request):
    ids = [int(pk) for pk in request.POST.getlist("token") if pk.isdigit()]
    if not ids:
        messages.error(request, _("Tick the tokens to revoke."))
    else:
        count = services.tokens_revoke(
            tokens=selectors.tokens_of(request.user).filter(pk__in=ids), by=request.user
        )
        messages.success(
            request,
            ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", count) % {"count": count},
        )
    return redirect("api_tokens", org_id=request.access.organization.pk)


@organization_view(Permission.VIEW_DASHBOARD)
@require_http_methods(["GET", "POST"])
def api_token_create(request):
    """Create a token → application → scopes → validity → Create a token → password → shown once."""
    form = TokenCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        asked = sudo_check(request)
        if asked is not None:
            return asked
        data = form.cleaned_data
        try:
            token, plaintext = services.token_create(
                user=request.user,
                name=data["name"],
                application=data["application"],
                scopes=data["scopes"],
                expires_at=data["expires_at"],
                password_confirmed=True,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            # Post/redirect/get: a reload of the page that shows the token must not create another one.
            request.session[SHOWN_ONCE_KEY] = {"token_id": token.pk, "plaintext": plaintext}
            return redirect("api_token_created", org_id=request.access.organization.pk)
    return render(request, "tokens/api_token_create.html", {"form": form})


@organization_view(Permission.VIEW_DASHBOARD)
@require_GET
def api_token_created(request):
    """The new token, shown once: taken out of the session as it is shown, so a reload shows it no more."""
    shown = request.session.pop(SHOWN_ONCE_KEY, None)
    token = selectors.tokens_of(request.user).filter(pk=(shown or {}).get("token_id")).first()
    if token is None:
        messages.info(
            request,
            _("A new token is shown only once. If you did not copy it, revoke it and create another one."),
        )
        return redirect("api_tokens", org_id=request.access.organization.pk)
    response = render(
        request, "tokens/api_token_created.html", {"token": token, "plaintext": shown["plaintext"]}
    )
    response["Cache-Control"] = "no-store"
    return response
