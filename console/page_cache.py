"""Repeat views of the heaviest pages and API lists, answered from the cache while the data is unchanged.

A partner reloads Managed Clients, a script polls the invoice list: until something is written to the
database, the answer is the same. It is kept under a key made of the data version (`console.data_version`,
new after every committed write), who asks and what they ask, so a cached answer never shows data older than
the last write.

An answer is kept only after the whole request ran, the access resolver and the permission check included,
and answered 200. A later request under the same key is the same caller (the same signed-in session, or the
same user through the API), asking for the same URL, while every row that the resolver reads is as it was:
the resolver would answer the same, so the cached answer is served without running it again. Sign-in, the
session limits, API authentication (a token's expiry and scopes) and throttling still run on every request.
Entries expire after `PAGE_CACHE_SECONDS` (a page shows the year, and no answer should outlive a minute), and
`PAGE_CACHE_SECONDS = 0` turns the cache off.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from compliance.consent import CONSENT_COOKIE
from console.data_version import current_data_version

SEPARATOR = "\x1f"


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256(SEPARATOR.join(parts).encode()).hexdigest()
    return f"{kind}:{digest}"


def _has_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


# Console pages


def page_key(request, organization_id: int) -> str | None:
    """The key of this organization page as this browser session sees it, or None when it is rendered afresh.

    A page carries the session's CSRF token and shows its cookie choice, so the key names both. Not cached: a
    session without a CSRF cookie yet, one with messages to show once, and one whose last organization is
    another (the full view records the switch)."""
    if not settings.PAGE_CACHE_SECONDS or request.method != "GET":
        return None
    session_key = request.session.session_key
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not session_key or not csrf_secret or _has_messages(request):
        return None
    if request.session.get("current_organization_id") != organization_id:
        return None
    return _key(
        "page",
        current_data_version(),
        str(request.user.pk),
        session_key,
        csrf_secret,
        request.COOKIES.get(CONSENT_COOKIE, ""),
        request.headers.get("HX-Request", ""),
        request.get_full_path(),
    )


def cached_response(key: str | None) -> HttpResponse | None:
    """The answer kept under `key`, or None."""
    if key is None or (cached := cache.get(key)) is None:
        return None
    content, content_type = cached
    return HttpResponse(content, content_type=content_type)


def keep_response(key: str | None, response) -> None:
    """Keep a 200 answer that sets no cookie under `key` (rendering it first if it is a template or an API
    response, which the handler would otherwise render after this)."""
    if key is None or response.status_code != 200 or response.streaming or response.cookies:
        return
    if hasattr(response, "render"):
        response.render()
    cache.set(key, (response.content, response["Content-Type"]), settings.PAGE_CACHE_SECONDS)


# API answers


def api_key(request) -> str | None:
    """The key of this API GET for this user, in JSON: the answer depends on the user's access (data) and the
    URL. (The browsable API's pages carry a session's CSRF token: they are not kept.)"""
    if not settings.PAGE_CACHE_SECONDS or request.method != "GET":
        return None
    if request.accepted_renderer.format != "json":
        return None
    return _key("api", current_data_version(), str(request.user.pk), request.get_full_path())
