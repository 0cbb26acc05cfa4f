"""HTML rendered as PDF by WeasyPrint, which fetches nothing from the network: `/static/...` resolves to our
static files, `data:` URLs are read inline, every other address is refused. Invoices and DPA certificates are
printed this way, so a name or an address typed by a user can never make the server load a URL."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

BASE_URL = "file:///"


def _static_prefix() -> str:
    return BASE_URL + settings.STATIC_URL.strip("/") + "/"


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
                path = finders.find(url[len(prefix) :].split("?")[0])
                if path:
                    return URLFetcherResponse(url, Path(path).read_bytes())
            raise ValueError(f"A PDF loads only our static files, not {url}")

    return StaticOnlyFetcher


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML page whose `/static/...` addresses are our static files."""
    from weasyprint import HTML  # imported late: loading pango is slow and only PDFs need it

    fetcher = static_only_fetcher_class()(allowed_protocols={"file", "data"})
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
