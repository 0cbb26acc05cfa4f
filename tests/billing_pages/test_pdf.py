"""The invoice PDF: downloaded as an attachment named after the invoice, never cached, and printing the
number, both parties with their VAT numbers, the tax wording and, for an EU business, "Reverse charge"."""

import io
import re

import pytest
from pypdf import PdfReader

from billing import services
from billing.pdf import render_invoice_pdf
from organizations.models import Role
from tests.billing_pages.support import invoice_of, order, url
from tests.factories import member


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def eu_legal(eu_business):
    return member(eu_business, Role.LEGAL_REPRESENTATIVE, email="legal@berlin.example")


def test_the_pdf_is_an_attachment_named_after_the_invoice_and_not_cached(
    client, organization, legal_representative
):
    invoice = invoice_of(order(legal_representative, organization))
    client.force_login(legal_representative)

    response = client.get(url("invoice_pdf", organization, invoice_id=invoice.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.display_number}.pdf"'
    assert re.fullmatch(r"INV\d{4}-000001", invoice.display_number)
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")


def test_an_eu_business_invoice_prints_reverse_charge_and_the_buyers_vat_number(
    client, eu_business, eu_legal
):
    invoice = invoice_of(order(eu_legal, eu_business, name="shop.berlin.example"))
    client.force_login(eu_legal)

    response = client.get(url("invoice_pdf", eu_business, invoice_id=invoice.pk))

    text = pdf_text(response.content)
    assert invoice.display_number in text
    assert "Berlin Shop GmbH" in text
    assert "DE 136695976" in text
    assert "Reverse charge" in text
    assert "Art. 196 Directive 2006/112/EC" in text
    assert "EUR 0.00" in text
    assert "EUR 69.00" in text
    assert "Manager Hosting SA" in text
    assert "CHE-116.281.710 MWST" in text


def test_a_swiss_invoice_prints_swiss_vat_and_no_reverse_charge(organization, legal_representative):
    invoice = invoice_of(order(legal_representative, organization, name="shop.helvetia.example"))

    text = pdf_text(render_invoice_pdf(invoice))

    assert invoice.display_number in text
    assert "Swiss VAT 8.1 %" in text
    assert "CHF 74.59" in text
    assert "Reverse charge" not in text
    assert "shop.helvetia.example" in text


def test_a_credit_note_pdf_refers_to_the_invoice_it_credits(organization, legal_representative, admin_user):
    invoice = invoice_of(order(legal_representative, organization))
    credit_note = services.credit_note_issue(invoice=invoice, by=admin_user, reason="Mistake")

    credit_text = pdf_text(render_invoice_pdf(credit_note))
    invoice_text = pdf_text(render_invoice_pdf(invoice))

    assert "Credit note" in credit_text
    assert credit_note.display_number in credit_text
    assert f"Credits invoice {invoice.display_number}" in credit_text
    assert "CHF -74.59" in credit_text
    assert f"Credited by {credit_note.display_number}" in invoice_text


def test_the_pdf_fetches_nothing_but_our_static_files(organization, legal_representative, monkeypatch):
    """A line naming an address is printed as text; the renderer is never asked to load anything else."""
    from core import pdf

    invoice = invoice_of(order(legal_representative, organization, name="https://example.com/x.png"))
    fetched = []
    fetcher_class = pdf.static_only_fetcher_class()
    original = fetcher_class.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(fetcher_class, "fetch", spy)

    render_invoice_pdf(invoice)

    assert fetched == ["file:///static/console/favicon.svg"]
    with pytest.raises(ValueError, match="only our static files"):
        fetcher_class(allowed_protocols={"file", "data"}).fetch("https://example.com/logo.png")


def test_the_logo_is_printed_from_the_collected_static_files_under_their_hashed_name(
    organization, legal_representative, monkeypatch, settings, tmp_path, caplog
):
    """Production serves `collectstatic`'s hashed names (`favicon.<hash>.svg`), which only the collected
    copy has: the PDF loads the logo from there, with no "failed to load image" in the log."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    from core import pdf

    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    hashed = staticfiles_storage.url("console/favicon.svg")
    assert re.fullmatch(r"/static/console/favicon\.[0-9a-f]{12}\.svg", hashed)
    # The app folders do not have the hashed name: only the collected files can answer.
    monkeypatch.setattr(pdf.finders, "find", lambda name: None)
    fetched = []
    fetcher_class = pdf.static_only_fetcher_class()
    original = fetcher_class.fetch

    def spy(self, url, headers=None):
        response = original(self, url, headers)  # raises (and WeasyPrint logs) when the file is not found
        fetched.append(url)
        return response

    monkeypatch.setattr(fetcher_class, "fetch", spy)
    invoice = invoice_of(order(legal_representative, organization))

    with caplog.at_level("WARNING", logger="weasyprint"):
        render_invoice_pdf(invoice)

    assert fetched == [f"file://{hashed}"]
    assert not [record for record in caplog.records if "image" in record.getMessage().lower()]


def test_a_static_name_leading_out_of_the_static_folders_is_refused(settings, tmp_path):
    from core import pdf

    settings.STATIC_ROOT = tmp_path / "staticfiles"
    fetcher = pdf.static_only_fetcher_class()(allowed_protocols={"file", "data"})

    with pytest.raises(ValueError, match="only our static files"):
        fetcher.fetch("file:///static/../../../etc/passwd")
