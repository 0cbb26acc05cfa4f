"""The payouts and statements API of a referenced partner. Payouts: what can be paid out and the requests
(billing rights), a request (legal representatives and administrators only), with an `Idempotency-Key`,
refused on its field when wrong. Statements: read and asked for with billing rights, as JSON, PDF and CSV.

The partner (Léman Digital SA, 10 % cashback) ordered three Web hostings for Helvetia Web AG, which pays them:
CHF 20.70 of cashback in the partner's wallet. Roles are the partner's own: legal representative,
administrator, user, external; an outsider belongs to another organization; anonymous callers send nothing.
"""

import uuid
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import payouts, services, statements
from billing.models import LedgerEntry, PartnerStatement, Payout, Wallet
from organizations.access import resolve_access
from organizations.models import Membership, ProductType, Role
from tests.factories import (
    OrganizationFactory,
    PartnerProfileFactory,
    PartnershipFactory,
    ProductFactory,
    member,
)

from .conftest import ROLES

IBAN = "CH93 0076 2011 6238 5295 7"


def url(organization, path=""):
    return f"/api/v1/organizations/{organization.pk}/payouts{path}"


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def partner(db):
    partner = OrganizationFactory(name="Léman Digital SA", country="CH", is_referenced_partner=True)
    PartnerProfileFactory(organization=partner, cashback_rate=Decimal("0.100"))
    return partner


@pytest.fixture
def people(partner):
    legal = member(partner, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example")
    product = ProductFactory(organization=partner, name="leman.example.ch")
    external = member(partner, Role.EXTERNAL, email="external@leman.example")
    Membership.objects.get(user=external, organization=partner).products.set([product])
    return {
        "legal_representative": legal,
        "administrator": member(partner, Role.ADMINISTRATOR, email="admin@leman.example"),
        "user": member(partner, Role.USER, email="user@leman.example"),
        "external": external,
        "accountant": member(partner, Role.ACCOUNTANT, email="accountant@leman.example"),
        "outsider": member(OrganizationFactory(name="Elsewhere"), Role.LEGAL_REPRESENTATIVE),
        "anonymous": None,
    }


@pytest.fixture
def client_org(partner, people):
    client = OrganizationFactory(name="Helvetia Web AG", country="CH")
    member(client, Role.LEGAL_REPRESENTATIVE, email="owner@helvetia.example")
    PartnershipFactory(client=client, partner=partner, access="full", payment_method="client")
    hosting = ProductType.objects.get(slug="web-hosting")
    access = resolve_access(people["legal_representative"], client)
    last_month = statements.previous_month(timezone.localdate())
    with time_machine.travel(datetime.combine(last_month, time(12), tzinfo=UTC), tick=False):
        for number in range(3):
            services.product_order(access=access, product_type=hosting, name=f"site{number}.example.ch")
    assert Wallet.objects.get(organization=partner).balance == Decimal("20.70")
    return client


@pytest.fixture
def payout(partner, people, client_org):
    return payouts.payout_request(
        access=resolve_access(people["legal_representative"], partner),
        amount="5.00",
        iban=IBAN,
        account_holder="Léman Digital SA",
    )


def _statuses(legal_representative, administrator, user, external, accountant, outsider=404, anonymous=401):
    return dict(
        zip(
            ROLES,
            [legal_representative, administrator, user, external, accountant, outsider, anonymous],
            strict=True,
        )
    )


# The accountant reads the payouts as it reads the wallet, and asks for none.
READS = _statuses(200, 200, 200, 403, 200)
ENDPOINTS = {
    "summary": ("get", lambda w: url(w.partner), READS),
    "payout": ("get", lambda w: url(w.partner, f"/{w.payout.pk}"), READS),
    "request": ("post", lambda w: url(w.partner), _statuses(201, 201, 403, 403, 403)),
}


def _money(partner):
    return (
        Payout.objects.count(),
        Wallet.objects.get(organization=partner).balance,
        LedgerEntry.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_role_gets_what_its_role_allows_and_a_denial_changes_nothing(
    client_of, people, partner, payout, endpoint, role
):
    method, path, expected = ENDPOINTS[endpoint]
    world = type("World", (), {"partner": partner, "payout": payout})
    before = _money(partner)
    client = client_of(people[role])

    if method == "get":
        response = client.get(path(world))
    else:
        body = {"amount": "1.00", "iban": IBAN, "account_holder": "Léman Digital SA"}
        response = client.post(path(world), body, format="json", headers=key())

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert _money(partner) == before
        assert "detail" in response.json()
    if response.status_code == 403:
        label = Role(role).label
        assert response.json()["detail"].startswith(f"Your role ({label}) does not allow you to ")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_partner_acting_for_a_client_has_no_payouts_there(client_of, people, partner, client_org, endpoint):
    """The partner's legal representative reaches Helvetia through the partnership: its payouts are not there
    (and Helvetia is not a partner)."""
    method, path, _expected = ENDPOINTS[endpoint]
    world = type("World", (), {"partner": client_org, "payout": type("P", (), {"pk": 1})})
    client = client_of(people["legal_representative"])

    response = getattr(client, method)(path(world), {}, format="json", headers=key())

    assert response.status_code == 404


def test_an_organization_that_is_not_a_partner_has_no_payouts(client_of, client_org):
    owner = Membership.objects.get(organization=client_org).user

    assert client_of(owner).get(url(client_org)).status_code == 404


def test_the_summary_shows_what_can_be_paid_out_and_the_requests(client_of, people, partner, payout):
    response = client_of(people["user"]).get(url(partner))

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "CHF"
    assert body["balance"] == "15.70"
    assert body["payable"] == "15.70"
    assert [item["id"] for item in body["payouts"]] == [payout.pk]
    assert body["payouts"][0]["iban"] == "CH93 0076 2011 6238 5295 7"
    assert body["payouts"][0]["status"] == "requested"


def test_a_request_holds_the_amount_and_answers_the_payout(client_of, people, partner, client_org):
    response = client_of(people["administrator"]).post(
        url(partner),
        {"amount": "20.70", "iban": "ch9300762011623852957", "account_holder": "Léman Digital SA"},
        format="json",
        headers=key(),
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "20.70"
    assert body["iban"] == "CH93 0076 2011 6238 5295 7"
    assert Wallet.objects.get(organization=partner).balance == Decimal("0.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "5.00", "iban": "CH93 0076 2011 6238 5295 8", "account_holder": "L"}, "iban"),
        ({"amount": "5.00", "iban": IBAN, "account_holder": " "}, "account_holder"),
        ({"amount": "20.71", "iban": IBAN, "account_holder": "L"}, "amount"),
        ({"amount": "0", "iban": IBAN, "account_holder": "L"}, "amount"),
        ({"iban": IBAN, "account_holder": "L"}, "amount"),
        ({"amount": "5.00", "account_holder": "L"}, "iban"),
    ],
)
def test_a_bad_request_is_400_on_its_field_and_holds_nothing(
    client_of, people, partner, client_org, body, field
):
    response = client_of(people["legal_representative"]).post(
        url(partner), body, format="json", headers=key()
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Wallet.objects.get(organization=partner).balance == Decimal("20.70")
    assert not Payout.objects.exists()


def test_a_request_needs_an_idempotency_key(client_of, people, partner, client_org):
    response = client_of(people["legal_representative"]).post(
        url(partner), {"amount": "5.00", "iban": IBAN, "account_holder": "L"}, format="json"
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Payout.objects.exists()


def test_a_retried_request_answers_the_first_payout_and_holds_once(client_of, people, partner, client_org):
    client = client_of(people["legal_representative"])
    headers = key()
    body = {"amount": "5.00", "iban": IBAN, "account_holder": "Léman Digital SA"}

    first = client.post(url(partner), body, format="json", headers=headers)
    again = client.post(url(partner), body, format="json", headers=headers)
    other = client.post(url(partner), {**body, "amount": "6.00"}, format="json", headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert Payout.objects.count() == 1
    assert Wallet.objects.get(organization=partner).balance == Decimal("15.70")


def test_a_payout_of_another_organization_is_404(client_of, people, partner, payout):
    other = OrganizationFactory(name="Other partner", is_referenced_partner=True)
    legal = member(other, Role.LEGAL_REPRESENTATIVE)

    assert client_of(legal).get(url(other, f"/{payout.pk}")).status_code == 404


# Partner statements


@pytest.fixture
def statement(partner, client_org):
    statements.statements_produce_for_month()
    return PartnerStatement.objects.get(organization=partner)


STATEMENT_ENDPOINTS = {
    "list": ("get", lambda w: f"/api/v1/organizations/{w.partner.pk}/statements", READS),
    "ask": ("post", lambda w: f"/api/v1/organizations/{w.partner.pk}/statements", READS),
    "detail": ("get", lambda w: f"/api/v1/organizations/{w.partner.pk}/statements/{w.statement.pk}", READS),
    "pdf": ("get", lambda w: f"/api/v1/organizations/{w.partner.pk}/statements/{w.statement.pk}/pdf", READS),
    "csv": ("get", lambda w: f"/api/v1/organizations/{w.partner.pk}/statements/{w.statement.pk}/csv", READS),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", STATEMENT_ENDPOINTS)
def test_each_role_gets_the_statements_its_role_allows(
    client_of, people, partner, statement, endpoint, role, monkeypatch
):
    monkeypatch.setattr("billing.statements.render_statement_pdf", lambda statement: b"%PDF-1.7 test")
    method, path, expected = STATEMENT_ENDPOINTS[endpoint]
    world = type("World", (), {"partner": partner, "statement": statement})
    client = client_of(people[role])

    if method == "get":
        response = client.get(path(world))
    else:
        response = client.post(path(world), {"month": f"{statement.month:%Y-%m}"}, format="json")

    assert response.status_code == expected[role], response.content
    assert PartnerStatement.objects.count() == 1
    if response.status_code >= 400:
        assert "detail" in response.json()


def test_the_statement_of_last_month_in_json_pdf_and_csv(client_of, people, partner, statement):
    client = client_of(people["legal_representative"])
    base = f"/api/v1/organizations/{partner.pk}/statements"

    listing = client.get(base).json()
    detail = client.get(f"{base}/{statement.pk}").json()
    pdf = client.get(f"{base}/{statement.pk}/pdf")
    csv = client.get(f"{base}/{statement.pk}/csv")

    rows = listing["results"] if isinstance(listing, dict) else listing
    assert [row["month"] for row in rows] == [f"{statement.month:%Y-%m}"]
    assert detail["cashback_total"] == "20.70"
    assert detail["figures"]["ledger"]["closing"] == "20.70"
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="statement-{statement.month:%Y-%m}.pdf"' in pdf["Content-Disposition"]
    assert csv["Content-Type"].startswith("text/csv")
    assert b"cashback,,Helvetia Web AG,site0.example.ch" in b"".join(csv.streaming_content)


def test_asking_for_a_past_month_produces_it_once(client_of, people, partner, client_org):
    client = client_of(people["legal_representative"])
    month = statements.previous_month(statements.previous_month(timezone.localdate()))
    base = f"/api/v1/organizations/{partner.pk}/statements"

    first = client.post(base, {"month": f"{month:%Y-%m}"}, format="json")
    again = client.post(base, {"month": f"{month:%Y-%m}"}, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert PartnerStatement.objects.count() == 1


@pytest.mark.parametrize("month", ["2026-13", "next", "", None])
def test_a_bad_month_is_400_on_month(client_of, people, partner, month):
    body = {} if month is None else {"month": month}

    response = client_of(people["legal_representative"]).post(
        f"/api/v1/organizations/{partner.pk}/statements", body, format="json"
    )

    assert response.status_code == 400
    assert "month" in response.json()


def test_the_current_month_is_400_on_month(client_of, people, partner):
    response = client_of(people["legal_representative"]).post(
        f"/api/v1/organizations/{partner.pk}/statements",
        {"month": f"{timezone.localdate():%Y-%m}"},
        format="json",
    )

    assert response.status_code == 400
    assert "month" in response.json()
    assert not PartnerStatement.objects.exists()


def test_a_client_and_a_partner_acting_for_it_have_no_statements(client_of, people, client_org):
    owner = Membership.objects.get(organization=client_org).user
    base = f"/api/v1/organizations/{client_org.pk}/statements"

    assert client_of(owner).get(base).status_code == 404
    assert client_of(people["legal_representative"]).get(base).status_code == 404


def test_year_zero_is_400_on_month(client_of, people, partner):
    response = client_of(people["legal_representative"]).post(
        f"/api/v1/organizations/{partner.pk}/statements", {"month": "0000-01"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["month"] == ["Enter a month as YYYY-MM, e.g. 2026-01."]
