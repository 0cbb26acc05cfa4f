"""Django admin for billing: tax rates are data staff keep; everything money-related is read-only.

Invoices are immutable once issued and the wallet ledger is append-only, so neither is ever changed or
deleted here; a wrong invoice is corrected with the "Issue a credit note" action, which goes through
`billing.services.credit_note_issue` (refund to the wallet, audit event). Orders and wallets are the
services' records. Tax-rate changes are audited like every admin change.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries.filters import CountryFilter

from billing import payouts, services, statements
from billing.models import (
    BillingExportJob,
    IdempotencyRecord,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Order,
    PartnerStatement,
    Payout,
    RenewalReminder,
    TaxRate,
    Wallet,
)
from billing.pdf import invoice_filename, render_invoice_pdf
from core.admin import ReadOnlyAdmin
from core.spreadsheets import csv_response
from organizations.admin import AuditedAdmin, ReadOnlyInline


# What a refusal says, for the admin's messages: a service's ValidationError or PermissionDenied.
def _refusal_text(refusal) -> str:
    return " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)


@admin.register(TaxRate)
class TaxRateAdmin(AuditedAdmin):
    list_display = ("country", "rate_percent", "rate", "valid_from", "valid_until")
    list_filter = (("country", CountryFilter),)
    search_fields = ("country",)
    date_hierarchy = "valid_from"
    fields = ("country", "rate", "valid_from", "valid_until")

    @admin.display(description=gettext_lazy("rate (%)"), ordering="rate")
    def rate_percent(self, obj):
        return f"{obj.rate * 100:.2f}".rstrip("0").rstrip(".") + " %"

    def audit_organization(self, obj):
        return None

    def has_delete_permission(self, request, obj=None):
        # Issued invoices keep their rate; a row still documents which rate applied when.
        return False


# Invoices


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ("description", "order", "net_amount", "tax_wording", "tax_rate", "tax_amount", "gross_amount")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")


class CreditNoteInline(ReadOnlyInline):
    model = Invoice
    fk_name = "credit_note_for"
    fields = ("display_number", "issued_at", "gross_amount")
    readonly_fields = fields
    verbose_name = gettext_lazy("credit note")
    verbose_name_plural = gettext_lazy("credit notes")


class CreditNoteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("Recorded in the activity log of the organization."),
        widget=forms.TextInput(attrs={"size": 60}),
    )


_DISPLAY_NUMBER = re.compile(r"^\s*([A-Za-z]+\d{4})-?0*(\d+)\s*$")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "display_number",
        "kind",
        "organization",
        "issued_at",
        "currency",
        "net_amount",
        "tax_amount",
        "gross_amount",
        "status",
    )
    list_select_related = ("organization",)
    list_filter = ("kind", "status", "currency", "issued_at")
    search_fields = ("organization__name", "series")
    date_hierarchy = "issued_at"
    fields = (
        "display_number",
        "kind",
        "organization",
        "issued_at",
        "status",
        "paid_at",
        "credit_note_for",
        "currency",
        "net_amount",
        "tax_amount",
        "gross_amount",
        "seller",
        "buyer",
        "pdf",
    )
    readonly_fields = fields
    inlines = [InvoiceLineInline, CreditNoteInline]
    actions = ["issue_credit_note"]

    @admin.display(description=gettext_lazy("number"), ordering="number")
    def display_number(self, obj):
        return obj.display_number

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:billing_invoice_pdf", args=[obj.pk]), _("Download")
        )

    def get_search_results(self, request, queryset, search_term):
        # Staff paste the number as printed: INV2026-000001.
        match = _DISPLAY_NUMBER.match(search_term or "")
        if match:
            series, number = match.group(1).upper(), int(match.group(2))
            return queryset.filter(series=series, number=number), False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="billing_invoice_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=object_id)
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice_filename(invoice)}"'
        response["Cache-Control"] = "no-store"
        return response

    def has_credit_permission(self, request):
        return request.user.is_staff and self.has_view_permission(request)

    @admin.action(description=gettext_lazy("Issue a credit note"), permissions=["credit"])
    def issue_credit_note(self, request, queryset):
        """Ask for the reason, then credit each selected invoice through the service."""
        invoices = list(queryset.select_related("organization"))
        form = CreditNoteForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "billing/admin_credit_note.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Issue a credit note"),
                    "opts": self.model._meta,
                    "invoices": invoices,
                    "form": form,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                    "creditable": [
                        invoice
                        for invoice in invoices
                        if invoice.kind == InvoiceKind.INVOICE and invoice.status != InvoiceStatus.CREDITED
                    ],
                },
            )
        for invoice in invoices:
            try:
                credit_note = services.credit_note_issue(
                    invoice=invoice, by=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as refusal:
                self.message_user(
                    request,
                    _("%(number)s: %(refusal)s")
                    % {"number": invoice.display_number, "refusal": _refusal_text(refusal)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(number)s: credit note %(credit_note)s issued.")
                    % {"number": invoice.display_number, "credit_note": credit_note.display_number},
                    messages.SUCCESS,
                )
        return None


# Orders, wallets and the ledger


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "product",
        "organization",
        "payer",
        "placed_by_partner",
        "currency",
        "net_amount",
        "cashback_amount",
        "created_at",
    )
    list_select_related = ("product__product_type", "organization", "payer", "placed_by_partner")
    list_filter = ("kind", "payment_method", "currency", "created_at")
    search_fields = ("product__name", "organization__name", "payer__name", "placed_by__email")
    date_hierarchy = "created_at"


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("organization", "currency", "balance", "ledger")
    list_select_related = ("organization",)
    list_filter = ("currency",)
    search_fields = ("organization__name",)
    fields = ("organization", "currency", "balance", "ledger")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("ledger"))
    def ledger(self, obj):
        url = reverse("admin:billing_ledgerentry_changelist") + f"?wallet__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Entries"))


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organization", "kind", "amount", "balance_after", "description", "invoice")
    list_select_related = ("wallet__organization", "invoice")
    list_filter = ("kind", "wallet__currency", "created_at")
    search_fields = ("wallet__organization__name", "description")
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("organization"), ordering="wallet__organization__name")
    def organization(self, obj):
        return obj.wallet.organization


@admin.register(RenewalReminder)
class RenewalReminderAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "product", "days_before", "period_end", "payer")
    list_select_related = ("product__product_type", "payer")
    list_filter = ("days_before",)
    search_fields = ("product__name", "payer__name")
    date_hierarchy = "sent_at"


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "scope", "key", "response_status")
    list_select_related = ("user",)
    list_filter = ("scope",)
    search_fields = ("user__email", "key")
    date_hierarchy = "created_at"


@admin.register(BillingExportJob)
class BillingExportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organization", "requested_by", "history", "date_from", "date_to", "status")
    list_select_related = ("organization", "requested_by")
    list_filter = ("history", "status", "created_at")
    search_fields = ("organization__name", "requested_by__email", "filename")
    date_hierarchy = "created_at"


# Cashback payouts


class PayoutRefusalForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("Sent to the partner by email and shown on its payouts page."),
        widget=forms.TextInput(attrs={"size": 60}),
    )


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    """Payout requests: staff make the bank transfer, then mark the request paid out, or refuse it (the
    amount returns to the wallet). Both actions go through `billing.payouts`."""

    list_display = (
        "requested_at",
        "organization",
        "currency",
        "amount",
        "iban_display",
        "account_holder",
        "status",
        "decided_at",
    )
    list_select_related = ("organization",)
    list_filter = ("status", "currency", "requested_at")
    search_fields = ("organization__name", "account_holder", "iban", "requested_by__email")
    date_hierarchy = "requested_at"
    fields = (
        "organization",
        "currency",
        "amount",
        "iban_display",
        "account_holder",
        "status",
        "requested_by",
        "requested_at",
        "hold_entry",
        "decided_by",
        "decided_at",
        "refusal_reason",
        "release_entry",
    )
    readonly_fields = fields
    actions = ["approve_payouts", "refuse_payouts"]

    @admin.display(description=gettext_lazy("IBAN"), ordering="iban")
    def iban_display(self, obj):
        return obj.iban_display.replace(" ", "\u00a0")  # one line in the list

    def has_decide_permission(self, request):
        return request.user.is_staff and self.has_view_permission(request)

    @admin.action(description=gettext_lazy("Mark as paid out (transfer made)"), permissions=["decide"])
    def approve_payouts(self, request, queryset):
        for payout in queryset.select_related("organization"):
            try:
                payouts.payout_approve(payout=payout, by=request.user)
            except (ValidationError, PermissionDenied) as refusal:
                self.message_user(
                    request,
                    _("Payout %(id)s: %(refusal)s") % {"id": payout.pk, "refusal": _refusal_text(refusal)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("Payout %(id)s of %(organization)s is paid out.")
                    % {"id": payout.pk, "organization": payout.organization},
                    messages.SUCCESS,
                )

    @admin.action(
        description=gettext_lazy("Refuse (the amount returns to the wallet)"), permissions=["decide"]
    )
    def refuse_payouts(self, request, queryset):
        chosen = list(queryset.select_related("organization"))
        form = PayoutRefusalForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "billing/admin_payout_refuse.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Refuse payouts"),
                    "opts": self.model._meta,
                    "payouts": chosen,
                    "form": form,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        for payout in chosen:
            try:
                payouts.payout_refuse(payout=payout, by=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as refusal:
                self.message_user(
                    request,
                    _("Payout %(id)s: %(refusal)s") % {"id": payout.pk, "refusal": _refusal_text(refusal)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("Payout %(id)s of %(organization)s is refused; the amount is back in its wallet.")
                    % {"id": payout.pk, "organization": payout.organization},
                    messages.SUCCESS,
                )
        return None


# Partner statements


@admin.register(PartnerStatement)
class PartnerStatementAdmin(ReadOnlyAdmin):
    """Every partner's monthly statements, as produced (frozen), with their PDF and CSV."""

    list_display = ("month", "organization", "currency", "cashback", "savings", "closing", "downloads")
    list_select_related = ("organization",)
    list_filter = ("month", "currency")
    search_fields = ("organization__name",)
    date_hierarchy = "month"
    fields = ("organization", "month", "currency", "created_at", "created_by", "downloads", "figures")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("cashback"))
    def cashback(self, obj):
        return obj.figures.get("cashback_total")

    @admin.display(description=gettext_lazy("reseller-discount savings"))
    def savings(self, obj):
        return obj.figures.get("savings_total")

    @admin.display(description=gettext_lazy("balance at the end"))
    def closing(self, obj):
        return obj.figures.get("ledger", {}).get("closing")

    @admin.display(description=gettext_lazy("downloads"))
    def downloads(self, obj):
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">CSV</a>',
            reverse("admin:billing_partnerstatement_file", args=[obj.pk, "pdf"]),
            reverse("admin:billing_partnerstatement_file", args=[obj.pk, "csv"]),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/file/<str:kind>/",
                self.admin_site.admin_view(self.file_view),
                name="billing_partnerstatement_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, object_id, kind):
        if not self.has_view_permission(request) or kind not in ("pdf", "csv"):
            raise PermissionDenied
        statement = get_object_or_404(PartnerStatement, pk=object_id)
        if kind == "csv":
            return csv_response(f"{statement.filename_stem}.csv", statements.statement_csv_lines(statement))
        response = HttpResponse(statements.render_statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement.filename_stem}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
