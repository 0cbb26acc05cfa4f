"""The URLconf of `manage.py bench`: the product's, and beside each benchmarked page a reference view.

A reference view is what a plain Django or DRF view costs for the same data: it runs the same queries as the
page (the bench checks that the counts agree) through the same selectors, and renders a minimal template or
JSON. The product's page must stay within a set factor of it. Never served in production: the bench loads it
with `override_settings(ROOT_URLCONF=...)`, and its gunicorn server with `console.bench_settings`.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template import Context, Engine
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors as billing_selectors
from billing.api.views import InvoicePagination
from billing.figures import dashboard_figures
from billing.forms import BillingExportForm
from console.context_processors import _organization_switcher
from console.urls import urlpatterns as product_urlpatterns
from core.paginators import BoundedPaginator
from core.row_urls import row_url_format
from organizations import selectors as organization_selectors
from organizations.access import Permission, resolve_access
from organizations.web import organization_view
from partners import selectors as partner_selectors

_engine = Engine.get_default()

SWITCHER = (
    "{% for entry in switcher.entries %}"
    '<a href="/o/{{ entry.organization.pk }}/">{{ entry.organization.name }}</a>{% endfor %}'
)
MANAGED_CLIENTS = _engine.from_string(
    "<!doctype html><title>Managed Clients</title>" + SWITCHER + "<p>{{ page.paginator.count }} clients</p>"
    '<table>{% for p in page %}<tr><td><a href="{{ p.open_url }}">{{ p.client.name }}</a></td>'
    "<td>{{ p.get_access_display }}</td><td>{{ p.get_payment_method_display }}</td>"
    "<td>{{ p.answered_at|date:'Y-m-d' }}</td><td>{{ p.client_product_count }}</td></tr>{% endfor %}</table>"
    "{{ form.as_div }}"
)
INVOICES = _engine.from_string(
    "<!doctype html><title>Invoices</title>" + SWITCHER + "<p>{{ page.paginator.count }} invoices</p>"
    "<table>{% for invoice in page %}<tr><td>"
    '<a href="{{ invoice.detail_url }}">{{ invoice.display_number }}</a> {{ invoice.first_line }}</td>'
    "<td>{{ invoice.issued_at|date:'Y-m-d' }}</td>"
    "<td>{{ invoice.net_amount }}</td><td>{{ invoice.tax_amount }}</td><td>{{ invoice.gross_amount }}</td>"
    "<td>{{ invoice.status }}</td></tr>{% endfor %}</table>{% for year in years %}{{ year }}{% endfor %}"
)
DASHBOARD = _engine.from_string(
    "<!doctype html><title>Dashboard</title>" + SWITCHER + "<p>{{ product_count }} products, "
    "{{ member_count }} users, {{ address_count }} addresses</p>"
    "{% for series in figures %}<p>{{ series }}</p>{% endfor %}"
    "{% for p in clients %}<p>{{ p.client.name }} {{ p.client_product_count }}</p>{% endfor %}"
)


def _render(template, request, **context) -> HttpResponse:
    """The template with the same organization switcher as the console's layout, without its other parts."""
    switcher = _organization_switcher(request.user)
    return HttpResponse(template.render(Context({"switcher": switcher, **context})))


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def managed_clients(request):
    access = request.access
    list(partner_selectors.pending_partnerships_of_partner(access)[:21])
    list(partner_selectors.pending_client_requests(access)[:21])
    list(partner_selectors.expired_client_requests(access)[:20])
    page = Paginator(partner_selectors.managed_clients(access), 50).get_page(request.GET.get("page"))
    open_url = row_url_format("dashboard", "org_id")
    for partnership in page:
        partnership.open_url = open_url.format(partnership.client_id)
    form = BillingExportForm(access=access, today=timezone.localdate())
    return _render(MANAGED_CLIENTS, request, page=page, form=form)


@organization_view(Permission.VIEW_BILLING)
def invoices(request):
    access = request.access
    years = billing_selectors.invoice_years(access)
    found = billing_selectors.invoices_filtered(access, with_first_line=True)
    page = BoundedPaginator(found, 25, bound=10_000).get_page(request.GET.get("page"))
    detail_url = row_url_format("invoice_detail", "invoice_id", org_id=access.organization.pk)
    for invoice in page:
        invoice.detail_url = detail_url.format(invoice.pk)
    return _render(INVOICES, request, page=page, years=years)


@organization_view(Permission.VIEW_DASHBOARD)
def dashboard(request):
    access = request.access
    categories = organization_selectors.product_categories_with_products(access)
    context = {"product_count": sum(len(category.visible_products) for category in categories)}
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
    context["ending"] = partner_selectors.ending_soon(access)
    return _render(DASHBOARD, request, **context)


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
