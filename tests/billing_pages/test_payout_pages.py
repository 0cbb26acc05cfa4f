"""Billing → Cashback payouts: a partner's legal representative or administrator asks for a payout with a form
whose wrong fields are named, and sees its requests with their status; users see them only; the page is a
partner's own, and staff decide in the admin (the amount is back in the wallet after a refusal).

Léman Digital SA (10 % cashback) ordered three Web hostings for Helvetia Web AG, which pays them: CHF 20.70.
"""

import re
from decimal import Decimal

import pytest

from billing import payouts
from billing.models import Payout, PayoutStatus, Wallet
from organizations.models import Role
from tests.factories import OrganizationFactory, member

from .support import acting, order, url

IBAN = "CH93 0076 2011 6238 5295 7"


@pytest.fixture
def cashback(full_partnership, organization, partner_legal):
    for number in range(3):
        order(partner_legal, organization, name=f"site{number}.example.ch")
    return Decimal("20.70")


def form_of(response) -> dict:
    key = re.search(r'name="idempotency_key" value="(\w+)"', response.text).group(1)
    return {"idempotency_key": key, "amount": "12.00", "iban": IBAN, "account_holder": "Léman Digital SA"}


def test_the_partner_requests_a_payout_and_sees_it_held(client, cashback, partner_org, partner_legal):
    client.force_login(partner_legal)
    page = client.get(url("payouts", partner_org))
    assert 'data-testid="payable-amount">CHF\xa020.70' in page.text or "20.70" in page.text

    response = client.post(url("payouts", partner_org), form_of(page), follow=True)

    assert response.status_code == 200
    assert "Your payout of CHF" in response.text
    payout = Payout.objects.get()
    assert payout.amount == Decimal("12.00")
    assert payout.status == PayoutStatus.REQUESTED
    assert Wallet.objects.get(organization=partner_org).balance == Decimal("8.70")
    table = response.text[response.text.index('data-testid="payouts"') :]
    assert "CH93 0076 2011 6238 5295 7" in table
    assert "Requested" in table


def test_a_resubmitted_form_requests_once(client, cashback, partner_org, partner_legal):
    client.force_login(partner_legal)
    data = form_of(client.get(url("payouts", partner_org)))

    client.post(url("payouts", partner_org), data)
    again = client.post(url("payouts", partner_org), data, follow=True)

    assert "This payout has already been requested." in again.text
    assert Payout.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"iban": "CH93 0076 2011 6238 5295 8"}, "iban", "Enter a valid IBAN"),
        ({"account_holder": ""}, "account_holder", "This field is required."),
        ({"amount": "99.00"}, "amount", "At most CHF 20.70 of cashback can be paid out now."),
        ({"amount": "abc"}, "amount", "Enter an amount such as 50.00."),
    ],
)
def test_a_wrong_field_is_named_on_the_form_and_nothing_is_held(
    client, cashback, partner_org, partner_legal, changes, field, message
):
    client.force_login(partner_legal)
    data = {**form_of(client.get(url("payouts", partner_org))), **changes}

    response = client.post(url("payouts", partner_org), data)

    assert response.status_code == 200
    assert message in response.text
    assert f'id="id_{field}_error"' in response.text or "is-invalid" in response.text
    assert not Payout.objects.exists()
    assert Wallet.objects.get(organization=partner_org).balance == Decimal("20.70")


def test_a_partner_user_sees_the_requests_but_cannot_request(client, cashback, partner_org, partner_legal):
    payouts.payout_request(
        access=acting(partner_legal, partner_org), amount="5.00", iban=IBAN, account_holder="Léman"
    )
    someone = member(partner_org, Role.USER, email="user@leman.example")
    client.force_login(someone)

    page = client.get(url("payouts", partner_org))
    refused = client.post(
        url("payouts", partner_org),
        {"amount": "5.00", "iban": IBAN, "account_holder": "x", "idempotency_key": "k"},
    )

    assert page.status_code == 200
    assert 'name="iban"' not in page.text
    assert "Only the legal representatives and administrators" in page.text
    assert "CH93 0076 2011 6238 5295 7" in page.text
    assert refused.status_code == 403
    assert Payout.objects.count() == 1


def test_an_organization_that_is_not_a_partner_has_no_payouts_page(
    client, organization, legal_representative
):
    client.force_login(legal_representative)

    assert client.get(url("payouts", organization)).status_code == 404
    assert (
        'href="{}"'.format(url("payouts", organization)) not in client.get(url("wallet", organization)).text
    )


def test_the_partner_finds_the_page_in_the_billing_section_and_from_the_wallet(
    client, partner_org, partner_legal
):
    client.force_login(partner_legal)

    wallet = client.get(url("wallet", partner_org)).text

    nav = wallet[wallet.index('aria-label="Billing"') :]
    assert "Cashback payouts" in nav[: nav.index("</nav>")]
    assert wallet.count('href="{}"'.format(url("payouts", partner_org))) == 2


def test_an_outsider_finds_no_payouts_page(client, partner_org, outsider):
    client.force_login(outsider)

    assert client.get(url("payouts", partner_org)).status_code == 404


# Staff decide in the admin


@pytest.fixture
def staff(db):
    return member(
        OrganizationFactory(name="Platform"), Role.LEGAL_REPRESENTATIVE, is_staff=True, is_superuser=True
    )


@pytest.fixture
def requested(cashback, partner_org, partner_legal):
    return payouts.payout_request(
        access=acting(partner_legal, partner_org),
        amount="20.70",
        iban=IBAN,
        account_holder="Léman Digital SA",
    )


def test_staff_pay_out_with_the_admin_action_once(client, staff, requested, partner_org):
    client.force_login(staff)
    changelist = "/admin/billing/payout/"
    action = {"action": "approve_payouts", "_selected_action": [requested.pk]}

    first = client.post(changelist, action, follow=True)
    second = client.post(changelist, action, follow=True)

    assert "is paid out." in first.text
    assert "already decided" in second.text
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.PAID
    assert Wallet.objects.get(organization=partner_org).balance == Decimal("0.00")


def test_staff_refuse_with_a_reason_and_the_amount_returns(client, staff, requested, partner_org):
    client.force_login(staff)
    changelist = "/admin/billing/payout/"
    action = {"action": "refuse_payouts", "_selected_action": [requested.pk]}

    asked = client.post(changelist, action)
    done = client.post(changelist, {**action, "apply": "1", "reason": "Holder does not match"}, follow=True)

    assert "Refuse payouts" in asked.text
    assert "the amount is back in its wallet" in done.text
    requested.refresh_from_db()
    assert requested.status == PayoutStatus.REFUSED
    assert requested.refusal_reason == "Holder does not match"
    assert Wallet.objects.get(organization=partner_org).balance == Decimal("20.70")


def test_the_admin_lists_and_shows_payouts_read_only(client, staff, requested):
    client.force_login(staff)

    listing = client.get("/admin/billing/payout/")
    detail = client.get(f"/admin/billing/payout/{requested.pk}/change/")

    assert listing.status_code == 200
    assert "Léman Digital SA" in listing.text
    assert detail.status_code == 200
    assert 'name="amount"' not in detail.text
