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
