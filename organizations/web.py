"""How console views reach an organization: always through the access resolver."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from console import page_cache
from organizations.access import Permission, resolve_access


def organization_view(permission: Permission, *, cached: bool = False):
    """Resolve `org_id` into `request.access`: 404 without access, 403 with a reason without `permission`.

    `cached`: a repeat view by the same session while the data is unchanged is answered from the page cache
    (see `console.page_cache`, which says why the resolver's answer is then known)."""

    def decorator(view):
        @login_required
        def rendered(request, org_id, cache_key, *args, **kwargs):
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
                raise PermissionDenied(f"Your role ({access.role_label}) does not allow this page.")
            response = view(request, *args, **kwargs)
            page_cache.keep_response(cache_key, response)
            return response

        @wraps(view)
        def wrapper(request, org_id, *args, **kwargs):
            # Before the user is read: the key proves the session's user is as it was (console.page_cache).
            key = page_cache.page_key(request, org_id) if cached else None
            if (response := page_cache.cached_response(key)) is not None:
                return response
            return rendered(request, org_id, key, *args, **kwargs)

        return wrapper

    return decorator
