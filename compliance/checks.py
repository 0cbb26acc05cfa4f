"""Deployment checks of the compliance app (`manage.py check --deploy`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "testserver"}


@register(Tags.security, deploy=True)
def site_url_is_public(app_configs, **kwargs):
    """DPA certificates print their verification address from SITE_URL: an auditor must be able to open it."""
    url = urlsplit(settings.SITE_URL)
    if url.scheme == "https" and url.hostname and url.hostname not in LOCAL_HOSTS:
        return []
    return [
        Warning(
            f"SITE_URL ({settings.SITE_URL}) is not the console's public https address.",
            hint="Set SITE_URL to it, e.g. https://manager.example.com: DPA certificates print their "
            "verification address from it, and emails link to it.",
            id="compliance.W001",
        )
    ]
