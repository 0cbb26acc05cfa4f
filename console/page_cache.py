"""Repeat views of the heaviest pages and API lists, answered from the cache while the data is unchanged.

A partner reloads Managed Clients, a script polls the invoice list: until something is written to the
database, the answer is the same. It is kept under a key made of the data version (`console.data_version`,
new after every committed write), who asks and what they ask, so a cached answer never shows data older than
the last write. Access is checked before the cache is read: the decorators sit inside `organization_view`
and the API's permission checks. Entries also expire after `PAGE_CACHE_SECONDS`, as a page shows the year,
and `PAGE_CACHE_SECONDS = 0` turns the cache off.
"""

import hashlib
from functools import wraps

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


def page_key(request) -> str | None:
    """The key of this page as this browser session sees it, or None when it must be rendered afresh.

    A page carries the session's CSRF token and shows the session's cookie choice, so the key names both; a
    request without a session or a CSRF cookie yet, or with messages to show once, is not cached."""
    session_key = request.session.session_key
    csrf_secret = request.META.get("CSRF_COOKIE")
    if not settings.PAGE_CACHE_SECONDS or request.method != "GET" or not session_key or not csrf_secret:
        return None
    if _has_messages(request):
        return None
    return _key(
        "page",
        current_data_version(),
        session_key,
        csrf_secret,
        request.COOKIES.get(CONSENT_COOKIE, ""),
        request.headers.get("HX-Request", ""),
        request.get_full_path(),
    )


def cached_page(view):
    """Serve a GET page from the cache while the data and the session are those it was rendered for."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = page_key(request)
        if key is not None and (cached := cache.get(key)) is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        cacheable = response.status_code == 200 and not response.streaming and not response.cookies
        if key is not None and cacheable:
            cache.set(key, (response.content, response["Content-Type"]), settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper


def cached_api_data(request, compute):
    """`compute()`'s answer for this user and this URL, from the cache while the data is unchanged.

    The caller has already checked the permission: the data depends only on the user's access, which is
    itself data, and on the query."""
    if not settings.PAGE_CACHE_SECONDS:
        return compute()
    key = _key("api", current_data_version(), str(request.user.pk), request.get_full_path())
    data = cache.get(key)
    if data is None:
        data = compute()
        cache.set(key, data, settings.PAGE_CACHE_SECONDS)
    return data
