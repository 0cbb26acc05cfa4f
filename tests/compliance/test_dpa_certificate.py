"""The DPA certificate: who may generate it (pages and API), what the PDF says, and how a code is verified."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from compliance import services
from compliance.dpa import certificate_verified, verification_code
from compliance.models import DpaCertificate
from core.models import AuditEvent
from organizations.models import EntityType, Role
from tests.factories import BillingAddressFactory, PartnershipFactory, member

ALLOWED_ROLES = [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR]
REFUSED_ROLES = [Role.USER, Role.EXTERNAL]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def certificate(organization, legal_representative, access_of):
    return services.dpa_certificate_issue(access=access_of(legal_representative))


def page_url(organization):
    return reverse("data_protection", kwargs={"org_id": organization.pk})


def generate_url(organization):
    return reverse("dpa_certificate_generate", kwargs={"org_id": organization.pk})


def api_url(organization):
    return reverse("api:dpa-certificate", kwargs={"org_id": organization.pk})


# Who may generate it


@pytest.mark.parametrize("role", ALLOWED_ROLES)
def test_legal_representatives_and_administrators_generate_a_pdf(client, organization, role):
    user = member(organization, role)
    client.force_login(user)
    page = client.get(page_url(organization))
    assert page.status_code == 200
    assert "Generate" in page.text
    response = client.post(generate_url(organization))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="DPA-')
    assert response.content.startswith(b"%PDF")
    certificate = DpaCertificate.objects.get()
    assert (certificate.organization, certificate.issued_by) == (organization, user)


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_users_and_external_users_are_told_they_cannot(client, organization, role):
    client.force_login(member(organization, role))
    for response in (client.get(page_url(organization)), client.post(generate_url(organization))):
        assert response.status_code == 403
        assert "You cannot do this" in response.text
        assert "does not allow this page" in response.text
    assert not DpaCertificate.objects.exists()


def test_an_outsider_and_a_visitor_get_nothing(client, organization, outsider):
    response = client.post(generate_url(organization))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(page_url(organization)).status_code == 404
    assert client.post(generate_url(organization)).status_code == 404
    assert not DpaCertificate.objects.exists()


def test_generating_needs_a_post(client, organization, legal_representative):
    client.force_login(legal_representative)
    assert client.get(generate_url(organization)).status_code == 405
    assert not DpaCertificate.objects.exists()


@pytest.mark.parametrize("access", ["full", "limited"])
@pytest.mark.parametrize("role", [Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR])
def test_a_partner_never_generates_the_clients_certificate(
    client, client_of, organization, partner_org, access, role
):
    """The certificate binds the client: only the client's own people sign for it, even under Full access."""
    PartnershipFactory(client=organization, partner=partner_org, access=access)
    partner = member(partner_org, role)
    client.force_login(partner)
    assert client.get(page_url(organization)).status_code == 404
    assert client.post(generate_url(organization)).status_code == 404
    assert client_of(partner).post(api_url(organization)).status_code == 404
    # ... while it generates its own organization's certificate.
    assert client.post(generate_url(partner_org)).status_code == 200
    assert list(DpaCertificate.objects.values_list("organization", flat=True)) == [partner_org.pk]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.LEGAL_REPRESENTATIVE, 200),
        (Role.ADMINISTRATOR, 200),
        (Role.USER, 403),
        (Role.EXTERNAL, 403),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_the_api_follows_the_same_rule(client_of, organization, outsider, role, status):
    users = {"outsider": outsider, "anonymous": None}
    user = users[role] if role in users else member(organization, role)
    response = client_of(user).post(api_url(organization))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "no-store"
        assert "Helvetia Web AG" in pdf_text(response.content)
    else:
        assert response["Content-Type"] == "application/json"
        assert DpaCertificate.objects.count() == 0
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if status == 403:
        assert "does not allow you to generate the DPA certificate" in response.json()["detail"]


def test_the_api_issues_only_on_a_post(client_of, organization, legal_representative):
    """Opening the address (a link, a prefetch) issues nothing: issuing is a change."""
    assert client_of(legal_representative).get(api_url(organization)).status_code == 405
    assert not DpaCertificate.objects.exists()


@pytest.mark.parametrize(
    ("scopes", "status"),
    [(["compliance:write"], 200), (["compliance:read"], 403), (["organizations:write"], 403)],
)
def test_an_api_token_needs_the_compliance_write_scope(
    make_token, bearer, organization, legal_representative, plain_user, scopes, status
):
    _, plaintext = make_token(legal_representative, scopes_=scopes)
    response = bearer(plaintext).post(api_url(organization))
    assert response.status_code == status
    assert DpaCertificate.objects.count() == (1 if status == 200 else 0)
    if status == 200:
        assert "Helvetia Web AG" in pdf_text(response.content)
    # A token carries its user's role: a plain user's token is refused whatever its scopes.
    _, plain = make_token(plain_user, scopes_=["compliance:write"])
    refused = bearer(plain).post(api_url(organization))
    assert refused.status_code == 403
    assert "does not allow you to generate the DPA certificate" in refused.json()["detail"]


def test_the_service_refuses_a_plain_user(organization, plain_user, access_of):
    with pytest.raises(PermissionDenied):
        services.dpa_certificate_issue(access=access_of(plain_user))
    assert not DpaCertificate.objects.exists()
    assert not AuditEvent.objects.filter(action="dpa_certificate.issued").exists()


# What it says


def test_the_pdf_states_the_organization_the_commitments_the_date_and_the_code(
    client, settings, organization, legal_representative
):
    settings.SITE_URL = "https://manager.example"
    BillingAddressFactory(organization=organization, street="Rue de Lausanne 12", city="Fribourg")
    BillingAddressFactory(
        organization=organization,
        street="Bahnhofstrasse 5",
        postal_code="8001",
        city="Zürich",
        is_default=True,
    )
    organization.vat_number = "CHE107787577MWST"  # not the provider's own number, printed too
    organization.save()
    client.force_login(legal_representative)
    response = client.post(generate_url(organization))
    certificate = DpaCertificate.objects.get()
    text = " ".join(pdf_text(response.content).split())

    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1  # one sheet, verification box included
    assert "Data processing certificate" in text
    assert "Helvetia Web AG" in text
    assert "Company" in text
    assert "Bahnhofstrasse 5" in text  # the default billing address
    assert "8001 Zürich" in text
    assert "Switzerland" in text
    assert "Fribourg" not in text
    assert "VAT number CHE-107.787.577 MWST" in text
    assert "Manager Hosting SA certifies that, as processor of Helvetia Web AG" in text
    for commitment in [
        "data centers located exclusively in Switzerland",
        "in the event of a data breach",
        "subcontractors",
        "Physical security measures",
        "isolation systems",
        "annual intrusion tests",
        "Security systems under the provider's responsibility are updated",
    ]:
        assert commitment in text, commitment
    assert certificate.number in text
    assert verification_code(certificate.number) in text
    assert f"Date of issue {certificate.issued_at:%Y-%m-%d}" in text
    assert f"Issued by Manager Hosting SA, Genève, on {certificate.issued_at:%Y-%m-%d}" in text
    # The address where anyone given the certificate checks it, with its number and code.
    compact = "".join(text.split())
    assert f"{settings.SITE_URL}/dpa/verify/?number={certificate.number}&code=" in compact
    assert "FADP" in text
    assert "GDPR" in text


def test_an_individual_without_an_address_gets_its_country(client, legal_representative, organization):
    organization.entity_type = EntityType.INDIVIDUAL
    organization.vat_number = ""
    organization.save()
    client.force_login(legal_representative)
    text = pdf_text(client.post(generate_url(organization)).content)
    assert "Individual" in text
    assert "Switzerland" in text


def test_each_certificate_is_recorded_and_audited(organization, legal_representative, access_of):
    first = services.dpa_certificate_issue(access=access_of(legal_representative))
    second = services.dpa_certificate_issue(access=access_of(legal_representative))
    assert first.number != second.number
    assert verification_code(first.number) != verification_code(second.number)
    events = AuditEvent.objects.filter(action="dpa_certificate.issued", organization=organization)
    assert sorted(events.values_list("changes__number", flat=True)) == sorted([first.number, second.number])
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        DpaCertificate.objects.all().delete()


def test_the_page_lists_the_certificates_issued(client, organization, legal_representative, certificate):
    client.force_login(legal_representative)
    response = client.get(page_url(organization))
    assert certificate.number in response.text
    assert legal_representative.email in response.text
    assert "no-store" in response["Cache-Control"]


# Verifying a code


def verify(client, number, code):
    return client.get(reverse("dpa_verify"), {"number": number, "code": code})


def test_a_valid_code_shows_only_the_name_and_the_date(client, certificate):
    response = verify(client, certificate.number, verification_code(certificate.number))
    assert response.status_code == 200
    assert "This certificate is valid." in response.text
    assert "Helvetia Web AG" in response.text
    assert certificate.issued_at.strftime("%Y-%m-%d") in response.text
    assert "CHE-116" not in response.text
    assert "no-store" in response["Cache-Control"]


def test_a_code_is_accepted_as_people_type_it(client, certificate):
    code = verification_code(certificate.number).replace("-", "").lower()
    assert "This certificate is valid." in verify(client, certificate.number.lower(), code).text


def test_a_tampered_code_is_not_valid(client, certificate):
    code = verification_code(certificate.number)
    tampered = ("1" if code[0] != "1" else "2") + code[1:]
    response = verify(client, certificate.number, tampered)
    assert "This certificate is not valid." in response.text
    assert "Helvetia Web AG" not in response.text


def test_another_organizations_number_with_this_code_is_not_valid(client, certificate, outsider, access_of):
    other = services.dpa_certificate_issue(
        access=access_of(outsider, outsider.memberships.get().organization)
    )
    response = verify(client, other.number, verification_code(certificate.number))
    assert "This certificate is not valid." in response.text
    assert "Elsewhere GmbH" not in response.text
    assert "Helvetia Web AG" not in response.text


def test_an_unknown_number_is_not_valid_even_with_its_own_code(client, db):
    number = "DPA-2026-0000000000"
    assert "This certificate is not valid." in verify(client, number, verification_code(number)).text
    assert certificate_verified("", "") is None


def test_the_code_depends_on_the_secret_key(settings, certificate):
    code = verification_code(certificate.number)
    settings.SECRET_KEY = "another-secret-key-" * 4
    assert verification_code(certificate.number) != code
    assert certificate_verified(certificate.number, code) is None


def test_the_verification_page_asks_for_both_values(client, db):
    response = client.get(reverse("dpa_verify"))
    assert response.status_code == 200
    assert "Certificate number" in response.text
    assert "Verification code" in response.text
    assert "not valid" not in response.text


def test_verifications_are_rate_limited_per_address(client, settings, certificate):
    settings.DPA_VERIFY_RATE = "2/m"
    for _ in range(2):
        assert verify(client, certificate.number, "WRONG").status_code == 200
    assert verify(client, certificate.number, verification_code(certificate.number)).status_code == 429
