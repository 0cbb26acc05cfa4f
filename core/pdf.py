"""HTML rendered as PDF by WeasyPrint, which fetches nothing from the network: `/static/...` resolves to our
static files, `data:` URLs are read inline, every other address is refused. Invoices and DPA certificates are
printed this way, so a name or an address typed by a user can never make the server load a URL."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation

BASE_URL = "file:///"


def _static_prefix() -> str:
    return BASE_URL + settings.STATIC_URL.strip("/") + "/"


def _static_file(name: str) -> bytes | None:
    """A static file's bytes: as `collectstatic` wrote it (production serves hashed names such as
    `console/favicon.3f2a….svg`, which only the collected copy has), else from the app folders (development).
    """
    try:
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as collected:
                return collected.read()
        path = finders.find(name)
    except SuspiciousFileOperation:  # a name leading out of the static folders
        return None
    return Path(path).read_bytes() if path else None


@cache
def static_only_fetcher_class():
    """WeasyPrint's fetcher, allowed only `data:` URLs and our static files (defined once, on first use)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            prefix = _static_prefix()
            if url.startswith(prefix):
                content = _static_file(url[len(prefix) :].split("?")[0])
                if content is not None:
                    return URLFetcherResponse(url, content)
            raise ValueError(f"A PDF loads only our static files, not {url}")

    return StaticOnlyFetcher


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML page whose `/static/...` addresses are our static files."""
    from weasyprint import HTML  # imported late: loading pango is slow and only PDFs need it

    fetcher = static_only_fetcher_class()(allowed_protocols={"file", "data"})
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
