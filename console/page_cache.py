"""Repeat views of the heaviest pages and API lists, answered from the cache while the data is unchanged.

A partner reloads Managed Clients, a script polls the invoice list: until something is written to the
database, the answer is the same. It is kept under a key made of the data version (`console.data_version`,
new after every committed write), who asks and what they ask, so a cached answer never shows data older than
the last write.

An answer is kept only after the whole request ran, the access resolver and the permission check included,
and answered 200. A later request under the same key is the same caller (the same signed-in session, or the
same user through the API), asking for the same URL, while every row that the resolver reads is as it was:
the resolver would answer the same, so the cached answer is served without running it again. A console page
is looked up before the user is even read: its key names the session's user and the password hash the
session was signed in with, and the user's row is as it was too, so Django would accept the session again.
The session is read on every request (a signed-out or expired one finds nothing), and so are the session
limits, API authentication (a token's expiry and scopes) and throttling.
Entries expire after `PAGE_CACHE_SECONDS` (a page shows the year, and no answer should outlive a minute), and
`PAGE_CACHE_SECONDS = 0` turns the cache off.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.http import HttpResponse
from rest_framework.authentication import get_authorization_header

from compliance.consent import CONSENT_COOKIE
from console.data_version import request_data_version

SEPARATOR = "\x1f"


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256(SEPARATOR.join(parts).encode()).hexdigest()
    return f"{kind}:{digest}"


def _signed_in_as(session) -> tuple[str, str] | None:
    """The user a signed-in session names and the password hash it was signed in with, read from the session
    alone (the user is not read: see above); None for a session that is not signed in."""
    if SESSION_KEY not in session:
        return None
    return str(session[SESSION_KEY]), session.get(HASH_SESSION_KEY, "")


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
    signed_in_as = _signed_in_as(request.session)
    if signed_in_as is None or request.session.get("current_organization_id") != organization_id:
        return None
    return _key(
        "page",
        request_data_version(request),
        *signed_in_as,
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
    """The key of this API GET in JSON for who asks: a browser session (before or after authentication, see
    `OrganizationScopedMixin`) by its user and the password hash it was signed in with, as for a page; a
    token, once authenticated, by its user. The answer depends on the user's access (data) and the URL; the
    browsable API's pages carry a session's CSRF token and are not kept."""
    if not settings.PAGE_CACHE_SECONDS or request.method != "GET":
        return None
    if request.accepted_renderer.format != "json":
        return None
    if get_authorization_header(request):
        if not request.user.is_authenticated:
            return None
        caller = ("user", str(request.user.pk))
    elif (signed_in_as := _signed_in_as(request.session)) is not None:
        caller = ("session", *signed_in_as)
    else:
        return None
    return _key("api", request_data_version(request), *caller, request.get_full_path())
