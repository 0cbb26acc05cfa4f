"""An invoice or credit note as a PDF: the HTML template `billing/invoice_pdf.html` rendered by WeasyPrint.

Everything printed comes from the invoice itself (seller and buyer as copied at issue, the lines with their
frozen tax wording, read in the active language by `billing.wordings`), so the PDF of an old invoice never
changes when an organization or a rate does.
WeasyPrint fetches nothing but our static files (`core.pdf`).
"""

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_countries import countries

from billing.models import Invoice, InvoiceKind
from billing.tax import TaxRule
from billing.wordings import line_description, line_tax_wording
from core.pdf import html_to_pdf
from organizations.languages import organization_language
from organizations.vat import format_vat_number


def _party(data: dict) -> dict:
    """The seller or buyer block: the copied data, with the VAT number formatted as its country writes it."""
    party = dict(data)
    party["country_name"] = countries.name(party.get("country") or "") or party.get("country") or ""
    number = party.get("vat_number") or ""
    if number and party.get("country"):
        try:
            party["vat_number"] = format_vat_number(party["country"], number)
        except ValueError:  # a number copied at issue is printed as it was, whatever its form
            party["vat_number"] = number
    return party


def invoice_context(invoice: Invoice) -> dict:
    """What the invoice page and the PDF print (uses the lines and credit notes prefetched, if any)."""
    lines = list(invoice.lines.all())
    buyer_country = (invoice.buyer or {}).get("country") or ""
    for line in lines:
        line.shown_description = line_description(line.description)
        line.shown_tax_wording = line_tax_wording(line, buyer_country)
    return {
        "invoice": invoice,
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "seller": _party(invoice.seller),
        "buyer": _party(invoice.buyer),
        "lines": lines,
        "reverse_charge": any(line.tax_rule == TaxRule.REVERSE_CHARGE for line in lines),
        "tax_wordings": list(dict.fromkeys(line.shown_tax_wording for line in lines)),
        "issued_on": timezone.localtime(invoice.issued_at).date(),
        "credit_note_for": invoice.credit_note_for,
        "credit_notes": list(invoice.credit_notes.all()),
    }


def render_invoice_html(invoice: Invoice) -> str:
    return render_to_string("billing/invoice_pdf.html", invoice_context(invoice))


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes, in the language of the organization's legal representative (whoever
    downloads it): the same document for everyone, with the same numbers."""
    with translation.override(organization_language(invoice.organization)):
        return html_to_pdf(render_invoice_html(invoice))


def invoice_filename(invoice: Invoice) -> str:
    return f"{invoice.display_number}.pdf"
