"""The URLconf of `manage.py bench`: the product's, and beside each benchmarked page a reference view.

A reference view is the page as a plain Django view would write it: the same queries (the bench checks that
the counts agree, through the same selectors and forms) and the same information on screen — the main menu
for the access, the organization switcher, the organization and the user's menu, the page's filter form, the
table's columns and its pages — in one flat template, without the layout's partials and includes or the
console's context processors (the cookie banner, which depends on the visitor's consent, is left out). The
API invoice list's reference is a plain DRF `APIView` writing each invoice as a dict. The product's page must
stay within a set factor of its reference. Never served in production: the bench loads it with
`override_settings(ROOT_URLCONF=...)`, and its gunicorn server with `console.bench_settings`.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors as billing_selectors
from billing.api.views import InvoicePagination
from billing.figures import dashboard_figures
from billing.forms import BillingExportForm, InvoiceFilterForm
from billing.wordings import line_description
from console.context_processors import _organization_switcher
from console.urls import urlpatterns as product_urlpatterns
from core.paginators import BoundedPaginator
from core.row_urls import row_url_format
from organizations import selectors as organization_selectors
from organizations.access import Permission, resolve_access
from organizations.web import organization_view
from partners import selectors as partner_selectors
from partners.forms import ManagedClientFilterForm
from partners.views import MANAGED_CLIENT_COLUMNS

_engine = Engine.get_default()
LANGUAGES = settings.LANGUAGES

# The layout every reference repeats inline: head, switcher, main menu, user menu; then the page's content,
# then the footer's links.
LAYOUT_TOP = """{% load i18n static %}<!doctype html>
<html lang="{{ LANGUAGE_CODE }}"><head><meta charset="utf-8"><title>{{ title }} · Manager</title>
<link rel="stylesheet" href="{% static 'vendor/bootstrap/bootstrap.min.css' %}">
<link rel="stylesheet" href="{% static 'console/console.css' %}">
<script src="{% static 'vendor/bootstrap/bootstrap.bundle.min.js' %}" defer></script></head>
<body><div class="console-shell"><nav id="sidebar" aria-label="{% translate "Main menu" %}">
<a href="/">Manager</a>
<div class="dropdown"><button type="button" data-bs-toggle="dropdown">{% translate "Organization" %}: {{ org.name }}
({{ access.role_label }})</button><ul class="dropdown-menu">
{% for entry in switcher.entries %}{% if entry.first_managed %}<li><h6>{% translate "Managed Clients" %}</h6></li>{% endif %}
<li><a href="{{ entry.url }}"{% if entry.current %} aria-current="true"{% endif %}>{{ entry.organization.name }}</a></li>
{% endfor %}{% if switcher.more_url %}<li><a href="{{ switcher.more_url }}">{% translate "All clients in Managed Clients…" %}</a></li>{% endif %}
<li><a href="{% url 'organization_new' %}">{% translate "Create an organization" %}</a></li></ul></div>
<ul>
<li><a href="{% url 'dashboard' org.pk %}"{% if section == 'dashboard' %} aria-current="page"{% endif %}>{% translate "Dashboard" %}</a></li>
{% if "view_products" in permissions %}<li><a href="{% url 'products' org.pk %}">{% translate "Products" %}</a></li>{% endif %}
{% if "view_invoices" in permissions %}<li><a href="{% url 'invoices' org.pk %}"{% if section == 'billing' %} aria-current="page"{% endif %}>{% translate "Billing" %}</a></li>{% endif %}
{% if "view_partners" in permissions %}<li><a href="{% url 'partners' org.pk %}">{% translate "Partner" context "the sidebar entry of the partner pages" %}</a></li>{% endif %}
{% if "view_managed_clients" in permissions %}<li><a href="{% url 'managed_clients' org.pk %}">{% translate "Reseller Area" %}</a>
<ul><li><a href="{% url 'managed_clients' org.pk %}"{% if section == 'reseller' %} aria-current="page"{% endif %}>{% translate "Managed Clients" %}</a></li></ul></li>{% endif %}
{% if "view_settings" in permissions %}<li><a href="{% url 'organization_settings' org.pk %}">{% translate "Settings" %}</a></li>
{% else %}<li><a href="{% url 'api_tokens' org.pk %}">{% translate "API tokens" %}</a></li>{% endif %}
</ul></nav>
<div class="console-content"><header><div class="dropdown"><button type="button" data-bs-toggle="dropdown">{{ user.get_full_name }}</button>
<div class="dropdown-menu"><div>{{ user.email }}</div>
<form method="post" action="{% url 'set_theme' %}"><input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}"><input type="hidden" name="next" value="{{ request.get_full_path }}">
<button name="theme" value="auto">{% translate "Automatic" %}</button><button name="theme" value="light">{% translate "Light" %}</button><button name="theme" value="dark">{% translate "Dark" %}</button></form>
<form method="post" action="{% url 'set_language' %}"><input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}"><input type="hidden" name="next" value="{{ request.get_full_path }}">
{% for code, name in languages %}<button name="language" value="{{ code }}" lang="{{ code }}">{{ name }}</button>{% endfor %}</form>
<a href="{% url 'password_change' %}">{% translate "Change password" %}</a> <a href="{% url 'account_security' %}">{% translate "Security" %}</a>
<form method="post" action="{% url 'logout' %}"><input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}"><button>{% translate "Sign out" %}</button></form>
</div></div></header><main id="main">
{% for message in messages %}<div role="status">{{ message }}</div>{% endfor %}
"""
LAYOUT_BOTTOM = """</main><footer>© {% now "Y" %} Manager
<a href="{% url 'api:docs' %}">{% translate "API documentation" %}</a> <a href="{% url 'privacy_policy' %}">{% translate "Privacy policy" %}</a>
<a href="{% url 'data_protection_policy' %}">{% translate "Data protection" %}</a> <a href="{% url 'whistleblower' %}">{% translate "Whistleblower protection" %}</a>
<a href="{% url 'cookie_preferences' %}">{% translate "Cookie preferences" %}</a></footer></div></div></body></html>"""
PAGES = """{% if page.has_other_pages %}<nav>{% if page.has_previous %}<a href="?{% if query %}{{ query }}&amp;{% endif %}page={{ page.previous_page_number }}">{% translate "Previous" context "the previous page of a list" %}</a>{% endif %}
{% if page.paginator.count_is_exact is not False %}{% blocktranslate trimmed with number=page.number total=page.paginator.num_pages %}Page {{ number }} of {{ total }}{% endblocktranslate %}{% else %}{% blocktranslate trimmed with number=page.number %}Page {{ number }}{% endblocktranslate %}{% endif %}
{% if page.has_next %}<a href="?{% if query %}{{ query }}&amp;{% endif %}page={{ page.next_page_number }}">{% translate "Next" context "the next page of a list" %}</a>{% endif %}</nav>{% endif %}"""

MANAGED_CLIENTS = _engine.from_string(
    LAYOUT_TOP
    + """<h1>{% translate "Managed Clients" %}</h1>
{% for p in received %}<p>{{ p.client.name }}: {{ p.get_access_display }}, {{ p.get_payment_method_display }}, {{ p.expires_at|date:"SHORT_DATE_FORMAT" }}</p>{% endfor %}
<form method="get">{% for field in form %}<label for="{{ field.auto_id }}">{{ field.label }}</label> {{ field }}{% endfor %}
<button>{% translate "Search" context "verb" %}</button></form>
<p>{% blocktranslate trimmed count counter=page.paginator.count %}{{ counter }} client{% plural %}{{ counter }} clients{% endblocktranslate %}</p>
<table><tr><th></th><th>{% translate "Client" %}</th><th>{% translate "Access" %}</th><th>{% translate "Payment" %}</th><th>{% translate "Since" %}</th><th>{% translate "Until" %}</th><th>{% translate "Products" %}</th><th></th></tr>
{% for p in page %}<tr><td><input type="checkbox" name="clients" value="{{ p.client_id }}"></td>
<td><a href="{{ p.open_url }}">{{ p.client.name }}</a></td><td>{{ p.get_access_display }}</td><td>{{ p.get_payment_method_display }}</td>
<td>{{ p.answered_at|date:"SHORT_DATE_FORMAT" }}</td><td>{{ p.last_day|date:"SHORT_DATE_FORMAT" }}</td><td>{{ p.client_product_count }}</td>
<td><a href="{{ p.who_pays_url }}">{% translate "Who pays: renewals under each choice" %}</a>
<a href="{{ p.stop_url }}">{% translate "Stop Collaboration" %}</a></td></tr>{% endfor %}</table>
"""
    + PAGES
    + """<div id="export-dialog">{{ export_form.as_div }}</div>
{% for r in sent %}<p>{{ r.client_email }} {{ r.sent_at|date:"SHORT_DATE_FORMAT" }}</p>{% endfor %}
{% for r in expired %}<p>{{ r.client_email }} {{ r.expires_at|date:"SHORT_DATE_FORMAT" }}</p>{% endfor %}
"""
    + LAYOUT_BOTTOM
)
INVOICES = _engine.from_string(
    LAYOUT_TOP
    + """<nav><ul><li><a href="{% url 'invoices' org.pk %}" aria-current="page">{% translate "Invoices" %}</a></li>
{% if "view_billing" in permissions %}<li><a href="{% url 'wallet' org.pk %}">{% translate "Wallet" %}</a></li>
{% if org.is_referenced_partner and not access.acts_for_partner %}<li><a href="{% url 'payouts' org.pk %}">{% translate "Cashback payouts" %}</a></li>
<li><a href="{% url 'statements' org.pk %}">{% translate "Statements" %}</a></li>{% endif %}
<li><a href="{% url 'billing_addresses' org.pk %}">{% translate "Billing addresses" %}</a></li>{% endif %}</ul></nav>
<h1>{% translate "Invoices" %}</h1><a href="{% url 'invoices_export' org.pk %}">{% translate "Export" %}</a>
<form method="get">{% for field in form %}<label for="{{ field.auto_id }}">{{ field.label }}</label> {{ field }}{{ field.errors }}{% endfor %}
<button>{% translate "Filter" context "verb" %}</button></form>
<p>{% if page.paginator.count_is_exact %}{% blocktranslate trimmed count counter=page.paginator.count %}{{ counter }} invoice{% plural %}{{ counter }} invoices{% endblocktranslate %}{% else %}{% blocktranslate trimmed with bound=page.paginator.bound %}More than {{ bound }} invoices{% endblocktranslate %}{% endif %}</p>
<table><tr><th>{% translate "Invoice" %}</th><th>{% translate "Date" %}</th><th>{% translate "Net" %}</th><th>{% translate "Tax" %}</th><th>{% translate "Total" %}</th><th>{% translate "Status" %}</th><th>PDF</th></tr>
{% for invoice in page %}<tr><td><a href="{{ invoice.detail_url }}">{{ invoice.display_number }}</a> {{ invoice.first_line }}</td>
<td>{{ invoice.issued_at|date:"SHORT_DATE_FORMAT" }}</td><td>{{ invoice.net_amount }}</td><td>{{ invoice.tax_amount }}</td>
<td>{{ invoice.currency }} {{ invoice.gross_amount }}</td><td>{{ invoice.get_status_display }}</td>
<td><a href="{{ invoice.pdf_url }}">PDF</a></td></tr>{% endfor %}</table>
"""
    + PAGES
    + LAYOUT_BOTTOM
)
DASHBOARD = _engine.from_string(
    LAYOUT_TOP
    + """<h1>{{ org.name }}</h1><p>{{ access.role_label }}</p>
{% if "view_products" in permissions %}<p>{% translate "Products" %}: {{ product_count }}</p>{% endif %}
{% if member_count is not None %}<p>{% translate "Users" %}: {{ member_count }}</p>{% endif %}
{% if address_count is not None %}<p>{% translate "Billing addresses" %}: {{ address_count }}</p>{% endif %}
<p>{{ org.country.name }} · {{ org.currency }}</p>
{% for series in figures %}<table><caption>{{ series.title }}: {{ series.currency }} {{ series.total }}</caption>
{% for month, amount in series.months %}<tr><th>{{ month|date:"F Y" }}</th><td>{{ amount }}</td></tr>{% endfor %}</table>{% endfor %}
{% for p in ending_partners %}<p>{{ p.partner.name }} {{ p.last_day|date:"SHORT_DATE_FORMAT" }}</p>{% endfor %}
{% for p in ending_clients %}<p>{{ p.client.name }} {{ p.last_day|date:"SHORT_DATE_FORMAT" }}</p>{% endfor %}
{% if clients is not None %}<h2>{% translate "Managed Clients" %}</h2>
{% for p in clients %}<p><a href="{% url 'dashboard' p.client_id %}">{{ p.client.name }}</a> {{ p.get_access_display }} · {{ p.client_product_count }}</p>{% endfor %}{% endif %}
{% for product in ending_soon %}<p><a href="{% url 'product_detail' org.pk product.pk %}">{{ product.name }}</a> {{ product.expires_at|date:"SHORT_DATE_FORMAT" }}</p>{% endfor %}
{% for category in categories %}<h3>{{ category.name }}</h3>{% for product in category.visible_products %}
<p><a href="{% url 'product_detail' org.pk product.pk %}">{{ product.name }}</a> {{ product.product_type.name }}</p>{% endfor %}{% endfor %}
"""
    + LAYOUT_BOTTOM
)


def _render(template, request, *, section: str, title: str, **context) -> HttpResponse:
    """The template with what its layout shows: the switcher, the menu for the access, the user."""
    access = request.access
    return HttpResponse(
        template.render(
            Context(
                {
                    "request": request,
                    "user": request.user,
                    "access": access,
                    "org": access.organization,
                    "permissions": {permission.value for permission in access.permissions},
                    "switcher": _organization_switcher(request.user, access.organization.pk),
                    "csrf_token": get_token(request),
                    "messages": [],
                    "LANGUAGE_CODE": request.LANGUAGE_CODE,
                    "languages": LANGUAGES,
                    "section": section,
                    "title": title,
                    **context,
                }
            )
        )
    )


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def managed_clients(request):
    access = request.access
    received = list(partner_selectors.pending_partnerships_of_partner(access)[:21])
    sent = list(partner_selectors.pending_client_requests(access)[:21])
    form = ManagedClientFilterForm(request.GET)
    clients = partner_selectors.managed_clients(access, **form.filters()).only(*MANAGED_CLIENT_COLUMNS)
    page = Paginator(clients, 50).get_page(request.GET.get("page"))
    # Row addresses reversed once per page, as the page does (`core.row_urls`): the comparison is of the
    # layout and machinery, not of a per-row `{% url %}` the page does not pay.
    open_url = row_url_format("dashboard", "org_id")
    who_pays_url = row_url_format("managed_client_who_pays", "partnership_id", org_id=access.organization.pk)
    stop_url = row_url_format("managed_client_stop", "partnership_id", org_id=access.organization.pk)
    for partnership in page:
        partnership.open_url = open_url.format(partnership.client_id)
        partnership.who_pays_url = who_pays_url.format(partnership.pk)
        partnership.stop_url = stop_url.format(partnership.pk)
    expired = list(partner_selectors.expired_client_requests(access)[:20])
    query = request.GET.copy()
    query.pop("page", None)
    export_form = BillingExportForm(access=access, today=timezone.localdate())
    return _render(
        MANAGED_CLIENTS,
        request,
        section="reseller",
        title="Managed Clients",
        received=received[:20],
        sent=sent[:20],
        expired=expired,
        form=form,
        page=page,
        query=query.urlencode(),
        export_form=export_form,
    )


@organization_view(Permission.VIEW_INVOICES)
def invoices(request):
    access = request.access
    form = InvoiceFilterForm(request.GET or None, years=billing_selectors.invoice_years(access))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    date_from, date_to = billing_selectors.period_dates(
        filters.get("period") or "", today=timezone.localdate()
    )
    found = billing_selectors.invoices_filtered(
        access,
        date_from=filters.get("date_from") or date_from,
        date_to=filters.get("date_to") or date_to,
        status=filters.get("status") or "",
        with_first_line=True,
    )
    page = BoundedPaginator(found, 25, bound=10_000).get_page(request.GET.get("page"))
    detail_url = row_url_format("invoice_detail", "invoice_id", org_id=access.organization.pk)
    pdf_url = row_url_format("invoice_pdf", "invoice_id", org_id=access.organization.pk)
    for invoice in page:
        invoice.first_line = line_description(invoice.first_line) if invoice.first_line else ""
        invoice.detail_url = detail_url.format(invoice.pk)
        invoice.pdf_url = pdf_url.format(invoice.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        INVOICES, request, section="billing", title="Invoices", form=form, page=page, query=query.urlencode()
    )


@organization_view(Permission.VIEW_DASHBOARD)
def dashboard(request):
    access = request.access
    categories = organization_selectors.product_categories_with_products(access)
    context = {
        "categories": categories,
        "product_count": sum(len(category.visible_products) for category in categories),
    }
    if access.can(Permission.VIEW_MEMBERS):
        context["member_count"] = organization_selectors.members_visible_to(access).count()
    if access.can(Permission.VIEW_BILLING):
        context["address_count"] = organization_selectors.billing_addresses_visible_to(access).count()
    context["figures"] = dashboard_figures(access)
    context["ending_soon"] = billing_selectors.products_ending_soon(
        [product for category in categories for product in category.visible_products]
    )
    if access.can(Permission.VIEW_MANAGED_CLIENTS):
        context["clients"] = list(partner_selectors.managed_clients(access)[:12])
    context["ending_partners"], context["ending_clients"] = partner_selectors.ending_soon(access)
    return _render(DASHBOARD, request, section="dashboard", title=access.organization.name, **context)


class InvoiceList(APIView):
    """DRF's defaults (the same authentication, permissions and throttling) around the same queryset and
    pagination; each invoice written as a plain dict."""

    pagination_class = InvoicePagination

    def get(self, request, org_id):
        access = resolve_access(request.user, org_id)
        if access is None or not access.can(Permission.VIEW_BILLING):
            return Response(status=404)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(billing_selectors.invoices_filtered(access), request, view=self)
        rows = [
            {
                "id": invoice.pk,
                "number": invoice.display_number,
                "kind": invoice.kind,
                "status": invoice.status,
                "issued_at": invoice.issued_at,
                "paid_at": invoice.paid_at,
                "currency": invoice.currency,
                "net_amount": invoice.net_amount,
                "tax_amount": invoice.tax_amount,
                "gross_amount": invoice.gross_amount,
                "credit_note_for": invoice.credit_note_for_id,
            }
            for invoice in page
        ]
        return paginator.get_paginated_response(rows)


# The reference view of each benchmarked page.
REFERENCE_VIEWS = {
    "Managed Clients page": "ref_managed_clients",
    "Invoices page": "ref_invoices",
    "Dashboard": "ref_dashboard",
    "API invoice list": "ref_invoice_list",
}

urlpatterns = [
    *product_urlpatterns,
    path("bench/reference/o/<id:org_id>/reseller/clients/", managed_clients, name="ref_managed_clients"),
    path("bench/reference/o/<id:org_id>/billing/invoices/", invoices, name="ref_invoices"),
    path("bench/reference/o/<id:org_id>/", dashboard, name="ref_dashboard"),
    path(
        "bench/reference/api/organizations/<id:org_id>/invoices",
        InvoiceList.as_view(),
        name="ref_invoice_list",
    ),
]
