"""Billing pages: Invoices (with the PDF), Wallet, and ordering or renewing a product.

Every read goes through billing.selectors with the caller's access, every change through billing.services.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from billing import idempotency, selectors, services
from billing.forms import InvoiceFilterForm, OrderForm, TopUpForm
from billing.pdf import invoice_context, invoice_filename, render_invoice_pdf
from organizations.access import Permission
from organizations.forms import apply_service_errors
from organizations.web import organization_view

INVOICES_PER_PAGE = 25
LEDGER_ENTRIES_PER_PAGE = 25
CASHBACK_SHOWN = 50
TOP_UP_SCOPE = "console.wallet.top_up"


def _refusal_message(refusal) -> str:
    return " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)


def _refuse(access, message: str):
    # A partner is answered "not found", as everywhere outside its grant.
    if access.hides_refusals:
        raise Http404(message)
    raise PermissionDenied(message)


# Invoices


@organization_view(Permission.VIEW_BILLING)
def invoices(request):
    access = request.access
    form = InvoiceFilterForm(request.GET or None, years=selectors.invoice_years(access))
    filters = {}
    if form.is_bound:
        form.is_valid()  # a wrong field is shown with its error; the valid ones still filter
        filters = form.cleaned_data
    date_from, date_to = selectors.period_dates(filters.get("period") or "", today=timezone.localdate())
    date_from = filters.get("date_from") or date_from
    date_to = filters.get("date_to") or date_to
    found = selectors.invoices_filtered(
        access, date_from=date_from, date_to=date_to, status=filters.get("status") or ""
    )
    page = Paginator(found, INVOICES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/invoices.html",
        {
            "form": form,
            "page": page,
            "filtered": any(filters.get(name) for name in ("period", "date_from", "date_to", "status")),
            "query": query.urlencode(),
            "date_from": date_from,
            "date_to": date_to,
        },
    )


def _invoice_or_404(access, invoice_id):
    invoice = selectors.invoice_for(access, invoice_id)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@organization_view(Permission.VIEW_BILLING)
def invoice_detail(request, invoice_id):
    invoice = _invoice_or_404(request.access, invoice_id)
    return render(request, "billing/invoice_detail.html", invoice_context(invoice))


@organization_view(Permission.VIEW_BILLING)
def invoice_pdf(request, invoice_id):
    invoice = _invoice_or_404(request.access, invoice_id)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_filename(invoice)}"'
    response["Cache-Control"] = "no-store"
    return response


# Wallet


def _top_up(request, form: TopUpForm) -> bool:
    """Top up once per displayed form: the form carries a key recorded with the top-up, so a double click or
    a resubmitted page does not pay twice."""
    access = request.access
    amount = form.cleaned_data["amount"]

    def perform():
        entry = services.wallet_top_up(access=access, amount=amount)
        return 201, {
            "currency": entry.wallet.currency,
            "amount": entry.amount,
            "balance": entry.balance_after,
        }

    try:
        answer = idempotency.answer_once(
            user=request.user,
            scope=TOP_UP_SCOPE,
            key=form.cleaned_data["idempotency_key"],
            request_hash=idempotency.fingerprint({"organization": access.organization.pk, "amount": amount}),
            perform=perform,
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    except (PermissionDenied, idempotency.KeyReused) as refusal:
        form.add_error(None, _refusal_message(refusal))
        return False
    if answer.replayed:
        messages.info(request, "This top-up has already been made.")
    else:
        body = answer.body
        messages.success(
            request,
            f"Your wallet has been topped up with {body['currency']} {body['amount']}. "
            f"Balance: {body['currency']} {body['balance']}.",
        )
    return True


@organization_view(Permission.VIEW_BILLING)
@require_http_methods(["GET", "POST"])
def wallet(request):
    access = request.access
    the_wallet = selectors.wallet_for(access)
    form = TopUpForm(request.POST or None, currency=the_wallet.currency)
    if request.method == "POST" and form.is_valid() and _top_up(request, form):
        return redirect("wallet", org_id=access.organization.pk)
    page = Paginator(selectors.ledger_entries_visible_to(access), LEDGER_ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    is_partner = access.organization.is_referenced_partner
    return render(
        request,
        "billing/wallet.html",
        {
            "wallet": the_wallet,
            "page": page,
            "form": form,
            "is_partner": is_partner,
            "cashback": list(selectors.cashback_received(access)[:CASHBACK_SHOWN]) if is_partner else [],
        },
    )


# Ordering and renewing


@organization_view(Permission.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def product_order(request):
    access = request.access
    if not selectors.can_order_products(access):
        _refuse(access, "You can manage only the products you were given; you cannot order new ones.")
    categories = selectors.orderable_catalog(access)
    product_types = [product_type for category in categories for product_type in category.orderable]
    form = OrderForm(request.POST or None, product_types=product_types)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.product_order(access=access, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, _refusal_message(refusal))
        else:
            return redirect("order_done", org_id=access.organization.pk, order_id=order.pk)
    selected = form["product_type"].value()
    return render(
        request,
        "billing/product_order.html",
        {
            "form": form,
            "categories": categories,
            "selected": str(selected) if selected else "",
        },
    )


@organization_view(Permission.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def product_renew(request, product_id):
    access = request.access
    product = selectors.renewable_product(access, product_id)
    if product is None:
        raise Http404("No such product.")
    error = None
    if request.method == "POST":
        try:
            order = services.product_renew(access=access, product=product)
        except (ValidationError, PermissionDenied) as refusal:
            error = _refusal_message(refusal)
        else:
            return redirect("order_done", org_id=access.organization.pk, order_id=order.pk)
    return render(
        request,
        "billing/product_renew.html",
        {"product": product, "quote": selectors.renewal_quote(access, product), "error": error},
    )


@organization_view(Permission.MANAGE_PRODUCTS)
def order_done(request, order_id):
    access = request.access
    order = selectors.placed_order_for(access, order_id)
    if order is None:
        raise Http404("No such order.")
    return render(
        request,
        "billing/order_done.html",
        {"order": order, "outcome": selectors.order_outcome(access, order)},
    )
