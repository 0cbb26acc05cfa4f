"""Billing pages: Invoices (with the PDF), Wallet, ordering or renewing a product, and the billing-history
export of Reseller Area → Managed Clients.

Every read goes through billing.selectors with the caller's access, every change through billing.services.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing import idempotency, payouts, selectors, services, statements
from billing.exports import (
    export_lines,
    export_of_job,
    export_rate_limited,
    own_invoices_filename,
    own_invoices_lines,
    prepared_export_response,
)
from billing.forms import (
    BillingExportForm,
    ChangeTypeForm,
    InvoiceFilterForm,
    OrderForm,
    PayoutForm,
    StatementForm,
    TopUpForm,
)
from billing.models import BillingExportJob, ExportStatus, InvoiceStatus
from billing.pdf import invoice_context, invoice_filename, render_invoice_pdf
from billing.wordings import line_description, movement_description
from core.paginators import BoundedPaginator
from core.row_urls import row_url_format
from core.spreadsheets import csv_response
from core.templatetags.money import format_money
from organizations.access import Permission
from organizations.forms import apply_service_errors
from organizations.web import organization_view

INVOICES_PER_PAGE = 25
# Past this many, the Invoices page says "more than" and numbers its pages without a last one.
INVOICES_COUNTED = 10_000
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


@organization_view(Permission.VIEW_INVOICES)
def invoices(request):
    access = request.access
    form, filters, date_from, date_to, found = _filtered_invoices(request, with_first_line=True)
    paginator = BoundedPaginator(found, INVOICES_PER_PAGE, bound=INVOICES_COUNTED)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    detail_url = row_url_format("invoice_detail", "invoice_id", org_id=access.organization.pk)
    pdf_url = row_url_format("invoice_pdf", "invoice_id", org_id=access.organization.pk)
    # Translated once for the page, not once per row.
    pdf_label = _("Download %(number)s as PDF")
    for invoice in page.object_list:
        invoice.detail_url, invoice.pdf_url = detail_url.format(invoice.pk), pdf_url.format(invoice.pk)
        invoice.pdf_label = pdf_label % {"number": invoice.display_number}
        invoice.first_line = (
            line_description(invoice.first_line) if invoice.first_line else invoice.first_line
        )
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


def _filtered_invoices(request, *, with_first_line: bool = False):
    """The form of the Invoices page's filters, its days and the invoices they select (an invalid field is
    shown with its error; the valid ones still filter)."""
    access = request.access
    form = InvoiceFilterForm(request.GET or None, years=selectors.invoice_years(access))
    filters = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    date_from, date_to = selectors.period_dates(filters.get("period") or "", today=timezone.localdate())
    date_from = filters.get("date_from") or date_from
    date_to = filters.get("date_to") or date_to
    found = selectors.invoices_filtered(
        access,
        date_from=date_from,
        date_to=date_to,
        status=filters.get("status") or "",
        with_first_line=with_first_line,
    )
    return form, filters, date_from, date_to, found


@organization_view(Permission.VIEW_INVOICES)
def invoices_export(request):
    """Invoices → Export: the invoices and credit notes the filters select, as a CSV file."""
    if export_rate_limited(request):
        messages.error(request, _("You have exported many files within the hour; please try again later."))
        invoices_url = reverse("invoices", kwargs={"org_id": request.access.organization.pk})
        return redirect(f"{invoices_url}?{request.GET.urlencode()}")
    *_unused, found = _filtered_invoices(request)
    filename = own_invoices_filename(request.access.organization, today=timezone.localdate())
    return csv_response(filename, own_invoices_lines(found))


def _invoice_or_404(access, invoice_id):
    invoice = selectors.invoice_for(access, invoice_id)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@organization_view(Permission.VIEW_INVOICES)
def invoice_detail(request, invoice_id):
    access = request.access
    invoice = _invoice_or_404(access, invoice_id)
    context = invoice_context(invoice)
    context["pay_now"] = selectors.pay_now_for(access, invoice)
    return render(request, "billing/invoice_detail.html", context)


@organization_view(Permission.TOP_UP_WALLET)
@require_POST
def invoice_pay(request, invoice_id):
    """Pay now: a due invoice from the wallet. A second click finds it paid and pays nothing again."""
    access = request.access
    invoice = _invoice_or_404(access, invoice_id)
    was_paid = invoice.status == InvoiceStatus.PAID
    try:
        invoice = services.invoice_pay(access=access, invoice=invoice)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
    else:
        if was_paid:
            messages.info(request, _("This invoice has already been paid."))
        else:
            messages.success(
                request,
                _("Invoice %(number)s has been paid from your wallet.") % {"number": invoice.display_number},
            )
    return redirect("invoice_detail", org_id=access.organization.pk, invoice_id=invoice.pk)


@organization_view(Permission.VIEW_INVOICES)
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
        messages.info(request, _("This top-up has already been made."))
    else:
        body = answer.body
        messages.success(
            request,
            _("Your wallet has been topped up with %(amount)s. Balance: %(balance)s.")
            % {
                "amount": format_money(body["amount"], body["currency"]),
                "balance": format_money(body["balance"], body["currency"]),
            },
        )
    return True


@organization_view(Permission.VIEW_BILLING)
@require_http_methods(["GET", "POST"])
def wallet(request):
    access = request.access
    can_top_up = access.can(Permission.TOP_UP_WALLET)
    if request.method == "POST" and not can_top_up:
        _refuse(
            access,
            _("Your role (%(role)s) does not allow you to top up the wallet.") % {"role": access.role_label},
        )
    the_wallet = selectors.wallet_for(access)
    form = TopUpForm(request.POST or None, currency=the_wallet.currency) if can_top_up else None
    if request.method == "POST" and form.is_valid() and _top_up(request, form):
        return redirect("wallet", org_id=access.organization.pk)
    page = Paginator(selectors.ledger_entries_visible_to(access), LEDGER_ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    is_partner = access.organization.is_referenced_partner
    cashback = list(selectors.cashback_received(access)[:CASHBACK_SHOWN]) if is_partner else []
    page.object_list = list(page.object_list)
    for entry in [*page.object_list, *cashback]:
        entry.shown_description = movement_description(entry.description)
    return render(
        request,
        "billing/wallet.html",
        {
            "wallet": the_wallet,
            "page": page,
            "form": form,
            "is_partner": is_partner,
            "cashback": cashback,
        },
    )


# Ordering and renewing


@organization_view(Permission.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def product_order(request):
    access = request.access
    if not access.can(Permission.ORDER_PRODUCTS):
        _refuse(access, _("You can manage only the products you were given; you cannot order new ones."))
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
            "prices_include_tax": any(product_type.quote.included_tax for product_type in product_types),
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
    quote = selectors.renewal_quote(access, product)
    return render(
        request,
        "billing/product_renew.html",
        {
            "product": product,
            "quote": quote,
            "shows_price": selectors.sees_price(access, quote),
            "error": error,
        },
    )


# Subscriptions: automatic renewal, cancellation at the end of the period, change of type


def _managed_product_or_404(access, product_id):
    product = selectors.renewable_product(access, product_id)
    if product is None:
        raise Http404("No such product.")
    return product


@organization_view(Permission.MANAGE_PRODUCTS)
@require_POST
def product_auto_renew(request, product_id):
    """The switch of the product page: automatic renewal on or off."""
    access = request.access
    product = _managed_product_or_404(access, product_id)
    auto_renew = request.POST.get("auto_renew") == "on"
    try:
        services.product_auto_renew_set(access=access, product=product, auto_renew=auto_renew)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
    else:
        messages.success(
            request,
            _("Automatic renewal is on.") if auto_renew else _("Automatic renewal is off."),
        )
    return redirect("product_detail", org_id=access.organization.pk, product_id=product.pk)


@organization_view(Permission.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def product_cancel(request, product_id):
    """Cancel at the end of the period, after a confirmation page."""
    access = request.access
    product = _managed_product_or_404(access, product_id)
    error = None
    if request.method == "POST":
        try:
            product = services.product_cancel(access=access, product=product)
        except (ValidationError, PermissionDenied) as refusal:
            error = _refusal_message(refusal)
        else:
            messages.success(
                request,
                _("%(product)s is cancelled: it ends on %(day)s and is not renewed.")
                % {
                    "product": product.name,
                    "day": date_format(timezone.localtime(product.expires_at), "SHORT_DATE_FORMAT"),
                },
            )
            return redirect("product_detail", org_id=access.organization.pk, product_id=product.pk)
    return render(request, "billing/product_cancel.html", {"product": product, "error": error})


@organization_view(Permission.MANAGE_PRODUCTS)
@require_http_methods(["GET", "POST"])
def product_change_type(request, product_id):
    """Upgrade or downgrade to another type of the category, with the prorated amount of each choice."""
    access = request.access
    product = _managed_product_or_404(access, product_id)
    options = selectors.type_change_options(access, product)
    form = ChangeTypeForm(request.POST or None, product_types=[option.product_type for option in options])
    if request.method == "POST" and form.is_valid():
        try:
            invoice = services.product_change_type(
                access=access, product=product, product_type=form.cleaned_data["product_type"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, _refusal_message(refusal))
        else:
            message = _("%(product)s is now %(product_type)s.") % {
                "product": product.name,
                "product_type": form.cleaned_data["product_type"].name,
            }
            if (
                invoice is not None
                and access.can(Permission.VIEW_BILLING)
                and (invoice.organization_id == access.organization.pk)
            ):
                message += " " + _("%(document)s %(number)s has been issued.") % {
                    "document": invoice.get_kind_display(),
                    "number": invoice.display_number,
                }
            messages.success(request, message)
            return redirect("product_detail", org_id=access.organization.pk, product_id=product.pk)
    return render(
        request, "billing/product_change_type.html", {"product": product, "options": options, "form": form}
    )


# Who pays: the renewals of the coming 12 months under each choice, for the partner


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def managed_client_who_pays(request, partnership_id):
    """Reseller Area: what the client's renewals would cost, and who would pay them, under each choice."""
    access = request.access
    partnership = selectors.managed_partnership(access, partnership_id)
    if partnership is None:
        raise Http404("No such client.")
    return render(
        request,
        "billing/managed_client_who_pays.html",
        {"partnership": partnership, "previews": selectors.who_pays_preview(access, partnership)},
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


# Reseller Area → Managed Clients → Download: the billing-history export


def _export_context(request, **context) -> dict:
    return {"access": request.access, "keep_hours": settings.BILLING_EXPORT_KEEP_HOURS, **context}


def _export_job_or_404(request, job_id) -> BillingExportJob:
    job = selectors.billing_export_job_for(request.access, job_id)
    if job is None:
        raise Http404("No such export.")
    return job


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
@require_http_methods(["GET", "POST"])
def managed_clients_export(request):
    """The dialog's form (GET: a fresh one); Export checks it, then starts the download at once or, for a
    large file, shows the progress of its preparation."""
    access = request.access
    form = BillingExportForm(
        request.POST if request.method == "POST" else None, access=access, today=timezone.localdate()
    )
    if request.method == "POST" and form.is_valid():
        if export_rate_limited(request):
            form.add_error(None, _("You have exported many files within the hour; please try again later."))
        else:
            job = services.billing_export_request(
                access=access, export=form.cleaned_data["export"], stream=False
            )
            job.refresh_from_db()  # a background export may already have run (no separate worker)
            if job.status != ExportStatus.STREAMED:
                return render(
                    request, "billing/_export.html#export_progress", _export_context(request, job=job)
                )
            url = reverse(
                "billing_export_download", kwargs={"org_id": access.organization.pk, "job_id": job.pk}
            )
            response = render(
                request, "billing/_export.html#export_started", _export_context(request, job=job)
            )
            response["HX-Trigger"] = json.dumps({"billingExportDownload": {"url": url}})
            return response
    return render(request, "billing/_export.html#export_form", _export_context(request, form=form))


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def billing_export_status(request, job_id):
    """The progress of a background export, polled by the dialog."""
    job = _export_job_or_404(request, job_id)
    return render(request, "billing/_export.html#export_progress", _export_context(request, job=job))


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def billing_export_download(request, job_id):
    """The file, for the user who asked for it: a direct export streams once; a prepared one is served from
    the storage until it expires."""
    job = _export_job_or_404(request, job_id)
    if job.status == ExportStatus.STREAMED:
        if not services.billing_export_claim(job=job):
            raise Http404("This file was already downloaded; export it again.")
        return csv_response(job.filename, export_lines(export_of_job(job)))
    response = prepared_export_response(job)
    if response is None:
        raise Http404("This export is not available (still being prepared, or expired).")
    return response


# Wallet → Cashback payouts

PAYOUT_SCOPE = "console.wallet.payout"
PAYOUTS_PER_PAGE = 25


def _payout_request(request, form: PayoutForm) -> bool:
    """Ask once per displayed form (its key is recorded with the request): a double click asks once."""
    access = request.access
    data = form.cleaned_data

    def perform():
        payout = payouts.payout_request(
            access=access, amount=data["amount"], iban=data["iban"], account_holder=data["account_holder"]
        )
        return 201, {"id": payout.pk, "amount": payout.amount, "currency": payout.currency}

    try:
        answer = idempotency.answer_once(
            user=request.user,
            scope=PAYOUT_SCOPE,
            key=data["idempotency_key"],
            request_hash=idempotency.fingerprint(
                {
                    "organization": access.organization.pk,
                    "amount": data["amount"],
                    "iban": data["iban"],
                    "account_holder": data["account_holder"],
                }
            ),
            perform=perform,
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    except (PermissionDenied, idempotency.KeyReused) as refusal:
        form.add_error(None, _refusal_message(refusal))
        return False
    if answer.replayed:
        messages.info(request, _("This payout has already been requested."))
    else:
        messages.success(
            request,
            _(
                "Your payout of %(amount)s has been requested. It has left the wallet and is held until "
                "it is paid."
            )
            % {"amount": format_money(answer.body["amount"], answer.body["currency"])},
        )
    return True


@organization_view(Permission.VIEW_BILLING)
@require_http_methods(["GET", "POST"])
def payouts_page(request):
    access = request.access
    if not access.organization.is_referenced_partner:
        raise Http404("Only partners receive cashback.")
    the_wallet = selectors.wallet_for(access)
    may_request = access.can(Permission.REQUEST_PAYOUTS)
    payable = payouts.payable_amount(the_wallet)
    form = PayoutForm(
        request.POST if request.method == "POST" else None,
        currency=the_wallet.currency,
        initial={"amount": payable} if payable else {},
    )
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied(
                _("Only the legal representatives and administrators of a partner can request a payout.")
            )
        if form.is_valid() and _payout_request(request, form):
            return redirect("payouts", org_id=access.organization.pk)
    page = Paginator(selectors.payouts_visible_to(access), PAYOUTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/payouts.html",
        {
            "wallet": the_wallet,
            "payable": payable,
            "form": form if may_request else None,
            "page": page,
        },
    )


# Billing → Statements (partners)

STATEMENT_MONTHS = 24


def _statement_months(today) -> list:
    """The months a statement can be asked for: the last ones that are over, newest first."""
    months, month = [], statements.previous_month(today)
    for _index in range(STATEMENT_MONTHS):
        months.append(month)
        month = statements.previous_month(month)
    return months


@organization_view(Permission.VIEW_BILLING)
@require_http_methods(["GET", "POST"])
def statements_page(request):
    access = request.access
    if not access.organization.is_referenced_partner:
        raise Http404("Only partners have statements.")
    today = timezone.localdate()
    form = StatementForm(request.POST if request.method == "POST" else None, months=_statement_months(today))
    if request.method == "POST" and form.is_valid():
        try:
            statement = statements.statement_produce(
                access=access, month=form.cleaned_data["month"], today=today
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, _refusal_message(refusal))
        else:
            messages.success(
                request,
                _("The statement of %(month)s is ready.")
                % {"month": date_format(statement.month, "YEAR_MONTH_FORMAT")},
            )
            return redirect("statements", org_id=access.organization.pk)
    page = Paginator(selectors.statements_visible_to(access), 24).get_page(request.GET.get("page"))
    return render(request, "billing/statements.html", {"form": form, "page": page})


def _statement_or_404(access, statement_id):
    statement = selectors.statement_for(access, statement_id)
    if statement is None:
        raise Http404("No such statement.")
    return statement


@organization_view(Permission.VIEW_BILLING)
def statement_pdf(request, statement_id):
    statement = _statement_or_404(request.access, statement_id)
    response = HttpResponse(statements.render_statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement.filename_stem}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@organization_view(Permission.VIEW_BILLING)
def statement_csv(request, statement_id):
    statement = _statement_or_404(request.access, statement_id)
    return csv_response(f"{statement.filename_stem}.csv", statements.statement_csv_lines(statement))
