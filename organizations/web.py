"""How console views reach an organization: always through the access resolver."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organizations.access import Permission, resolve_access


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
            # Assigned only when it changes: an unchanged session is not written back on every page.
            if request.session.get("current_organization_id") != access.organization.pk:
                request.session["current_organization_id"] = access.organization.pk
            if not access.can(permission):
                if access.hides_refusals:
                    raise Http404("No such page.")
                raise PermissionDenied(
                    _("Your role (%(role)s) does not allow this page.") % {"role": access.role_label}
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
