from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format, localize
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from billing import selectors as billing_selectors
from billing.figures import dashboard_figures
from compliance import selectors as compliance_selectors
from compliance.activity import describe_events
from console.models import MailboxMessage
from core.row_urls import row_url_format
from core.templatetags.money import format_money
from organizations import selectors, services
from organizations.access import Permission, organizations_of
from organizations.forms import ThemeForm
from organizations.languages import set_language_cookie, supported_language
from organizations.web import organization_view, refusal_advice
from partners import selectors as partner_selectors


def home(request):
    """Back to the organization last shown, else the first one; sign-in for visitors."""
    if not request.user.is_authenticated:
        return redirect("login")
    organizations = organizations_of(request.user)
    last_id = request.session.get("current_organization_id")
    organization = organizations.filter(pk=last_id).first() if last_id else None
    # A partner user starts in their own organization, not in a client's.
    organization = organization or organizations.filter(memberships__user=request.user).first()
    organization = organization or organizations.first()
    if organization is None:
        return redirect("organization_new")
    return redirect("dashboard", org_id=organization.pk)


@organization_view(Permission.VIEW_DASHBOARD)
def dashboard(request):
    access = request.access
    categories = selectors.product_categories_with_products(access)
    product_url = row_url_format("product_detail", "product_id", org_id=access.organization.pk)
    for category in categories:
        for product in category.visible_products:
            product.detail_url = product_url.format(product.pk)
    context = {
        "categories": categories,
        "product_count": sum(len(category.visible_products) for category in categories),
    }
    if access.can(Permission.VIEW_MEMBERS):
        context["member_count"] = selectors.members_visible_to(access).count()
    if access.can(Permission.VIEW_BILLING):
        context["billing_address_count"] = selectors.billing_addresses_visible_to(access).count()
    context["figures"] = monthly_charts(dashboard_figures(access))
    context["ending_soon"] = billing_selectors.products_ending_soon(
        [product for category in categories for product in category.visible_products]
    )
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        # The Partner Dashboard: the clients this partner manages, each one click away.
        context["managed_clients"] = managed = list(partner_selectors.managed_clients(access)[:12])
        client_url = row_url_format("dashboard", "org_id")
        for partnership in managed:
            partnership.open_url = client_url.format(partnership.client_id)
        context["can_manage_clients"] = access.can(Permission.MANAGE_CLIENTS)
    # Time-limited partner access that ends soon, on either side, to renew in time (one query).
    context["ending_partners"], context["ending_clients"] = partner_selectors.ending_soon(access)
    return render(request, "console/dashboard.html", context)


def monthly_charts(figures) -> list[dict]:
    """Each monthly series with its bars and table rows written out: the charts share their months, whose
    names are formatted once for all of them; the bars' coordinates unlocalized (SVG reads "47.5", never
    "47,5")."""
    names = {}
    charts = []
    for series in figures:
        bars = []
        for bar in series.bars:
            month = bar["month"]
            if month not in names:
                names[month] = (date_format(month, "M Y"), date_format(month, "M"), date_format(month, "F Y"))
            short, abbreviation, _long = names[month]
            bars.append(
                {
                    "title": f"{short}: {format_money(bar['amount'], series.currency)}",
                    "x": localize(bar["x"], use_l10n=False),
                    "y": localize(bar["y"], use_l10n=False),
                    "height": localize(bar["height"], use_l10n=False),
                    # A month's name under every third bar.
                    "label": abbreviation if bar["index"] % 3 == 0 else "",
                }
            )
        rows = [(names[month][2], amount) for month, amount in series.months]
        charts.append({"series": series, "bars": bars, "rows": rows})
    return charts


@login_required
@require_POST
def set_theme(request):
    form = ThemeForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_theme(user=request.user, theme=form.cleaned_data["theme"])
        except ValidationError:
            messages.error(request, _("Choose automatic, light or dark."))
    else:
        messages.error(request, _("Choose automatic, light or dark."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "home"
    return redirect(next_url)


@require_POST
def set_language(request):
    """The language menus (sign-in page, user menu): the choice is kept in the language cookie, and in the
    account when someone is signed in, so that it holds on every device they sign in on."""
    language = supported_language(request.POST.get("language", ""))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "home"
    response = redirect(next_url)
    if not language:
        messages.error(request, _("Choose one of the languages offered."))
        return response
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    set_language_cookie(response, language)
    return response


def _mailbox_messages(request):
    """Staff read all mail; signed-in people their own; in demo mode anyone may open an address (`?to=`)."""
    if settings.MAILERS["default"]["BACKEND"] != settings.MAILBOX_BACKEND:
        raise Http404("The simulated mailbox is off: emails are sent through SMTP.")
    requested = request.GET.get("to", "").strip().lower()
    user = request.user
    if (user.is_authenticated and user.is_staff) or (requested and settings.DEMO_MODE):
        address = requested
    elif user.is_authenticated:
        address = user.email
    else:
        return MailboxMessage.objects.none(), ""
    mailbox = MailboxMessage.objects.all()
    if address:
        mailbox = mailbox.filter(recipients__contains=f",{address},")
    return mailbox, address


def mailbox(request):
    mailbox_messages, address = _mailbox_messages(request)
    return render(
        request,
        "console/mailbox.html",
        {"mailbox_messages": mailbox_messages[:100], "address": address, "demo_mode": settings.DEMO_MODE},
    )


def mailbox_message(request, message_id):
    mailbox_messages, address = _mailbox_messages(request)
    message = get_object_or_404(mailbox_messages, pk=message_id)
    return render(request, "console/mailbox_message.html", {"message": message, "address": address})


# What console/static/console/theme.js tests, named as people know it (translated when the page is shown).
BROWSER_FEATURES = {
    "modern-javascript": gettext_noop("Modern JavaScript (ES2015 modules)"),
    "fetch": gettext_noop("Loading data in the background (fetch and promises)"),
    "css-variables": gettext_noop("CSS custom properties, used by the light and dark themes"),
    "css-grid": gettext_noop("CSS grid layout"),
    "flex-gap": gettext_noop("Spacing in page layouts (CSS gap)"),
    "color-scheme": gettext_noop("Following the system's light or dark mode (media queries)"),
    "form-data": gettext_noop("Sending forms from scripts (FormData)"),
}


def outdated_browser(request):
    requested = request.GET.get("missing", "").split(",")
    missing = [_(BROWSER_FEATURES[key]) for key in requested if key in BROWSER_FEATURES]
    return render(request, "console/outdated_browser.html", {"missing": missing})


def terms(request):
    return render(request, "console/terms.html")


@require_GET
def healthz(request):
    """Liveness for load balancers: the process answers, without touching the database or the session."""
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request, exception):
    """The 403 page: inside the console, with its sidebar, when the organization is known; its advice
    depends on the user's role (an administrator is not told to ask an administrator)."""
    access = getattr(request, "access", None)
    context = {"exception": str(exception) if exception else ""}
    if access is not None and request.user.is_authenticated:
        context["advice"] = refusal_advice(access, getattr(request, "denied_permission", None))
    return render(request, "403.html", context, status=403)


PARTNERSHIP_TIMELINE_PAGE_SIZE = 25


@organization_view(Permission.VIEW_ACTIVITY)
def partnership_timeline(request, partnership_id):
    """The partnership's own timeline, from either side: readable sentences of its activity, in pages."""
    access = request.access
    partnership = partner_selectors.partnership_for(access, partnership_id)
    if partnership is None:
        raise Http404("No such partnership.")
    events = compliance_selectors.partnership_timeline(
        access,
        partnership_ids=[partnership.pk],
        client_id=partnership.client_id,
        partner_id=partnership.partner_id,
        since=partnership.created_at,
        until=partnership.ended_at,
    )
    page = Paginator(events, PARTNERSHIP_TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = describe_events(page.object_list)
    client_side = partnership.client_id == access.organization.pk
    return render(
        request,
        "console/partnership_timeline.html",
        {
            "partnership": partnership,
            "client_side": client_side,
            "other": partnership.partner if client_side else partnership.client,
            "page": page,
        },
    )
