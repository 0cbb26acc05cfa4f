"""The billing pages with the Django test client: Invoices (filters, detail), Wallet (top-up, cashback),
Order a product and Renew, for every kind of user; who sees which invoices; query budgets."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing import services
from billing.models import IdempotencyRecord, Invoice, LedgerEntry, Order, Wallet
from billing.selectors import Period, period_dates
from organizations.models import Product, Role
from tests.billing_pages.support import acting, invoice_of, make_invoice, order, url
from tests.factories import PartnershipFactory, member

BILLING_PAGES = ["invoices", "invoice_detail", "invoice_pdf", "wallet"]
# Session, user, access, the organization switcher and the page's own reads, whatever the number of rows.
INVOICES_PAGE_QUERIES = 11
INVOICE_PAGE_QUERIES = 11
WALLET_PAGE_QUERIES = 12
ORDER_PAGE_QUERIES = 10


def page_url(name, organization, invoice=None):
    if name in ("invoice_detail", "invoice_pdf"):
        return url(name, organization, invoice_id=invoice.pk)
    return url(name, organization)


def field_error(response, field: str) -> str:
    match = re.search(rf'id="id_{field}_error">([^<]*)<', response.text)
    return match.group(1) if match else ""


def balance_of(organization) -> Decimal:
    wallet = Wallet.objects.filter(organization=organization).first()
    return wallet.balance if wallet else Decimal("0.00")


# Who may open the billing pages


@pytest.mark.parametrize("name", BILLING_PAGES)
@pytest.mark.parametrize("role", ["legal_representative", "administrator", "plain_user"])
def test_members_with_billing_open_the_billing_pages(client, request, organization, name, role):
    user = request.getfixturevalue(role)
    invoice = make_invoice(organization)
    client.force_login(user)

    response = client.get(page_url(name, organization, invoice))

    assert response.status_code == 200


@pytest.mark.parametrize("name", BILLING_PAGES)
def test_an_external_user_is_refused_the_billing_pages(client, organization, external_user, name):
    invoice = make_invoice(organization)
    client.force_login(external_user)

    assert client.get(page_url(name, organization, invoice)).status_code == 403


@pytest.mark.parametrize("name", BILLING_PAGES)
def test_an_outsider_finds_no_billing_page(client, organization, outsider, name):
    invoice = make_invoice(organization)
    client.force_login(outsider)

    assert client.get(page_url(name, organization, invoice)).status_code == 404


@pytest.mark.parametrize("access_level", ["full", "limited"])
@pytest.mark.parametrize("name", BILLING_PAGES)
def test_a_partner_acting_for_the_client_finds_no_billing_page(
    client, organization, partner_org, partner_legal, name, access_level
):
    PartnershipFactory(client=organization, partner=partner_org, access=access_level)
    invoice = make_invoice(organization)
    client.force_login(partner_legal)

    assert client.get(page_url(name, organization, invoice)).status_code == 404


def test_an_invoice_of_another_organization_is_not_found(
    client, organization, legal_representative, outsider
):
    elsewhere = outsider.memberships.get().organization
    invoice = make_invoice(elsewhere)
    client.force_login(legal_representative)

    assert client.get(url("invoice_detail", organization, invoice_id=invoice.pk)).status_code == 404
    assert client.get(url("invoice_pdf", organization, invoice_id=invoice.pk)).status_code == 404


def test_the_sidebar_billing_entry_opens_invoices_and_the_section_lists_three_pages(
    client, organization, legal_representative
):
    client.force_login(legal_representative)

    response = client.get(url("products", organization))
    invoices = client.get(url("invoices", organization))

    assert f'href="{url("invoices", organization)}"><i class="bi bi-receipt"' in response.text
    nav = invoices.text[invoices.text.index('aria-label="Billing"') :]
    nav = nav[: nav.index("</nav>")]
    assert re.findall(r">([A-Z][a-z ]+)</a>", nav) == ["Invoices", "Wallet", "Billing addresses"]
    assert 'aria-current="page" href="{}">Invoices'.format(url("invoices", organization)) in nav


# Invoices live only with the organization that pays them


def test_when_the_client_pays_the_partners_order_is_invoiced_only_to_the_client(
    client, organization, legal_representative, partner_org, partner_legal
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="client")
    placed = order(partner_legal, organization, name="ordered-by-partner.example")
    invoice = invoice_of(placed)
    assert invoice.organization == organization

    client.force_login(partner_legal)
    assert invoice.display_number not in client.get(url("invoices", partner_org)).text
    assert client.get(url("invoice_detail", partner_org, invoice_id=invoice.pk)).status_code == 404
    assert client.get(url("invoice_detail", organization, invoice_id=invoice.pk)).status_code == 404

    client.force_login(legal_representative)
    assert invoice.display_number in client.get(url("invoices", organization)).text


def test_when_the_partner_pays_the_invoice_is_only_in_the_partners_organization(
    client, organization, legal_representative, partner_org, partner_legal
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    placed = order(partner_legal, organization, name="paid-by-partner.example")
    invoice = invoice_of(placed)
    assert invoice.organization == partner_org

    client.force_login(legal_representative)
    assert invoice.display_number not in client.get(url("invoices", organization)).text
    assert client.get(url("invoice_detail", organization, invoice_id=invoice.pk)).status_code == 404

    client.force_login(partner_legal)
    response = client.get(url("invoices", partner_org))
    assert invoice.display_number in response.text
    assert client.get(url("invoice_detail", partner_org, invoice_id=invoice.pk)).status_code == 200


def test_the_invoice_list_shows_number_date_line_amounts_status_and_pdf(
    client, organization, legal_representative
):
    invoice = make_invoice(
        organization, net="100.00", description="Renewal: Web hosting “shop”", status="paid"
    )
    client.force_login(legal_representative)

    response = client.get(url("invoices", organization))

    row = response.text[response.text.index(invoice.display_number) :]
    row = row[: row.index("</tr>")]
    assert invoice.issued_at.strftime("%Y-%m-%d") in row
    assert "Renewal: Web hosting “shop”" in row
    assert "100.00" in row
    assert "8.10" in row
    assert "CHF 108.10" in row
    assert ">Paid<" in row
    assert url("invoice_pdf", organization, invoice_id=invoice.pk) in row


# Filters


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        (Period.THIS_MONTH, "2026-03-15", ("2026-03-01", "2026-03-15")),
        (Period.LAST_MONTH, "2026-03-15", ("2026-02-01", "2026-02-28")),
        (Period.LAST_MONTH, "2026-01-10", ("2025-12-01", "2025-12-31")),
        (Period.LAST_12_MONTHS, "2026-03-15", ("2025-03-16", "2026-03-15")),
        (Period.LAST_12_MONTHS, "2028-02-29", ("2027-03-01", "2028-02-29")),
        ("2025", "2026-03-15", ("2025-01-01", "2025-12-31")),
        (Period.ALL, "2026-03-15", (None, None)),
    ],
)
def test_a_named_period_covers_these_days(period, today, expected):
    from datetime import date

    start, end = period_dates(period, today=date.fromisoformat(today))

    assert (start and start.isoformat(), end and end.isoformat()) == expected


def _numbers(response) -> set[str]:
    return set(re.findall(r">(INV\d{4}-\d{6})</a>", response.text))


def test_the_invoices_are_filtered_by_period_status_and_dates(client, organization, legal_representative):
    today = timezone.localdate()
    recent_due = make_invoice(organization, days_ago=0, status="due")
    recent_paid = make_invoice(organization, days_ago=0, status="paid")
    old = make_invoice(organization, days_ago=400, status="paid")
    credited = make_invoice(organization, days_ago=200, status="credited")
    client.force_login(legal_representative)

    everything = client.get(url("invoices", organization))
    this_month = client.get(url("invoices", organization), {"period": "this_month"})
    last_12 = client.get(url("invoices", organization), {"period": "last_12_months"})
    paid = client.get(url("invoices", organization), {"status": "paid"})
    credited_only = client.get(url("invoices", organization), {"status": "credited"})
    by_year = client.get(url("invoices", organization), {"period": str(old.issued_at.year)})
    from_to = client.get(
        url("invoices", organization),
        {
            "date_from": (today - timedelta(days=410)).isoformat(),
            "date_to": (today - timedelta(days=100)).isoformat(),
        },
    )

    all_numbers = {i.display_number for i in (recent_due, recent_paid, old, credited)}
    assert _numbers(everything) == all_numbers
    assert _numbers(this_month) == {recent_due.display_number, recent_paid.display_number}
    assert _numbers(last_12) == all_numbers - {old.display_number}
    assert _numbers(paid) == {recent_paid.display_number, old.display_number}
    assert _numbers(credited_only) == {credited.display_number}
    assert old.display_number in _numbers(by_year)
    assert _numbers(from_to) == {old.display_number, credited.display_number}
    assert "Reset" in paid.text
    assert "Reset" not in everything.text


def test_a_reversed_date_range_is_shown_on_the_end_date(client, organization, legal_representative):
    make_invoice(organization)
    client.force_login(legal_representative)

    response = client.get(url("invoices", organization), {"date_from": "2026-05-01", "date_to": "2026-04-01"})

    assert response.status_code == 200
    assert field_error(response, "date_to") == "The end date is before the start date."


def test_the_invoice_list_is_paginated_and_pages_keep_the_filters(client, organization, legal_representative):
    for _ in range(30):
        make_invoice(organization, status="paid")
    client.force_login(legal_representative)

    first = client.get(url("invoices", organization), {"status": "paid"})
    second = client.get(url("invoices", organization), {"status": "paid", "page": 2})

    assert len(_numbers(first)) == 25
    assert len(_numbers(second)) == 5
    assert "status=paid&amp;page=2" in first.text


def test_past_the_counted_invoices_the_list_says_more_than_and_every_page_stays_reachable(
    client, organization, legal_representative, monkeypatch
):
    """Counting every invoice of a large organization on every view costs more than the page: the list counts
    up to a bound and past it numbers its pages without a last one."""
    monkeypatch.setattr("billing.views.INVOICES_PER_PAGE", 2)
    monkeypatch.setattr("billing.views.INVOICES_COUNTED", 3)
    for _ in range(5):
        make_invoice(organization, status="paid")
    client.force_login(legal_representative)

    pages = [client.get(url("invoices", organization), {"page": number}) for number in (1, 2, 3, 9)]

    assert "More than 3 invoices" in pages[0].text
    assert "Page 1</span>" in pages[0].text
    assert [len(_numbers(page)) for page in pages] == [2, 2, 1, 2]
    assert ">Older</a>" in pages[1].text
    assert ">Older</a>" not in pages[2].text
    assert len(_numbers(pages[0]) | _numbers(pages[1]) | _numbers(pages[2])) == 5
    assert _numbers(pages[3]) == _numbers(pages[0])  # past the end: the first page
    # Within the bound, the count and the last page are exact.
    monkeypatch.setattr("billing.views.INVOICES_COUNTED", 5)
    exact = client.get(url("invoices", organization))
    assert "5 invoices" in exact.text
    assert "Page 1 of 3" in exact.text


# The invoice page


def test_the_invoice_page_shows_seller_buyer_lines_tax_wording_totals_and_credit_notes(
    client, organization, legal_representative, admin_user
):
    organization.vat_number = "CHE116281710MWST"
    organization.save()
    placed = order(legal_representative, organization, name="shop.helvetia.example")
    invoice = invoice_of(placed)
    credit_note = services.credit_note_issue(invoice=invoice, by=admin_user, reason="Ordered by mistake")
    client.force_login(legal_representative)

    response = client.get(url("invoice_detail", organization, invoice_id=invoice.pk))
    credit_page = client.get(url("invoice_detail", organization, invoice_id=credit_note.pk))

    text = response.text
    assert "Manager Hosting SA" in text
    assert "Helvetia Web AG" in text
    assert "CHE-116.281.710 MWST" in text
    assert "Swiss VAT 8.1 %" in text
    assert "CHF 69.00" in text
    assert "CHF 5.59" in text
    assert "CHF 74.59" in text
    assert credit_note.display_number in text
    assert f"Credit note {credit_note.display_number}" in credit_page.text
    assert invoice.display_number in credit_page.text


# Wallet and top-up


def test_a_top_up_adds_to_the_balance_and_pays_due_invoices(client, organization, legal_representative):
    placed = order(legal_representative, organization)
    assert invoice_of(placed).status == "due"
    client.force_login(legal_representative)
    form = client.get(url("wallet", organization))
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.text).group(1)

    response = client.post(
        url("wallet", organization), {"amount": "100.00", "idempotency_key": key}, follow=True
    )

    assert response.status_code == 200
    assert invoice_of(placed).status == "paid"
    assert balance_of(organization) == Decimal("100.00") - invoice_of(placed).gross_amount
    assert "Your wallet has been topped up with CHF 100.00" in response.text
    assert "Top-up by card (simulated)" in response.text
    assert "Payment of invoice" in response.text


def test_a_resubmitted_top_up_form_tops_up_once(client, organization, legal_representative):
    client.force_login(legal_representative)
    data = {"amount": "40.00", "idempotency_key": "a" * 32}

    client.post(url("wallet", organization), data)
    again = client.post(url("wallet", organization), data, follow=True)

    assert balance_of(organization) == Decimal("40.00")
    assert LedgerEntry.objects.count() == 1
    assert "This top-up has already been made." in again.text


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter an amount such as 50.00."),
        ("", "This field is required."),
        ("0", "Enter an amount above zero."),
        ("-20", "Enter an amount above zero."),
        ("100000.01", "A top-up is at most 100000.00."),
        ("12.345", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_a_bad_top_up_amount_is_shown_on_the_field_and_changes_nothing(
    client, organization, legal_representative, amount, message
):
    client.force_login(legal_representative)

    response = client.post(url("wallet", organization), {"amount": amount, "idempotency_key": "b" * 32})

    assert response.status_code == 200
    assert field_error(response, "amount") == message
    assert 'aria-invalid="true"' in response.text or "is-invalid" in response.text
    assert balance_of(organization) == Decimal("0.00")
    assert not LedgerEntry.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_the_wallet_page_says_no_card_is_charged(client, organization, plain_user):
    client.force_login(plain_user)

    response = client.get(url("wallet", organization))

    assert "no card is charged" in response.text
    assert "CHF 0.00" in response.text
    assert not Wallet.objects.exists()  # reading the page creates nothing


def test_a_referenced_partner_sees_the_cashback_it_received(
    client, organization, legal_representative, partner_org, partner_legal
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="client")
    order(legal_representative, organization, name="cashback.helvetia.example")
    client.force_login(partner_legal)

    response = client.get(url("wallet", partner_org))

    cashback = response.text[response.text.index('id="cashback-title"') :]
    assert "Helvetia Web AG" in cashback
    assert "cashback.helvetia.example" in cashback
    assert "CHF 6.90" in cashback  # 10 % of CHF 69.00
    assert balance_of(partner_org) == Decimal("6.90")


def test_an_organization_that_is_no_partner_has_no_cashback_section(
    client, organization, legal_representative
):
    client.force_login(legal_representative)

    assert 'id="cashback-title"' not in client.get(url("wallet", organization)).text


# Order a product and Renew


def test_a_member_orders_a_product_and_is_told_the_invoice_is_due(
    client, organization, legal_representative, web_hosting
):
    client.force_login(legal_representative)
    catalog = client.get(url("product_order", organization))
    assert "Web hosting" in catalog.text
    assert "CHF 69.00" in catalog.text
    assert "Mail Service" in catalog.text

    response = client.post(
        url("product_order", organization), {"product_type": web_hosting.pk, "name": "new.helvetia.example"}
    )

    product = Product.objects.get(name="new.helvetia.example")
    placed = Order.objects.get(product=product)
    assert response.status_code == 302
    assert response["Location"] == url("order_done", organization, order_id=placed.pk)
    done = client.get(response["Location"])
    outcome = done.text[done.text.index('data-testid="order-outcome"') :]
    assert invoice_of(placed).display_number in outcome
    assert "It is due" in outcome


def test_an_order_is_paid_from_the_wallet_when_the_balance_covers_it(
    client, organization, legal_representative, web_hosting
):
    services.wallet_top_up(access=acting(legal_representative, organization), amount="500")
    client.force_login(legal_representative)

    response = client.post(
        url("product_order", organization),
        {"product_type": web_hosting.pk, "name": "paid.helvetia.example"},
        follow=True,
    )

    assert f"It has been paid from the wallet of {organization.name}." in response.text
    assert balance_of(organization) == Decimal("500.00") - Decimal("74.59")


def test_an_order_without_a_name_or_product_shows_the_errors_and_creates_nothing(
    client, organization, legal_representative
):
    client.force_login(legal_representative)

    response = client.post(url("product_order", organization), {"product_type": "", "name": ""})

    assert response.status_code == 200
    assert "Choose a product." in response.text
    assert field_error(response, "name") == "This field is required."
    assert not Order.objects.exists()


def test_a_partner_who_orders_for_a_paying_client_is_not_shown_the_clients_invoice(
    client, organization, partner_org, partner_legal, web_hosting
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="client")
    client.force_login(partner_legal)

    response = client.post(
        url("product_order", organization),
        {"product_type": web_hosting.pk, "name": "partner-order.example"},
        follow=True,
    )

    invoice = Invoice.objects.get(organization=organization)
    assert response.status_code == 200
    assert invoice.display_number not in response.text
    assert "The invoice has been issued to Helvetia Web AG, which pays it" in response.text


def test_a_partner_who_pays_sees_its_discounted_price_and_its_own_invoice(
    client, organization, partner_org, partner_legal, web_hosting
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    client.force_login(partner_legal)

    catalog = client.get(url("product_order", organization))
    response = client.post(
        url("product_order", organization),
        {"product_type": web_hosting.pk, "name": "partner-pays.example"},
        follow=True,
    )

    invoice = Invoice.objects.get()
    assert invoice.organization == partner_org
    assert invoice.net_amount == Decimal("58.65")  # 15 % off CHF 69.00
    assert "CHF 58.65" in catalog.text
    assert "Invoiced to Léman Digital SA" in catalog.text
    assert invoice.display_number in response.text
    assert url("invoice_detail", partner_org, invoice_id=invoice.pk) in response.text


def test_a_limited_partner_and_an_external_user_cannot_order(
    client, organization, partner_org, partner_legal, external_user, product, web_hosting
):
    PartnershipFactory(client=organization, partner=partner_org, access="limited", products=[product])
    external_user.memberships.get().products.add(product)
    data = {"product_type": web_hosting.pk, "name": "not-allowed.example"}

    client.force_login(partner_legal)
    assert client.get(url("product_order", organization)).status_code == 404
    assert client.post(url("product_order", organization), data).status_code == 404
    assert "Order a product" not in client.get(url("products", organization)).text
    client.force_login(external_user)
    assert client.get(url("product_order", organization)).status_code == 403
    assert client.post(url("product_order", organization), data).status_code == 403
    assert "Order a product" not in client.get(url("products", organization)).text

    assert not Order.objects.exists()


def test_the_products_page_offers_order_and_renew_to_who_manages_products(
    client, organization, legal_representative, product
):
    client.force_login(legal_representative)

    products = client.get(url("products", organization))
    detail = client.get(url("product_detail", organization, product_id=product.pk))

    assert "Order a product" in products.text
    assert url("product_renew", organization, product_id=product.pk) in products.text
    assert url("product_renew", organization, product_id=product.pk) in detail.text


def test_renewing_shows_the_price_then_extends_the_product(client, organization, administrator, product):
    expires = timezone.now() + timedelta(days=10)
    Product.objects.filter(pk=product.pk).update(expires_at=expires)
    client.force_login(administrator)

    confirm = client.get(url("product_renew", organization, product_id=product.pk))
    response = client.post(url("product_renew", organization, product_id=product.pk), follow=True)

    assert "CHF 69.00" in confirm.text[confirm.text.index('data-testid="renewal-price"') :]
    assert "Helvetia Web AG" in confirm.text
    placed = Order.objects.get(product=product)
    assert placed.kind == "renewal"
    product.refresh_from_db()
    assert product.expires_at == expires + timedelta(days=365)
    assert "has been renewed" in response.text
    assert invoice_of(placed).display_number in response.text


def test_a_limited_partner_renews_only_the_granted_products(
    client, organization, partner_org, partner_legal, product, other_product
):
    PartnershipFactory(client=organization, partner=partner_org, access="limited", products=[product])
    client.force_login(partner_legal)

    products = client.get(url("products", organization))
    granted = client.post(url("product_renew", organization, product_id=product.pk))
    refused = client.post(url("product_renew", organization, product_id=other_product.pk))

    assert url("product_renew", organization, product_id=product.pk) in products.text
    assert granted.status_code == 302
    assert refused.status_code == 404
    assert list(Order.objects.values_list("product__name", flat=True)) == [product.name]


def test_an_external_user_renews_only_its_own_products(
    client, organization, external_user, product, other_product
):
    external_user.memberships.get().products.add(product)
    client.force_login(external_user)

    assert client.get(url("product_renew", organization, product_id=product.pk)).status_code == 200
    assert client.post(url("product_renew", organization, product_id=other_product.pk)).status_code == 404
    assert client.post(url("product_renew", organization, product_id=product.pk)).status_code == 302


def test_the_order_page_of_someone_elses_order_is_not_found(
    client, organization, legal_representative, administrator
):
    placed = order(legal_representative, organization)
    client.force_login(administrator)

    assert client.get(url("order_done", organization, order_id=placed.pk)).status_code == 404


def test_the_renewal_price_shown_is_the_price_invoiced(
    client, organization, partner_org, partner_legal, legal_representative, product
):
    """The confirmation reads the pricing rule; the service decides. Both agree for a partner who pays, who
    alone is shown its price: the client's confirmation names the payer without it."""
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    first = order(partner_legal, organization, name="first-by-partner.example")
    client.force_login(legal_representative)
    clients_page = client.get(url("product_renew", organization, product_id=first.product.pk)).text
    client.force_login(partner_legal)

    confirm = client.get(url("product_renew", organization, product_id=first.product.pk))
    client.post(url("product_renew", organization, product_id=first.product.pk))

    renewal = Order.objects.get(product=first.product, kind="renewal")
    price = confirm.text[confirm.text.index('data-testid="renewal-price"') :]
    assert f"CHF {renewal.net_amount}" in price[:200]
    assert renewal.payer == partner_org
    assert 'data-testid="renewal-price"' not in clients_page
    assert str(renewal.net_amount) not in clients_page


# Query budgets: the same number of queries whatever the number of rows


def _count_queries(client, address) -> int:
    """The queries of a page seen again: the first visit of an organization also records it in the session."""
    client.get(address)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def test_the_invoices_page_costs_the_same_for_5_and_50_invoices(client, organization, legal_representative):
    client.force_login(legal_representative)
    for _ in range(5):
        make_invoice(organization)
    few = _count_queries(client, url("invoices", organization))
    for _ in range(45):
        make_invoice(organization)
    many = _count_queries(client, url("invoices", organization))

    assert few == many
    assert many <= INVOICES_PAGE_QUERIES


def test_the_wallet_page_costs_the_same_for_5_and_50_entries(
    client, organization, legal_representative, partner_org, partner_legal
):
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="client")
    client.force_login(partner_legal)
    partner_access = acting(partner_legal, partner_org)

    def add_entries(count):
        for _ in range(count // 2):
            services.wallet_top_up(access=partner_access, amount="1")
            order(legal_representative, organization, name=f"p{LedgerEntry.objects.count()}.example")

    add_entries(6)
    few = _count_queries(client, url("wallet", partner_org))
    add_entries(50)
    many = _count_queries(client, url("wallet", partner_org))

    assert few == many
    assert many <= WALLET_PAGE_QUERIES


def test_the_invoice_page_costs_the_same_whatever_the_credit_notes(
    client, organization, legal_representative
):
    invoice = make_invoice(organization)
    client.force_login(legal_representative)

    assert _count_queries(client, url("invoice_detail", organization, invoice_id=invoice.pk)) <= 12


def test_the_partner_role_of_a_member_does_not_change_what_it_sees(client, organization, partner_org):
    """A user of the partner organization with the role `user` still never sees the client's invoices."""
    PartnershipFactory(client=organization, partner=partner_org, access="full")
    partner_user = member(partner_org, Role.USER)
    invoice = make_invoice(organization)
    client.force_login(partner_user)

    assert client.get(url("invoices", organization)).status_code == 404
    assert client.get(url("invoice_pdf", organization, invoice_id=invoice.pk)).status_code == 404


def test_the_renewal_price_follows_the_clients_current_partner_when_the_first_one_left(
    client, organization, partner_org, partner_legal, legal_representative
):
    from tests.factories import OrganizationFactory, PartnerProfileFactory

    first_partnership = PartnershipFactory(
        client=organization, partner=partner_org, access="full", payment_method="partner"
    )
    first = order(partner_legal, organization, name="left-partner.example")
    first_partnership.status = "stopped"
    first_partnership.save()
    newcomer = PartnerProfileFactory(organization=OrganizationFactory(name="Jura Web Sàrl")).organization
    PartnershipFactory(client=organization, partner=newcomer, access="full", payment_method="partner")
    client.force_login(legal_representative)

    confirm = client.get(url("product_renew", organization, product_id=first.product.pk))
    client.post(url("product_renew", organization, product_id=first.product.pk))

    renewal = Order.objects.get(product=first.product, kind="renewal")
    price = confirm.text[confirm.text.index('data-testid="renewal-price"') :][:300]
    assert f"{renewal.currency} {renewal.net_amount}" in price
    assert renewal.payer.name in confirm.text


# What an EU consumer pays: prices with the VAT of its country, saying so


@pytest.fixture
def eu_consumer(db):
    from tests.factories import OrganizationFactory

    consumer = OrganizationFactory(name="Erika Muster", entity_type="individual", country="DE")
    return consumer, member(consumer, Role.LEGAL_REPRESENTATIVE, email="erika@muster.example")


def test_an_eu_consumer_sees_the_price_with_its_vat_in_the_catalog_and_pays_it(
    client, eu_consumer, web_hosting
):
    consumer, person = eu_consumer
    client.force_login(person)
    net = web_hosting.price_eur
    gross = (net * Decimal("1.19")).quantize(Decimal("0.01"))

    catalog = client.get(url("product_order", consumer))

    assert f"EUR {gross}" in catalog.text
    assert "incl. VAT DE 19.0 %" in catalog.text
    assert "VAT included" in catalog.text
    assert f"EUR {net}<" not in catalog.text
    client.post(url("product_order", consumer), {"product_type": web_hosting.pk, "name": "erika.example"})
    assert Invoice.objects.get(organization=consumer).gross_amount == gross


def test_an_eu_consumer_renewing_is_shown_the_price_with_vat(client, eu_consumer, web_hosting):
    from tests.factories import ProductFactory

    consumer, person = eu_consumer
    product = ProductFactory(organization=consumer, product_type=web_hosting, name="erika.example")
    client.force_login(person)
    gross = (web_hosting.price_eur * Decimal("1.19")).quantize(Decimal("0.01"))

    page = client.get(url("product_renew", consumer, product_id=product.pk)).text

    assert "Price including VAT" in page
    price = page[page.index('data-testid="renewal-price"') :]
    assert f"EUR {gross}" in price[: price.index("</dd>")]


@pytest.mark.parametrize(
    ("entity_type", "country", "vat_number"),
    [("company", "DE", "DE136695976"), ("individual", "US", ""), ("individual", "CH", "")],
)
def test_businesses_and_buyers_outside_the_eu_see_prices_before_tax(
    client, web_hosting, entity_type, country, vat_number
):
    from tests.factories import OrganizationFactory

    buyer = OrganizationFactory(entity_type=entity_type, country=country, vat_number=vat_number)
    client.force_login(member(buyer, Role.LEGAL_REPRESENTATIVE, email="buyer@example.com"))

    catalog = client.get(url("product_order", buyer)).text

    assert "Prices are per period, before tax." in catalog
    assert "incl. VAT" not in catalog


def test_the_catalog_of_an_eu_consumer_stays_within_its_query_budget(
    client, eu_consumer, django_assert_max_num_queries
):
    consumer, person = eu_consumer
    client.force_login(person)
    # The VAT is decided once for the payer (its billing address and the rate), not per product type.
    with django_assert_max_num_queries(ORDER_PAGE_QUERIES + 2):
        client.get(url("product_order", consumer))
