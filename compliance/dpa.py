"""The DPA certificate: its number, its verification code and its PDF.

The verification code is an HMAC of the certificate number under a key derived from SECRET_KEY: it cannot be
guessed, nor computed by anyone who knows only a number, and a code belongs to exactly one number.
"""

import secrets

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext_lazy

from compliance.models import DpaCertificate
from core.pdf import html_to_pdf
from organizations.languages import organization_language

CODE_SALT = "compliance.dpa_certificate.verification_code"
CODE_LENGTH = 20
# Crockford's base 32: no I, L, O or U, so a code read aloud or retyped is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# The processor's commitments, as the data protection guide lists them.
COMMITMENTS = [
    gettext_lazy(
        "Your data are kept in data centers located exclusively in Switzerland and are never transferred "
        "outside these infrastructures."
    ),
    gettext_lazy(
        "Strict security standards are applied, and processes are constantly improved to ensure a high level "
        "of security across all services."
    ),
    gettext_lazy("You are informed promptly in the event of a data breach."),
    gettext_lazy("You are told transparently when subcontractors who may process your data are used."),
    gettext_lazy(
        "Physical security measures are strengthened and developed to prevent unauthorized access to the "
        "infrastructure where your data is stored."
    ),
    gettext_lazy(
        "Physical and/or logical isolation systems separate the hosting of different clients, and annual "
        "intrusion tests verify the separation of data between clients."
    ),
    gettext_lazy(
        "Security systems under the provider's responsibility are updated with great responsiveness."
    ),
]


def new_certificate_number() -> str:
    """A number that reveals nothing about how many certificates were issued."""
    return f"DPA-{timezone.localdate():%Y}-{secrets.token_hex(5).upper()}"


def verification_code(number: str) -> str:
    digest = salted_hmac(CODE_SALT, number, algorithm="sha256").digest()
    value = int.from_bytes(digest, "big")
    characters = []
    for _ in range(CODE_LENGTH):
        value, index = divmod(value, len(CODE_ALPHABET))
        characters.append(CODE_ALPHABET[index])
    code = "".join(characters)
    return "-".join(code[start : start + 5] for start in range(0, CODE_LENGTH, 5))


def normalise_code(code: str) -> str:
    compact = "".join(character for character in (code or "").upper() if character.isalnum())
    compact = compact.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return "-".join(compact[start : start + 5] for start in range(0, len(compact), 5))


def certificate_verified(number: str, code: str) -> DpaCertificate | None:
    """The certificate with this number when the code is its own; None for any other pair."""
    number = (number or "").strip().upper()
    if not number or not code or len(number) > 32:
        return None
    if not constant_time_compare(verification_code(number), normalise_code(code)):
        return None
    return DpaCertificate.objects.filter(number=number).first()


def verification_url(certificate: DpaCertificate) -> str:
    query = urlencode({"number": certificate.number, "code": verification_code(certificate.number)})
    return f"{settings.SITE_URL.rstrip('/')}{reverse('dpa_verify')}?{query}"


def certificate_context(certificate: DpaCertificate) -> dict:
    return {
        "certificate": certificate,
        "issued_on": timezone.localtime(certificate.issued_at).date(),
        "code": verification_code(certificate.number),
        "verification_url": verification_url(certificate),
        "commitments": COMMITMENTS,
        "processor": settings.SELLER,
    }


def render_certificate_pdf(certificate: DpaCertificate) -> bytes:
    """The certificate in the language of the organization's legal representative."""
    with translation.override(organization_language(certificate.organization)):
        return html_to_pdf(
            render_to_string("compliance/dpa_certificate_pdf.html", certificate_context(certificate))
        )


def certificate_response(certificate: DpaCertificate) -> HttpResponse:
    """The certificate as a PDF download, never kept in a cache."""
    response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{certificate.number}.pdf"
    )
    response["Cache-Control"] = "no-store"
    return response
