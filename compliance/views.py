from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from compliance import selectors, services
from compliance.activity import describe_events
from compliance.consent import SESSION_KEY as CONSENT_SESSION_KEY
from compliance.consent import consent_of_request, now_consent, set_consent_cookie
from compliance.dpa import certificate_response, certificate_verified
from compliance.forms import ActivityFilterForm, CookiePreferencesForm, DpaVerifyForm
from core.spreadsheets import csv_lines, csv_response
from core.streams import objects_in_chunks
from organizations.access import Permission
from organizations.web import organization_view

ACTIVITY_PAGE_SIZE = 50
ACTIVITY_CSV_HEADER = [
    "Time",
    "Actor",
    "On behalf of",
    "Organization",
    "Action",
    "Target",
    "Changes",
    "IP address",
]


def too_many_requests(request, message: str) -> HttpResponse:
    return render(request, "429.html", {"message": message}, status=429)


# Activity log


def _activity_filter(request) -> ActivityFilterForm:
    actions = selectors.audit_actions_of(request.access)
    return ActivityFilterForm(request.GET or None, actions=actions)


@organization_view(Permission.VIEW_ACTIVITY)
def activity_log(request):
    form = _activity_filter(request)
    events = selectors.audit_events_filtered(request.access, **form.filters())
    page = Paginator(events, ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = describe_events(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "compliance/activity_log.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )


ACTIVITY_CHUNK_SIZE = 500


def activity_csv_rows(events):
    """The CSV rows of `events`, newest first, read in chunks that hold no cursor beyond the reading
    (`core.streams`)."""
    for event in objects_in_chunks(events.order_by("-created_at", "-pk"), chunk_size=ACTIVITY_CHUNK_SIZE):
        yield [
            f"{timezone.localtime(event.created_at):%Y-%m-%d %H:%M:%S}",  # as the page shows it
            event.actor_email or "system",
            event.on_behalf_of.name if event.on_behalf_of else "",
            event.organization.name if event.organization else "",
            event.action,
            event.target_repr,
            "; ".join(f"{field}: {value}" for field, value in event.changes_display),
            event.ip_address or "",
        ]


@organization_view(Permission.VIEW_ACTIVITY)
def activity_log_export(request):
    if is_ratelimited(
        request, group="activity_export", key="user", rate=settings.ACTIVITY_EXPORT_RATE, increment=True
    ):
        return too_many_requests(
            request, _("You have exported the activity log often. Try again in a minute.")
        )
    form = _activity_filter(request)
    events = selectors.audit_events_filtered(request.access, **form.filters())
    filename = f"activity-{request.access.organization.pk}.csv"
    return csv_response(filename, csv_lines(ACTIVITY_CSV_HEADER, activity_csv_rows(events)))


# DPA certificate


@never_cache
@organization_view(Permission.DPA_CERTIFICATE)
def data_protection(request):
    certificates = selectors.dpa_certificates_of(request.access)[:20]
    return render(request, "compliance/data_protection.html", {"certificates": certificates})


@require_POST
@organization_view(Permission.DPA_CERTIFICATE)
def dpa_certificate_generate(request):
    return certificate_response(services.dpa_certificate_issue(access=request.access))


@never_cache
def dpa_verify(request):
    """Public: whoever holds a certificate can check it; only the organization's name and date are shown."""
    form = DpaVerifyForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        if is_ratelimited(
            request, group="dpa_verify", key="ip", rate=settings.DPA_VERIFY_RATE, increment=True
        ):
            return too_many_requests(
                request, _("Too many verifications from your address. Try again in a minute.")
            )
        certificate = certificate_verified(form.cleaned_data["number"], form.cleaned_data["code"])
        result = {"valid": certificate is not None, "certificate": certificate}
    return render(request, "compliance/dpa_verify.html", {"form": form, "result": result})


# Legal pages


def _legal_page(request, template: str) -> HttpResponse:
    """A legal page, naming who operates the console and where to write."""
    return render(
        request,
        template,
        {
            "operator": settings.SELLER,
            "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
            "whistleblowing_email": settings.WHISTLEBLOWING_EMAIL,
        },
    )


def privacy_policy(request):
    return _legal_page(request, "compliance/privacy_policy.html")


def data_protection_policy(request):
    return _legal_page(request, "compliance/data_protection_policy.html")


def whistleblower(request):
    return _legal_page(request, "compliance/whistleblower.html")


# Cookie preferences


def _back_to(request, fallback: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        return next_url
    return fallback


def cookie_preferences(request):
    """The banner's buttons post here; the page lets anyone change the choice, with or without JavaScript."""
    current = consent_of_request(request)
    if request.method != "POST":
        initial = {"analytics": current.analytics, "marketing": current.marketing} if current else {}
        form = CookiePreferencesForm(initial=initial)
        return render(
            request,
            "compliance/cookie_preferences.html",
            {"form": form, "current": current, "next": _back_to(request, "")},
        )
    form = CookiePreferencesForm(request.POST)
    form.is_valid()  # two check boxes: anything unreadable counts as "no"
    necessary_only = request.POST.get("choice") == "necessary"
    analytics = not necessary_only and form.cleaned_data.get("analytics", False)
    marketing = not necessary_only and form.cleaned_data.get("marketing", False)
    if request.user.is_authenticated:
        consent = services.cookie_consent_record(user=request.user, analytics=analytics, marketing=marketing)
    else:
        consent = now_consent(analytics=analytics, marketing=marketing)
    if request.user.is_authenticated:
        request.session[CONSENT_SESSION_KEY] = consent.cookie_value()
    if request.headers.get("Accept", "").startswith("application/json"):
        response = JsonResponse(
            {"analytics": consent.analytics, "marketing": consent.marketing, "version": consent.version}
        )
    else:
        messages.success(request, _("Your cookie preferences have been saved."))
        response = redirect(_back_to(request, "cookie_preferences"))
    set_consent_cookie(response, consent)
    return response
