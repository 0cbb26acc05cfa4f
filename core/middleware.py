from django.http import JsonResponse
from django.utils.translation import gettext as _

from core.audit import current_ip_address


class AuditContextMiddleware:
    """Makes the client's IP address available to the audit log for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip_address.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            current_ip_address.reset(token)


class RefuseNullCharactersMiddleware:
    """A query parameter holding a NUL character is a 400 naming it, under `/api/`: no field of the console
    can hold one, and PostgreSQL refuses it in any text it is given (a search would otherwise be a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and "%00" in request.META.get("QUERY_STRING", ""):
            refused = {
                name: [_("Null characters are not allowed.")]
                for name, values in request.GET.lists()
                if "\x00" in name or any("\x00" in value for value in values)
            }
            if refused:
                return JsonResponse(refused, status=400)
        return self.get_response(request)
