"""The billing API: orders and renewals, invoices and their PDF, the wallet and its idempotent top-up.

Roles are those of `organization` (Helvetia Web AG, Swiss, with a VAT number): legal representative,
administrator, user, external (given `granted_product`); an outsider belongs to another organization only;
anonymous callers use no session. A partner's legal representative acts for the client through a Full or a
Limited partnership. Web hosting costs CHF 69.00 a year, plus 8.1 % Swiss VAT: CHF 74.59.
"""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import IdempotencyRecord, Invoice, InvoiceStatus, LedgerEntry, Order, Wallet
from organizations.access import resolve_access
from organizations.models import Product, ProductType, Role
from tests.factories import OrganizationFactory, PartnerProfileFactory, PartnershipFactory, member

from .conftest import ROLES

HOSTING = "web-hosting"
HOSTING_GROSS = Decimal("74.59")


def org_url(organization, path=""):
    return f"/api/v1/organizations/{organization.pk}/{path}".rstrip("/")


def new_key() -> str:
    return str(uuid.uuid4())


def top_up(client, organization, amount="100.00", /, *, key=None, **extra):
    return client.post(
        org_url(organization, "wallet/top-up"),
        {"amount": amount, **extra},
        format="json",
        headers={"Idempotency-Key": key or new_key()},
    )


def place_order(
    client, organization, /, *, name="shop.example.ch", product_type=HOSTING, headers=None, **extra
):
    return client.post(
        org_url(organization, "orders"),
        {"product_type": product_type, "name": name, **extra},
        format="json",
        headers=headers or {},
    )


def order_as(user, organization, name="site.example.ch", product_type=HOSTING) -> Order:
    """An order placed through the service, as `user` in `organization`."""
    return services.product_order(
        access=resolve_access(user, organization),
        product_type=ProductType.objects.get(slug=product_type),
        name=name,
    )


def invoice_of(order: Order) -> Invoice:
    return order.invoice_lines.get().invoice


def balance_of(organization) -> Decimal:
    wallet = Wallet.objects.filter(organization=organization).first()
    return wallet.balance if wallet else Decimal("0.00")


def fund(organization, user, amount="1000.00"):
    services.wallet_top_up(access=resolve_access(user, organization), amount=Decimal(amount))


@pytest.fixture
def partner_org(db):
    return PartnerProfileFactory(
        organization=OrganizationFactory(name="Agence Léman SA", country="CH")
    ).organization


@pytest.fixture
def partner_user(partner_org):
    return member(partner_org, Role.LEGAL_REPRESENTATIVE, email="legal@leman.example")


@pytest.fixture
def full_partner(organization, partner_org, partner_user):
    """The partner's legal representative, acting for the client through a Full partnership (the client
    pays)."""
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="client")
    return partner_user


@pytest.fixture
def paying_partner(organization, partner_org, partner_user):
    """As `full_partner`, but the partner pays."""
    PartnershipFactory(client=organization, partner=partner_org, access="full", payment_method="partner")
    return partner_user


@pytest.fixture
def limited_partner(organization, partner_org, partner_user, granted_product):
    """The partner's legal representative, acting for the client on `granted_product` only."""
    PartnershipFactory(client=organization, partner=partner_org, access="limited", products=[granted_product])
    return partner_user


@pytest.fixture
def client_invoice(organization, legal_representative):
    """An invoice of the client: web hosting it ordered itself, due (its wallet is empty)."""
    return invoice_of(order_as(legal_representative, organization, name="own.example.ch"))


# Who may do what


def _statuses(legal_representative, administrator, user, external, accountant, outsider=404, anonymous=401):
    return dict(
        zip(
            ROLES,
            [legal_representative, administrator, user, external, accountant, outsider, anonymous],
            strict=True,
        )
    )


# The accountant reads invoices, credit notes, PDFs, the wallet and exports; it orders, renews and tops up
# nothing, and sees no product.
READS_PRODUCTS = _statuses(200, 200, 200, 200, 403)
ORDERS = _statuses(201, 201, 201, 403, 403)
RENEWS = _statuses(201, 201, 201, 201, 403)
READS_BILLING = _statuses(200, 200, 200, 403, 200)
TOPS_UP = _statuses(201, 201, 201, 403, 403)
MANAGES_PRODUCT = _statuses(200, 200, 200, 200, 403)  # the external member was given the product
PAYS = _statuses(200, 200, 200, 403, 403)

ENDPOINTS = {
    "orders": ("get", lambda w: org_url(w.organization, "orders"), READS_PRODUCTS),
    "order": ("post", lambda w: org_url(w.organization, "orders"), ORDERS),
    "renew": ("post", lambda w: org_url(w.organization, f"products/{w.granted_product.pk}/renew"), RENEWS),
    "invoices": ("get", lambda w: org_url(w.organization, "invoices"), READS_BILLING),
    "invoice": ("get", lambda w: org_url(w.organization, f"invoices/{w.invoice.pk}"), READS_BILLING),
    "invoice pdf": ("get", lambda w: org_url(w.organization, f"invoices/{w.invoice.pk}/pdf"), READS_BILLING),
    "invoice export": ("get", lambda w: org_url(w.organization, "invoices/export"), READS_BILLING),
    "wallet": ("get", lambda w: org_url(w.organization, "wallet"), READS_BILLING),
    "top-up": ("post", lambda w: org_url(w.organization, "wallet/top-up"), TOPS_UP),
    "subscription": (
        "get",
        lambda w: org_url(w.organization, f"products/{w.granted_product.pk}/subscription"),
        READS_PRODUCTS,
    ),
    "auto-renewal off": (
        "patch",
        lambda w: org_url(w.organization, f"products/{w.granted_product.pk}/subscription"),
        MANAGES_PRODUCT,
    ),
    "cancel": (
        "post",
        lambda w: org_url(w.organization, f"products/{w.granted_product.pk}/cancel"),
        MANAGES_PRODUCT,
    ),
    "change type": (
        "post",
        lambda w: org_url(w.organization, f"products/{w.granted_product.pk}/change-type"),
        MANAGES_PRODUCT,
    ),
    "pay now": ("post", lambda w: org_url(w.organization, f"invoices/{w.invoice.pk}/pay"), PAYS),
}


@pytest.fixture
def world(organization, callers, granted_product, client_invoice, monkeypatch):
    monkeypatch.setattr("billing.pdf.render_invoice_pdf", lambda invoice: b"%PDF-1.7 test")
    # Money that arrived without a top-up (a refund): the due invoice stays due until "Pay now".
    services._move(
        services.wallet_of(organization),
        amount=Decimal("100.00"),
        kind="refund",
        description="Refund",
        by=None,
    )
    return type(
        "World",
        (),
        {"organization": organization, "granted_product": granted_product, "invoice": client_invoice},
    )


def _call(client, method, url):
    # One body for every write: each endpoint reads its own fields (change-type: the product type).
    product_type = "cloud-server" if url.endswith("/change-type") else HOSTING
    body = {"product_type": product_type, "name": "new.example.ch", "amount": "10.00", "auto_renew": False}
    headers = {"Idempotency-Key": new_key()}
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body, format="json", headers=headers)


def _money_state(organization):
    return (
        Order.objects.count(),
        Invoice.objects.count(),
        balance_of(organization),
        LedgerEntry.objects.count(),
        list(Product.objects.order_by("pk").values_list("product_type_id", "auto_renew", "cancelled_at")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_role_gets_what_its_role_allows_and_a_denial_changes_nothing(
    client_of, callers, world, endpoint, role
):
    method, url, expected = ENDPOINTS[endpoint]
    before = _money_state(world.organization)

    response = _call(client_of(callers[role]), method, url(world))

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert _money_state(world.organization) == before
        assert "detail" in response.json()


# What a partner's user gets on the client's billing endpoints, by the partnership's access. Limited and Full
# partners are answered 404 outside their grant; a role grant (Technical, Read-only, Billing) is told 403 what
# its role does not allow, except where no partnership ever reaches (the wallet: 404). A Billing partner lists
# the invoices it paid for the client (none here) and never opens the client's own (404).
PARTNER_EXPECTED = {
    # endpoint: full, limited, technical, read_only, billing
    # A Read-only partner sees what Full access sees (orders included) and changes nothing.
    "orders": (200, 200, 200, 200, 403),
    "order": (201, 404, 201, 403, 403),
    "renew": (201, 201, 201, 403, 403),
    "invoices": (404, 404, 403, 403, 200),
    "invoice": (404, 404, 403, 403, 404),
    "invoice pdf": (404, 404, 403, 403, 404),
    "invoice export": (404, 404, 403, 403, 200),
    "wallet": (404, 404, 404, 404, 404),
    "top-up": (404, 404, 404, 404, 404),
    "subscription": (200, 200, 200, 200, 403),
    "auto-renewal off": (200, 200, 200, 403, 403),
    "cancel": (200, 200, 200, 403, 403),
    "change type": (200, 200, 200, 403, 403),
    "pay now": (404, 404, 404, 404, 404),  # it spends the wallet, which no partnership reaches
}
PARTNER_ACCESSES = ["full", "limited", "technical", "read_only", "billing"]


@pytest.mark.parametrize("access", PARTNER_ACCESSES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_partner_gets_on_the_client_s_billing_what_its_access_allows_and_never_its_invoices_or_wallet(
    client_of, world, partner_org, partner_user, endpoint, access
):
    PartnershipFactory(
        client=world.organization,
        partner=partner_org,
        access=access,
        payment_method="partner" if access == "billing" else "client",
        products=[world.granted_product] if access == "limited" else [],
    )
    method, url, _ = ENDPOINTS[endpoint]
    before = _money_state(world.organization)

    response = _call(client_of(partner_user), method, url(world))

    assert response.status_code == PARTNER_EXPECTED[endpoint][PARTNER_ACCESSES.index(access)], (
        response.content
    )
    if response.status_code >= 400:
        assert _money_state(world.organization) == before
    if endpoint == "invoices" and access == "billing":
        assert response.json()["results"] == []  # the client's own invoice is not the partner's


def test_a_partner_member_without_billing_rights_at_home_is_still_404_on_the_client_s_invoices(
    client_of, organization, partner_org, client_invoice
):
    partner_member = member(partner_org, Role.USER)
    PartnershipFactory(client=organization, partner=partner_org, access="full")

    response = client_of(partner_member).get(org_url(organization, f"invoices/{client_invoice.pk}"))

    assert response.status_code == 404


def test_an_external_member_is_refused_a_new_order_with_403_naming_the_rule(client_of, organization, callers):
    response = place_order(client_of(callers["external"]), organization)

    assert response.status_code == 403
    assert "cannot order new ones" in response.json()["detail"]
    assert not Order.objects.exists()


def test_a_limited_partner_is_answered_404_for_a_new_order_and_nothing_is_installed(
    client_of, organization, limited_partner
):
    products = Product.objects.count()

    response = place_order(client_of(limited_partner), organization)

    assert response.status_code == 404
    assert Product.objects.count() == products
    assert not Order.objects.exists()


def test_a_limited_partner_renews_a_granted_product_but_not_another_one(
    client_of, organization, limited_partner, granted_product, other_product
):
    client = client_of(limited_partner)

    granted = client.post(org_url(organization, f"products/{granted_product.pk}/renew"))
    other = client.post(org_url(organization, f"products/{other_product.pk}/renew"))

    assert granted.status_code == 201, granted.content
    assert granted.json()["product"] == granted_product.pk
    assert granted.json()["kind"] == "renewal"
    assert other.status_code == 404
    assert list(Order.objects.values_list("product_id", flat=True)) == [granted_product.pk]


def test_an_external_member_renews_only_the_product_it_was_given(
    client_of, organization, callers, granted_product, other_product
):
    client = client_of(callers["external"])

    assert client.post(org_url(organization, f"products/{granted_product.pk}/renew")).status_code == 201
    assert client.post(org_url(organization, f"products/{other_product.pk}/renew")).status_code == 404


def test_a_product_of_another_organization_cannot_be_renewed_through_this_one(
    client_of, organization, legal_representative, outsider
):
    elsewhere = outsider.memberships.get().organization
    foreign = order_as(outsider, elsewhere).product

    response = client_of(legal_representative).post(org_url(organization, f"products/{foreign.pk}/renew"))

    assert response.status_code == 404
    assert Order.objects.filter(product=foreign).count() == 1


def test_an_invoice_of_another_organization_is_404(client_of, organization, legal_representative, outsider):
    foreign = invoice_of(order_as(outsider, outsider.memberships.get().organization))
    client = client_of(legal_representative)

    assert client.get(org_url(organization, f"invoices/{foreign.pk}")).status_code == 404
    assert client.get(org_url(organization, f"invoices/{foreign.pk}/pdf")).status_code == 404


# Orders and renewals


def test_ordering_installs_the_product_invoices_the_client_and_answers_the_order(
    client_of, organization, legal_representative
):
    response = place_order(client_of(legal_representative), organization, name="  shop.example.ch ")

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    invoice = invoice_of(order)
    body = response.json()
    assert body == {
        "id": order.pk,
        "product": order.product_id,
        "product_name": "shop.example.ch",
        "product_type": HOSTING,
        "kind": "new",
        "payer": {"id": organization.pk, "name": "Helvetia Web AG"},
        "placed_by_partner": None,
        "currency": "CHF",
        "public_price": "69.00",
        "discount_rate": "0.000",
        "net_amount": "69.00",
        "cashback_amount": None,
        "period_start": body["period_start"],
        "period_end": body["period_end"],
        "invoice": {
            "id": invoice.pk,
            "number": invoice.display_number,
            "organization": organization.pk,
            "status": "due",
            "paid": False,
        },
        "created_at": body["created_at"],
    }
    assert order.product.organization == organization
    assert invoice.gross_amount == HOSTING_GROSS


def test_an_order_is_paid_from_the_wallet_when_its_balance_covers_it(
    client_of, organization, legal_representative
):
    fund(organization, legal_representative, "100.00")

    response = place_order(client_of(legal_representative), organization)

    assert response.json()["invoice"]["paid"] is True
    assert balance_of(organization) == Decimal("100.00") - HOSTING_GROSS


def test_a_renewal_extends_the_product_by_one_period(client_of, organization, legal_representative):
    first = order_as(legal_representative, organization)

    response = client_of(legal_representative).post(
        org_url(organization, f"products/{first.product_id}/renew")
    )

    assert response.status_code == 201, response.content
    renewal = Order.objects.get(pk=response.json()["id"])
    assert renewal.kind == "renewal"
    assert renewal.period_start == first.period_end
    assert response.json()["invoice"]["number"] == invoice_of(renewal).display_number


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_type": "no-such-thing", "name": "x.example.ch"}, "product_type"),
        ({"name": "x.example.ch"}, "product_type"),
        ({"product_type": HOSTING, "name": "   "}, "name"),
        ({"product_type": HOSTING, "name": "x" * 201}, "name"),
        ({"product_type": HOSTING}, "name"),
        ({"product_type": ["web-hosting"], "name": "x.example.ch"}, "product_type"),
    ],
    ids=["unknown type", "no type", "blank name", "long name", "no name", "type not a slug"],
)
def test_an_invalid_order_is_400_on_its_field_and_installs_nothing(
    client_of, organization, legal_representative, body, field
):
    response = client_of(legal_representative).post(org_url(organization, "orders"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Product.objects.filter(organization=organization).exists()


def test_a_product_type_no_longer_sold_cannot_be_ordered(client_of, organization, legal_representative):
    ProductType.objects.filter(slug="newsletter").update(is_active=False)

    response = place_order(client_of(legal_representative), organization, product_type="newsletter")

    assert response.status_code == 400
    assert "product_type" in response.json()


def test_extra_order_fields_change_nothing(client_of, organization, legal_representative, partner_org):
    response = place_order(
        client_of(legal_representative),
        organization,
        payer=partner_org.pk,
        organization=partner_org.pk,
        net_amount="0.01",
        public_price="0.01",
        discount_rate="0.9",
        kind="renewal",
    )

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert (order.organization, order.payer, order.kind) == (organization, organization, "new")
    assert order.net_amount == Decimal("69.00")


def test_the_orders_list_shows_the_products_the_caller_sees_newest_first(
    client_of, organization, callers, granted_product, other_product, legal_representative, outsider
):
    renewal_of_granted = services.product_renew(
        access=resolve_access(legal_representative, organization), product=granted_product
    )
    renewal_of_other = services.product_renew(
        access=resolve_access(legal_representative, organization), product=other_product
    )
    order_as(outsider, outsider.memberships.get().organization)

    everything = client_of(legal_representative).get(org_url(organization, "orders")).json()
    granted_only = client_of(callers["external"]).get(org_url(organization, "orders")).json()

    assert [row["id"] for row in everything["results"]] == [renewal_of_other.pk, renewal_of_granted.pk]
    assert everything["next"] is None
    assert [row["id"] for row in granted_only["results"]] == [renewal_of_granted.pk]


def test_a_limited_partner_lists_only_the_orders_of_granted_products(
    client_of, organization, limited_partner, legal_representative, granted_product, other_product
):
    access = resolve_access(legal_representative, organization)
    granted = services.product_renew(access=access, product=granted_product)
    services.product_renew(access=access, product=other_product)

    response = client_of(limited_partner).get(org_url(organization, "orders"))

    assert [row["id"] for row in response.json()["results"]] == [granted.pk]


# Who pays, and who sees the invoice


def test_when_the_client_pays_a_partner_s_order_the_invoice_is_the_client_s_alone(
    client_of, organization, full_partner, partner_org, legal_representative
):
    response = place_order(client_of(full_partner), organization)

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    invoice = invoice_of(order)
    assert invoice.organization == organization
    body = response.json()
    assert body["payer"] == {"id": organization.pk, "name": organization.name}
    assert body["placed_by_partner"] == {"id": partner_org.pk, "name": partner_org.name}
    assert body["invoice"] is None, "a partner never sees the client's invoices"
    assert body["cashback_amount"] == "6.90"
    assert body["net_amount"] == "69.00"

    client_side = client_of(legal_representative)
    seen_by_client = client_side.get(org_url(organization, "orders")).json()["results"][0]
    assert seen_by_client["invoice"]["id"] == invoice.pk
    assert seen_by_client["cashback_amount"] is None, "what the partner earns is the partner's business"
    assert [row["id"] for row in client_side.get(org_url(organization, "invoices")).json()["results"]] == [
        invoice.pk
    ]
    partner_side = client_of(full_partner)
    assert partner_side.get(org_url(partner_org, "invoices")).json()["results"] == []
    assert partner_side.get(org_url(organization, f"invoices/{invoice.pk}")).status_code == 404
    assert partner_side.get(org_url(partner_org, f"invoices/{invoice.pk}")).status_code == 404
    assert partner_side.get(org_url(partner_org, "wallet")).json()["balance"] == "6.90"


def test_when_the_partner_pays_the_client_never_sees_the_partner_s_invoice_or_price(
    client_of, organization, paying_partner, partner_org, legal_representative
):
    response = place_order(client_of(paying_partner), organization)

    assert response.status_code == 201, response.content
    invoice = invoice_of(Order.objects.get())
    assert invoice.organization == partner_org
    body = response.json()
    assert body["payer"] == {"id": partner_org.pk, "name": partner_org.name}
    assert (body["discount_rate"], body["net_amount"]) == ("0.150", "58.65")
    assert body["invoice"]["id"] == invoice.pk, "the partner's own invoice, in its own organization"
    assert body["invoice"]["organization"] == partner_org.pk

    client_side = client_of(legal_representative)
    seen_by_client = client_side.get(org_url(organization, "orders")).json()["results"][0]
    assert seen_by_client["payer"] == {"id": partner_org.pk, "name": partner_org.name}
    assert seen_by_client["invoice"] is None
    assert (seen_by_client["discount_rate"], seen_by_client["net_amount"]) == (None, None)
    assert client_side.get(org_url(organization, "invoices")).json()["results"] == []
    assert client_side.get(org_url(organization, f"invoices/{invoice.pk}")).status_code == 404
    assert client_side.get(org_url(organization, f"invoices/{invoice.pk}/pdf")).status_code == 404
    partner_invoices = client_of(paying_partner).get(org_url(partner_org, "invoices")).json()["results"]
    assert [row["id"] for row in partner_invoices] == [invoice.pk]


# Invoices


def test_an_invoice_shows_its_lines_parties_and_totals(client_of, organization, legal_representative):
    order = order_as(legal_representative, organization, name="shop.example.ch")
    invoice = invoice_of(order)

    response = client_of(legal_representative).get(org_url(organization, f"invoices/{invoice.pk}"))

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == invoice.display_number
    assert (body["kind"], body["status"], body["currency"]) == ("invoice", "due", "CHF")
    assert (body["net_amount"], body["tax_amount"], body["gross_amount"]) == ("69.00", "5.59", "74.59")
    assert body["seller"]["name"] == "Manager Hosting SA"
    assert body["buyer"]["organization_id"] == organization.pk
    assert body["buyer"]["vat_number"] == "CHE116281710MWST"
    [line] = body["lines"]
    assert line["order"] == order.pk
    assert "shop.example.ch" in line["description"]
    assert (line["tax_rule"], line["tax_rate"], line["tax_amount"]) == ("ch_vat", "0.0810", "5.59")
    assert (body["credit_note_for"], body["credit_notes"]) == (None, [])


def test_a_credit_note_names_the_invoice_it_corrects(client_of, organization, legal_representative):
    invoice = invoice_of(order_as(legal_representative, organization))
    staff = member(OrganizationFactory(), Role.LEGAL_REPRESENTATIVE, is_staff=True)
    credit_note = services.credit_note_issue(invoice=invoice, by=staff, reason="Ordered twice")
    client = client_of(legal_representative)

    corrected = client.get(org_url(organization, f"invoices/{invoice.pk}")).json()
    note = client.get(org_url(organization, f"invoices/{credit_note.pk}")).json()

    assert corrected["status"] == "credited"
    assert corrected["credit_notes"] == [{"id": credit_note.pk, "number": credit_note.display_number}]
    assert note["kind"] == "credit_note"
    assert note["credit_note_for"] == {"id": invoice.pk, "number": invoice.display_number}
    assert note["gross_amount"] == "-74.59"


def test_the_invoice_list_filters_by_status_and_issue_day(client_of, organization, legal_representative):
    old = invoice_of(order_as(legal_representative, organization, name="old.example.ch"))
    # Backdated for the test through the plain base manager (the default one refuses to rewrite invoices).
    Invoice._base_manager.filter(pk=old.pk).update(issued_at="2024-03-15T10:00:00+01:00")
    fund(organization, legal_representative, "74.59")  # pays the oldest due invoice: `old`
    recent = invoice_of(order_as(legal_representative, organization, name="new.example.ch"))
    client = client_of(legal_representative)

    def ids(query):
        response = client.get(org_url(organization, "invoices") + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [recent.pk, old.pk]
    assert ids("?status=paid") == [old.pk]
    assert ids("?status=due") == [recent.pk]
    assert ids("?from=2024-03-15&to=2024-03-15") == [old.pk]
    assert ids("?to=2024-03-14") == []
    assert ids("?from=2024-03-16") == [recent.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=lost", "status"), ("?from=yesterday", "from"), ("?from=2025-02-01&to=2025-01-31", "to")],
)
def test_a_bad_invoice_filter_is_400_on_its_name(client_of, organization, legal_representative, query, field):
    response = client_of(legal_representative).get(org_url(organization, "invoices") + query)

    assert response.status_code == 400
    assert field in response.json()


def test_the_invoice_list_is_paginated_with_a_cursor_without_a_count(
    client_of, organization, legal_representative
):
    """A script follows `next` to the end: each page costs the same, and no call counts every invoice."""
    for number in range(5):
        order_as(legal_representative, organization, name=f"site{number}.example.ch")
    client = client_of(legal_representative)
    newest_first = [row["id"] for row in client.get(org_url(organization, "invoices")).json()["results"]]

    pages, url = [], org_url(organization, "invoices") + "?page_size=2"
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    back = client.get(body["previous"]).json() if body["previous"] else None

    assert set(body) == {"next", "previous", "results"}
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [pk for page in pages for pk in page] == newest_first
    assert [row["id"] for row in back["results"]] == pages[1]
    assert "cursor=" in back["next"]


def test_the_invoice_list_refuses_page_numbers_and_bad_cursors(client_of, organization, legal_representative):
    client = client_of(legal_representative)

    numbered = client.get(org_url(organization, "invoices") + "?page=2")
    forged = client.get(org_url(organization, "invoices") + "?cursor=not-a-cursor")

    assert numbered.status_code == 400
    assert "follow `next`" in numbered.json()["page"][0]
    assert forged.status_code == 404


def test_the_invoice_pdf_is_a_named_pdf_download(
    client_of, organization, legal_representative, client_invoice
):
    response = client_of(legal_representative).get(org_url(organization, f"invoices/{client_invoice.pk}/pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{client_invoice.display_number}.pdf"'
    assert response.content.startswith(b"%PDF")


def test_the_pdf_endpoint_answers_whatever_the_client_accepts_and_errors_in_json(
    client_of, organization, legal_representative, client_invoice, monkeypatch
):
    monkeypatch.setattr("billing.pdf.render_invoice_pdf", lambda invoice: b"%PDF-1.7 test")
    client = client_of(legal_representative)

    found = client.get(
        org_url(organization, f"invoices/{client_invoice.pk}/pdf"), headers={"Accept": "application/pdf"}
    )
    missing = client.get(
        org_url(organization, f"invoices/{client_invoice.pk + 1000}/pdf"),
        headers={"Accept": "application/pdf"},
    )

    assert found.status_code == 200
    assert found.content == b"%PDF-1.7 test"
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    assert "detail" in missing.json()


# Wallet


def test_a_wallet_never_used_reads_empty_and_reading_creates_nothing(
    client_of, organization, legal_representative
):
    response = client_of(legal_representative).get(org_url(organization, "wallet"))

    assert response.status_code == 200
    assert response.json() == {"currency": "CHF", "balance": "0.00", "entries": []}
    assert not Wallet.objects.exists()


def test_a_top_up_credits_the_wallet_then_pays_the_due_invoices(
    client_of, organization, legal_representative, client_invoice
):
    client = client_of(legal_representative)

    response = top_up(client, organization, "100.00")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["currency"] == "CHF"
    assert body["balance"] == "25.41"
    assert (body["top_up"]["kind"], body["top_up"]["amount"], body["top_up"]["balance_after"]) == (
        "top_up",
        "100.00",
        "100.00",
    )
    client_invoice.refresh_from_db()
    assert client_invoice.status == InvoiceStatus.PAID
    wallet = client.get(org_url(organization, "wallet")).json()
    assert wallet["balance"] == "25.41"
    assert [(entry["kind"], entry["amount"]) for entry in wallet["entries"]] == [
        ("payment", "-74.59"),
        ("top_up", "100.00"),
    ]
    assert wallet["entries"][0]["invoice"] == {
        "id": client_invoice.pk,
        "number": client_invoice.display_number,
    }


def test_the_wallet_shows_the_latest_50_entries_newest_first(client_of, organization, legal_representative):
    for _ in range(52):
        fund(organization, legal_representative, "1.00")

    wallet = client_of(legal_representative).get(org_url(organization, "wallet")).json()

    assert wallet["balance"] == "52.00"
    assert len(wallet["entries"]) == 50
    assert [entry["balance_after"] for entry in wallet["entries"][:2]] == ["52.00", "51.00"]


@pytest.mark.parametrize(
    "amount",
    [
        "abc",
        "",
        None,
        "0",
        "0.00",
        "-5.00",
        "100000.01",
        "1e9",
        "10.005",
        "NaN",
        "Infinity",
        ["10"],
        {"a": 1},
    ],
)
def test_a_bad_amount_is_400_on_amount_and_tops_up_nothing(
    client_of, organization, legal_representative, amount
):
    response = top_up(client_of(legal_representative), organization, amount)

    assert response.status_code == 400, response.content
    assert "amount" in response.json()
    assert not LedgerEntry.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_top_up_without_an_amount_is_400_on_amount(client_of, organization, legal_representative):
    response = client_of(legal_representative).post(
        org_url(organization, "wallet/top-up"), {}, format="json", headers={"Idempotency-Key": new_key()}
    )

    assert response.status_code == 400
    assert "amount" in response.json()


def test_extra_top_up_fields_change_nothing(client_of, organization, legal_representative):
    response = top_up(
        client_of(legal_representative),
        organization,
        "10.00",
        balance="99999.00",
        kind="refund",
        organization=OrganizationFactory().pk,
        currency="EUR",
    )

    assert response.status_code == 201, response.content
    assert response.json()["balance"] == "10.00"
    assert LedgerEntry.objects.get().kind == "top_up"
    assert Wallet.objects.get().organization == organization


# Idempotency


def test_a_top_up_needs_an_idempotency_key(client_of, organization, legal_representative):
    client = client_of(legal_representative)
    url = org_url(organization, "wallet/top-up")

    missing = client.post(url, {"amount": "10.00"}, format="json")
    blank = client.post(url, {"amount": "10.00"}, format="json", headers={"Idempotency-Key": "  "})
    too_long = client.post(url, {"amount": "10.00"}, format="json", headers={"Idempotency-Key": "k" * 201})

    for response in (missing, blank, too_long):
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()
    assert not LedgerEntry.objects.exists()


def test_a_retried_top_up_answers_the_first_response_again_and_tops_up_once(
    client_of, organization, legal_representative
):
    client = client_of(legal_representative)
    key = new_key()

    first = top_up(client, organization, "10.00", key=key)
    again = top_up(client, organization, "10.00", key=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert LedgerEntry.objects.count() == 1
    assert balance_of(organization) == Decimal("10.00")


def test_a_replay_answers_the_first_response_even_after_the_wallet_moved_on(
    client_of, organization, legal_representative
):
    client = client_of(legal_representative)
    key = new_key()
    first = top_up(client, organization, "10.00", key=key)
    top_up(client, organization, "5.00")

    again = top_up(client, organization, "10.00", key=key)

    assert again.json() == first.json()
    assert again.json()["balance"] == "10.00"
    assert balance_of(organization) == Decimal("15.00")


def test_the_same_key_with_another_body_is_409_and_changes_nothing(
    client_of, organization, legal_representative
):
    client = client_of(legal_representative)
    key = new_key()
    top_up(client, organization, "10.00", key=key)

    response = top_up(client, organization, "20.00", key=key)

    assert response.status_code == 409
    assert "another request body" in response.json()["detail"]
    assert balance_of(organization) == Decimal("10.00")


def test_a_refused_request_does_not_use_up_its_key(client_of, organization, legal_representative):
    client = client_of(legal_representative)
    key = new_key()

    refused = top_up(client, organization, "0.00", key=key)
    accepted = top_up(client, organization, "10.00", key=key)

    assert refused.status_code == 400
    assert accepted.status_code == 201
    assert balance_of(organization) == Decimal("10.00")


def test_keys_belong_to_one_user(client_of, organization, legal_representative, administrator):
    key = new_key()

    first = top_up(client_of(legal_representative), organization, "10.00", key=key)
    second = top_up(client_of(administrator), organization, "10.00", key=key)

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert balance_of(organization) == Decimal("20.00")


def test_keys_belong_to_one_endpoint(client_of, organization, legal_representative):
    other = OrganizationFactory(name="Second Org SA")
    Membership = legal_representative.memberships.model
    Membership.objects.create(user=legal_representative, organization=other, role=Role.LEGAL_REPRESENTATIVE)
    client = client_of(legal_representative)
    key = new_key()

    here = top_up(client, organization, "10.00", key=key)
    there = top_up(client, other, "10.00", key=key)
    order = place_order(client, organization, headers={"Idempotency-Key": key})

    assert (here.status_code, there.status_code, order.status_code) == (201, 201, 201)
    assert balance_of(organization) == Decimal("10.00")
    assert balance_of(other) == Decimal("10.00")
    assert Order.objects.count() == 1


def test_an_order_retried_with_its_key_is_placed_once(client_of, organization, legal_representative):
    client = client_of(legal_representative)
    headers = {"Idempotency-Key": new_key()}

    first = place_order(client, organization, headers=headers)
    again = place_order(client, organization, headers=headers)
    other_body = place_order(client, organization, name="other.example.ch", headers=headers)
    without_key = place_order(client, organization)

    assert first.status_code == again.status_code == without_key.status_code == 201
    assert again.json() == first.json()
    assert other_body.status_code == 409
    assert Order.objects.count() == 2


def _concurrently(calls):
    """Run the calls in threads released at once; each thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def slow_top_up(monkeypatch):
    """The service takes a moment, so that concurrent requests overlap while the first one holds its key."""
    top_up_now = services.wallet_top_up

    def slowly(**kwargs):
        threading.Event().wait(0.3)
        return top_up_now(**kwargs)

    monkeypatch.setattr(services, "wallet_top_up", slowly)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_top_up(
    shared_database, client_of, organization, legal_representative, slow_top_up
):
    clients = [client_of(legal_representative) for _ in range(4)]
    key = new_key()

    responses = _concurrently(
        [lambda client=client: top_up(client, organization, "10.00", key=key) for client in clients]
    )

    assert [response.status_code for response in responses] == [201] * 4
    assert all(response.json() == responses[0].json() for response in responses)
    assert sum(response.has_header("Idempotent-Replayed") for response in responses) == 3
    assert LedgerEntry.objects.count() == 1
    assert balance_of(organization) == Decimal("10.00")
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_and_other_bodies_make_one_top_up_and_a_409(
    shared_database, client_of, organization, legal_representative, slow_top_up
):
    key = new_key()
    amounts = ["10.00", "20.00"]

    responses = _concurrently(
        [
            lambda amount=amount: top_up(client_of(legal_representative), organization, amount, key=key)
            for amount in amounts
        ]
    )

    assert sorted(response.status_code for response in responses) == [201, 409]
    winner = next(response for response in responses if response.status_code == 201)
    assert balance_of(organization) == Decimal(winner.json()["top_up"]["amount"])
    assert LedgerEntry.objects.count() == 1


# Query budgets


def _add_orders(world, count):
    for number in range(count):
        order_as(world.caller, world.organization, name=f"site{number}.example.ch")


def _add_entries(world, count):
    for _ in range(count):
        fund(world.organization, world.caller, "1.00")


@pytest.mark.parametrize(
    ("path", "grow", "budget"),
    [("orders", _add_orders, 6), ("invoices", _add_orders, 5), ("wallet", _add_entries, 5)],
)
def test_a_billing_list_costs_the_same_queries_for_5_and_50_rows(
    client_of, organization, legal_representative, path, grow, budget
):
    world = type("World", (), {"caller": legal_representative, "organization": organization})
    client = client_of(legal_representative)
    counts = []
    for rows in (5, 50):
        grow(world, rows - (5 if rows == 50 else 0))
        with CaptureQueriesContext(connection) as context:
            response = client.get(org_url(organization, path))
        assert response.status_code == 200
        counts.append(len(context))

    assert counts[0] == counts[1], counts
    assert counts[1] <= budget, counts


def test_the_orders_list_asks_the_partner_s_billing_rights_once_however_many_orders(
    client_of, organization, paying_partner
):
    client = client_of(paying_partner)
    counts = []
    for rows in (2, 12):
        for number in range(rows - (2 if rows == 12 else 0)):
            place_order(client, organization, name=f"site{number}-{rows}.example.ch")
        with CaptureQueriesContext(connection) as context:
            response = client.get(org_url(organization, "orders"))
        assert response.status_code == 200
        assert all(row["invoice"] is not None for row in response.json()["results"])
        counts.append(len(context))

    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("endpoint", ["orders", "activity"])
def test_the_orders_and_the_activity_log_are_paginated_with_a_cursor(
    client_of, organization, legal_representative, endpoint
):
    """Both lists grow without bound: a script follows `next`, no call counts every row, page numbers are
    refused."""
    for number in range(3):
        order_as(legal_representative, organization, name=f"site{number}.example.ch")
    client = client_of(legal_representative)
    everything = [row["id"] for row in client.get(org_url(organization, endpoint)).json()["results"]]

    pages, url = [], org_url(organization, endpoint) + "?page_size=2"
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    numbered = client.get(org_url(organization, endpoint) + "?page=2")

    assert set(body) == {"next", "previous", "results"}
    assert len(everything) >= 3
    assert [pk for page in pages for pk in page] == everything
    assert all(len(page) <= 2 for page in pages)
    assert numbered.status_code == 400
    assert "follow `next`" in numbered.json()["page"][0]
