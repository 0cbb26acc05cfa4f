"""Invoices, credit notes and DPA certificates are written in the language of the organization's legal
representative, whoever downloads them, with the same numbers in every language."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from billing import pdf as billing_pdf
from billing import services as billing_services
from compliance import dpa
from compliance import services as compliance_services
from organizations.access import resolve_access
from organizations.languages import organization_language
from organizations.models import ProductType, Role
from tests.factories import member

# An amount with its cents ("1'234.50", "1 234,50", "69.00"), not part of a date or a longer number.
AMOUNT = re.compile(r"(?<![\d.,'’])\d{1,3}(?:['’\u202f\u00a0 .,]?\d{3})*[.,]\d{2}(?![\d.,])")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def amounts(text: str) -> list[str]:
    """Every amount of the text, written the same way whatever the language wrote it."""
    return sorted(re.sub(r"\D", "", found) for found in AMOUNT.findall(text))


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def invoice(organization, legal_representative):
    order = billing_services.product_order(
        access=resolve_access(legal_representative, organization),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="shop.helvetia.example",
    )
    return order.invoice_lines.get().invoice


@pytest.fixture
def rendered_language(monkeypatch):
    """The language active when each PDF's HTML is turned into a PDF."""
    languages = []

    def capture(html: str) -> bytes:
        languages.append(translation.get_language())
        return b"%PDF-"

    monkeypatch.setattr(billing_pdf, "html_to_pdf", capture)
    monkeypatch.setattr(dpa, "html_to_pdf", capture)
    return languages


def test_an_organization_speaks_its_first_legal_representatives_language(organization, legal_representative):
    assert organization_language(organization) == "en"  # nobody chose one: English
    administrator = speaking(member(organization, Role.ADMINISTRATOR), "it")
    assert organization_language(organization) == "en"  # an administrator does not decide
    speaking(member(organization, Role.LEGAL_REPRESENTATIVE), "de")
    assert organization_language(organization) == "de"
    speaking(legal_representative, "fr")
    assert organization_language(organization) == "fr"  # the first legal representative
    assert administrator.language == "it"
    assert organization_language(None) == "en"


def test_the_invoice_pdf_is_in_the_legal_representatives_language_whoever_downloads_it(
    client, organization, legal_representative, administrator, invoice, rendered_language
):
    speaking(legal_representative, "de")
    speaking(administrator, "it")
    client.force_login(administrator)

    response = client.get(
        reverse("invoice_pdf", kwargs={"org_id": organization.pk, "invoice_id": invoice.pk}),
        headers={"accept-language": "fr"},
    )

    assert response.status_code == 200
    assert rendered_language == ["de"]


def test_the_dpa_certificate_is_in_the_legal_representatives_language(
    organization, legal_representative, rendered_language
):
    speaking(legal_representative, "fr")
    certificate = compliance_services.dpa_certificate_issue(
        access=resolve_access(legal_representative, organization)
    )

    with translation.override("en"):
        dpa.certificate_response(certificate)
        assert translation.get_language() == "en"

    assert rendered_language == ["fr"]


def test_a_german_speaking_organizations_invoice_has_german_labels_and_the_same_amounts(
    organization, legal_representative, invoice
):
    english = pdf_text(billing_pdf.render_invoice_pdf(invoice))
    speaking(legal_representative, "de")

    german = pdf_text(billing_pdf.render_invoice_pdf(invoice))

    assert "Invoice" in english
    assert "Rechnung" in german
    assert "Schweiz" in german  # the buyer's country, named in German
    assert "Invoice" not in german
    assert invoice.display_number in german
    assert amounts(german) == amounts(english)
    assert re.sub(r"\D", "", f"{invoice.gross_amount}") in amounts(german)
