"""How console views reach an organization: always through the access resolver."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from organizations.access import RESELLER_PERMISSIONS, ROLE_PERMISSIONS, Access, Permission, resolve_access
from organizations.models import Role
from organizations.two_factor import two_factor_missing


def organization_view(permission: Permission):
    """Resolve `org_id` into `request.access`: 404 without access, 403 with a reason without `permission`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, org_id, *args, **kwargs):
            access = resolve_access(request.user, org_id)
            if access is None:
                raise Http404("No such organization.")
            request.access = access
            if two_factor_missing(access):
                messages.warning(
                    request,
                    _(
                        "%(organization)s requires two-factor sign-in. Set up an authenticator app or a "
                        "passkey to continue there."
                    )
                    % {"organization": access.organization.name},
                )
                return redirect("account_security")
            # Assigned only when it changes: an unchanged session is not written back on every page.
            if request.session.get("current_organization_id") != access.organization.pk:
                request.session["current_organization_id"] = access.organization.pk
            if not access.can(permission):
                if access.hides_refusals:
                    raise Http404("No such page.")
                # The 403 page words its advice by what was missing (see `refusal_advice`).
                request.denied_permission = permission
                raise PermissionDenied(
                    _("Your role (%(role)s) does not allow this page.") % {"role": access.role_label}
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def refusal_advice(access: Access, permission: Permission | None = None) -> str:
    """What a refused user can do next, by their role: who may grant the missing right, or what to do
    instead when nobody above them can."""
    context = {"organization": access.organization.name}
    if permission in RESELLER_PERMISSIONS and not access.organization.is_referenced_partner:
        return (
            _(
                "The Reseller Area is for referenced partners, and %(organization)s is not one. "
                "Open it from your partner organization with the organization switcher."
            )
            % context
        )
    if access.acts_for_partner:
        return (
            _(
                "Your partner access does not include this. A legal representative of %(organization)s "
                "can widen it from their Partner page."
            )
            % context
        )
    only_legal = permission is not None and permission not in ROLE_PERMISSIONS[Role.ADMINISTRATOR]
    if access.role == Role.LEGAL_REPRESENTATIVE:
        return (
            _(
                "As a legal representative you hold every right in %(organization)s: the reason above is "
                "not about your role."
            )
            % context
        )
    if access.role == Role.ADMINISTRATOR:
        return (
            _(
                "Only a legal representative of %(organization)s can do this. Ask one of them to do it, "
                "or to make you a legal representative on the Users page."
            )
            % context
        )
    if only_legal:
        return _("Only a legal representative of %(organization)s can do this: ask one of them.") % context
    return (
        _(
            "A legal representative or an administrator of %(organization)s can change your role: "
            "ask one of them."
        )
        % context
    )
