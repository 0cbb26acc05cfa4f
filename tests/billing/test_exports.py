"""The billing-history export of managed clients: each history's columns against amounts computed by hand,
what a partner may see per payment method, formula-safe cells, the period rules, and streaming.

Léman Digital (the partner: 15 % reseller discount, 10 % cashback) manages two Swiss clients: Alpine Shop,
which pays its own orders, and Helvetia Web AG, for which the partner pays. Web hosting costs 69.00 CHF a
year; Swiss VAT is 8.1 %.
"""

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import exports, services
from billing.exports import (
    BillingExport,
    ClientFilter,
    History,
    export_lines,
    export_period,
    managed_client_ids,
)
from billing.models import Invoice, Order
from core.spreadsheets import FORMULA_TRIGGERS
from organizations.models import Organization, Product, ProductCategory, ProductType
from tests.factories import OrganizationFactory, PartnershipFactory, ProductFactory

TODAY = date(2026, 3, 15)


def read_csv(lines) -> list[list[str]]:
    text = "".join(lines)
    assert text.endswith("\r\n"), "RFC 4180 lines end with CRLF"
    return list(csv.reader(io.StringIO(text)))


def export_of(partner, history, clients, *, days=1):
    today = timezone.localdate()
    return BillingExport(
        partner=partner,
        history=history,
        date_from=today - timedelta(days=days),
        date_to=today,
        client_ids=tuple(sorted(client.pk for client in clients)),
    )


def test_invoices_are_one_row_per_line_item_of_what_the_partner_paid(
    partner_org, alpine, helvetia, export_world
):
    order = export_world["for_helvetia"]
    rows = read_csv(export_lines(export_of(partner_org, History.INVOICES, [alpine, helvetia])))

    assert rows[0] == exports.INVOICE_HEADER
    invoice = Invoice.objects.get(organization=partner_org)
    day = timezone.localdate().isoformat()
    start, end = timezone.localtime(order.period_start), timezone.localtime(order.period_end)
    # 69.00 less 15 % = 58.65 net; 8.1 % VAT of 58.65 = 4.75065 → 4.75; 63.40 gross.
    assert rows[1:] == [
        [
            f"INV{timezone.localdate():%Y}-{invoice.number:06d}",
            "Invoice",
            day,
            "Due",
            str(helvetia.pk),
            "Helvetia Web AG",
            str(order.pk),
            "New product: Web hosting “helvetia.example” for Helvetia Web AG, "
            f"{start:%Y-%m-%d} to {end:%Y-%m-%d}",
            "1",
            "58.65",
            "58.65",
            "0.0810",
            "4.75",
            "63.40",
            "CHF",
        ]
    ]


def test_a_client_that_pays_has_no_invoice_in_the_partners_export(partner_org, alpine, export_world):
    assert Invoice.objects.filter(organization=alpine).count() == 2  # the client's own invoices exist

    rows = read_csv(export_lines(export_of(partner_org, History.INVOICES, [alpine])))

    assert rows == [exports.INVOICE_HEADER]


def test_orders_are_those_the_partner_placed_or_paid(partner_org, alpine, helvetia, export_world):
    rows = read_csv(export_lines(export_of(partner_org, History.ORDERS, [alpine, helvetia])))

    assert rows[0] == exports.ORDER_HEADER
    day = timezone.localdate().isoformat()

    def expected(order, client, discount, net, payer):
        start, end = timezone.localtime(order.period_start), timezone.localtime(order.period_end)
        return [
            str(order.pk),
            day,
            str(client.pk),
            client.name,
            "New product",
            order.product.name,
            "Web hosting",
            "Partner",
            payer,
            f"{start:%Y-%m-%d}",
            f"{end:%Y-%m-%d}",
            "69.00",
            discount,
            net,
            "CHF",
        ]

    # Alpine's own order is not the partner's: it shows only as cashback.
    assert rows[1:] == [
        expected(export_world["for_alpine"], alpine, "0.000", "69.00", "Alpine Shop"),
        expected(export_world["for_helvetia"], helvetia, "0.150", "58.65", "Léman Digital SA"),
    ]


def test_cashback_is_what_the_partner_earned_on_the_clients_orders(
    partner_org, alpine, helvetia, export_world
):
    rows = read_csv(export_lines(export_of(partner_org, History.CASHBACK, [alpine, helvetia])))

    assert rows[0] == exports.CASHBACK_HEADER
    day = timezone.localdate().isoformat()
    # 10 % of 69.00 on each of Alpine's orders; none where the partner pays (it had the discount instead).
    assert [row[:4] for row in rows[1:]] == [
        [day, str(alpine.pk), "Alpine Shop", str(export_world["for_alpine"].pk)],
        [day, str(alpine.pk), "Alpine Shop", str(export_world["by_alpine"].pk)],
    ]
    assert [row[4:] for row in rows[1:]] == [
        [
            "New product",
            "alpine.example",
            "Web hosting",
            "Cashback: new product of alpine.example for Alpine Shop",
            "0.100",
            "6.90",
            "CHF",
        ],
        [
            "New product",
            "own.alpine.example",
            "Web hosting",
            "Cashback: new product of own.alpine.example for Alpine Shop",
            "0.100",
            "6.90",
            "CHF",
        ],
    ]


def test_products_are_those_the_partner_manages(partner_org, client_org, web_hosting):
    granted = ProductFactory(organization=client_org, name="granted.example", product_type=web_hosting)
    ProductFactory(organization=client_org, name="not-granted.example", product_type=web_hosting)
    PartnershipFactory(client=client_org, partner=partner_org, access="limited", products=[granted])

    rows = read_csv(export_lines(export_of(partner_org, History.PRODUCTS, [client_org])))

    assert rows[0] == exports.PRODUCT_HEADER
    assert rows[1:] == [
        [
            str(client_org.pk),
            "Helvetia Web AG",
            str(granted.pk),
            "granted.example",
            "Web hosting",
            "Web hosting",
            "Active",
            timezone.localdate(granted.created_at).isoformat(),
            timezone.localdate(granted.expires_at).isoformat(),  # one period after its installation
        ]
    ]


def test_another_partners_rows_never_appear(alpine, export_world):
    rival = OrganizationFactory(name="Rival Agency", is_referenced_partner=True)
    PartnershipFactory(client=alpine, partner=rival, access="full", payment_method="client")

    for history in (History.INVOICES, History.ORDERS, History.CASHBACK):
        rows = read_csv(export_lines(export_of(rival, history, [alpine])))
        assert len(rows) == 1, f"{history}: the rival sees Léman's rows"


# A name as a person can save it: any text but NUL, which forms refuse and PostgreSQL cannot store, and lone
# surrogates, which are not UTF-8 (no database stores them).
NAMES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(trigger=st.sampled_from(FORMULA_TRIGGERS), rest=NAMES)
def test_a_client_name_a_spreadsheet_would_run_is_written_as_text(
    partner_org, alpine, export_world, trigger, rest
):
    name = (trigger + rest)[:200]
    alpine.name = name
    alpine.save(update_fields=["name"])

    rows = read_csv(export_lines(export_of(partner_org, History.CASHBACK, [alpine])))

    assert rows[1][2] == "'" + name
    assert not rows[1][2].startswith(FORMULA_TRIGGERS)


def test_a_hyperlink_formula_comes_out_neutralised(partner_org, alpine, export_world):
    alpine.name = '=HYPERLINK("http://evil.example","Click")'
    alpine.save(update_fields=["name"])

    rows = read_csv(export_lines(export_of(partner_org, History.ORDERS, [alpine])))

    assert rows[1][3] == '\'=HYPERLINK("http://evil.example","Click")'


def test_no_cell_of_any_history_starts_a_formula(partner_org, alpine, helvetia, export_world, web_hosting):
    """The names people type (clients, the partner as payer, products, product types, categories) come out
    with a leading quote when a spreadsheet would run them; only a negative amount starts with "-"."""
    names = {alpine.pk: "=1+2", helvetia.pk: "@SUM(A1)", partner_org.pk: "+Léman Digital SA"}
    for pk, name in names.items():
        Organization.objects.filter(pk=pk).update(name=name)
    Product.objects.filter(organization__in=[alpine, helvetia]).update(name=Concat(Value("-"), "name"))
    ProductType.objects.filter(pk=web_hosting.pk).update(name="\tWeb hosting")
    ProductCategory.objects.filter(product_types=web_hosting).update(name="\rHosting")

    for history, _name in History.CHOICES:
        rows = read_csv(export_lines(export_of(partner_org, history, [alpine, helvetia])))
        cells = {cell for row in rows[1:] for cell in row}

        assert "'=1+2" in cells or "'@SUM(A1)" in cells, f"{history}: no client in the file"
        assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS) and not is_number(cell)] == []


def is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except ArithmeticError:
        return False
    return True


@pytest.mark.parametrize("amount", ["58.65", "69", "-12.50", "0", "4.75065", "2.675", "-0.005"])
def test_an_amount_is_written_as_the_orm_reads_it(partner_org, alpine, export_world, amount):
    """Whole, negative, or saved with more decimals than the field has: the cell is the text of the `Decimal`
    Django reads from the database (SQLite keeps a float or an integer, PostgreSQL rounds when it saves)."""
    order = export_world["for_alpine"]
    Order.objects.filter(pk=order.pk).update(public_price=Decimal(amount), net_amount=-Decimal(amount))
    read = Order.objects.values_list("public_price", "net_amount").get(pk=order.pk)

    rows = read_csv(export_lines(export_of(partner_org, History.ORDERS, [alpine])))

    [row] = [row for row in rows[1:] if row[0] == str(order.pk)]
    assert [row[11], row[13]] == [str(value) for value in read]


# The period and the clients


@pytest.mark.parametrize(
    ("period", "year", "date_from", "date_to", "expected"),
    [
        ("this_month", None, None, None, (date(2026, 3, 1), date(2026, 3, 15))),
        ("last_month", None, None, None, (date(2026, 2, 1), date(2026, 2, 28))),
        ("last_12_months", None, None, None, (date(2025, 3, 16), date(2026, 3, 15))),
        ("year", 2025, None, None, (date(2025, 1, 1), date(2025, 12, 31))),
        ("dates", None, date(2021, 3, 16), date(2026, 3, 15), (date(2021, 3, 16), date(2026, 3, 15))),
        ("dates", None, date(2026, 1, 1), date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1))),
    ],
)
def test_the_period_is_the_first_and_last_day(period, year, date_from, date_to, expected):
    assert (
        export_period(period=period, year=year, date_from=date_from, date_to=date_to, today=TODAY) == expected
    )


@pytest.mark.parametrize(
    ("period", "year", "date_from", "date_to", "field", "message"),
    [
        ("", None, None, None, "period", "Choose the period"),
        ("week", None, None, None, "period", "Choose the period"),
        ("year", None, None, None, "year", "Enter the year"),
        ("dates", None, None, date(2026, 1, 1), "date_from", "Enter the first day"),
        ("dates", None, date(2026, 1, 1), None, "date_to", "Enter the last day"),
        ("dates", None, date(2026, 2, 1), date(2026, 1, 31), "date_to", "before the first day"),
        ("dates", None, date(2021, 3, 15), date(2026, 3, 15), "date_from", "longer than 5 years"),
    ],
)
def test_a_wrong_period_is_refused_on_its_field(period, year, date_from, date_to, field, message):
    with pytest.raises(ValidationError) as refused:
        export_period(period=period, year=year, date_from=date_from, date_to=date_to, today=TODAY)
    assert list(refused.value.message_dict) == [field]
    assert message in refused.value.message_dict[field][0]


def test_clients_must_be_managed_by_the_partner(partner_org, alpine, helvetia):
    stopped = PartnershipFactory(partner=partner_org, status="stopped").client
    elsewhere = PartnershipFactory().client

    assert managed_client_ids(partner_org, [helvetia.pk, helvetia.pk]) == [helvetia.pk]
    with pytest.raises(ValidationError) as refused:
        managed_client_ids(partner_org, [alpine.pk, stopped.pk, elsewhere.pk])
    assert refused.value.message_dict["clients"] == [
        f"You do not manage these organizations: {', '.join(map(str, sorted([stopped.pk, elsewhere.pk])))}."
    ]
    with pytest.raises(ValidationError):
        managed_client_ids(partner_org, [])


def test_without_ticked_clients_the_filters_choose_them_in_the_database(partner_org, alpine, helvetia):
    PartnershipFactory(partner=partner_org, status="stopped")
    PartnershipFactory()  # another partner's client
    everyone = BillingExport(
        partner=partner_org, history=History.ORDERS, date_from=TODAY, date_to=TODAY, client_ids=None
    )

    def chosen(export):
        return sorted(Organization.objects.filter(pk__in=export.clients()).values_list("pk", flat=True))

    assert chosen(everyone) == sorted([alpine.pk, helvetia.pk])
    assert everyone.client_count() == 2
    assert chosen(replace(everyone, client_filter=ClientFilter(payment_method="client"))) == [alpine.pk]
    assert chosen(replace(everyone, client_filter=ClientFilter(search="helvetia"))) == [helvetia.pk]
    assert chosen(replace(everyone, client_filter=ClientFilter(access_level="limited"))) == []


def test_unknown_filter_values_are_refused_on_their_name():
    with pytest.raises(ValidationError) as refused:
        ClientFilter.checked(access_level="owner", payment_method="nobody")
    assert set(refused.value.message_dict) == {"access", "payment_method"}
    assert ClientFilter.checked(search="  alp ") == ClientFilter(search="alp")


# Streaming


def test_the_first_rows_are_written_before_the_last_are_read(partner_org, helvetia, monkeypatch, web_hosting):
    """The rows come from the database in chunks and leave as CSV lines one by one: nothing is read ahead."""
    invoice_rows = []
    original = exports._invoice_row

    def counting_row(values, issued_on):
        invoice_rows.append(values)
        return original(values, issued_on)

    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(exports, "_invoice_row", counting_row)
    orders = [
        services._place(product=product, kind="new", placed_by_partner=partner_org, by=None, acting_for=None)
        for product in ProductFactory.create_batch(6, organization=helvetia, product_type=web_hosting)
    ]
    lines = export_lines(export_of(partner_org, History.INVOICES, [helvetia]))

    header, first = next(lines), next(lines)
    assert header.startswith("Invoice,Type,Issued on")
    assert f",{orders[0].pk}," in first
    assert len(invoice_rows) == 1, "the export built more rows than it has written"
    rest = list(lines)
    assert len(rest) == 5
    assert len(invoice_rows) == 6


def test_the_amounts_are_plain_decimals(partner_org, helvetia, export_world):
    rows = read_csv(export_lines(export_of(partner_org, History.INVOICES, [helvetia])))
    for cell in rows[1][9:14]:
        assert Decimal(cell) == Decimal(cell).quantize(Decimal("0.0001")), cell
        assert "," not in cell
        assert " " not in cell


@pytest.mark.parametrize("history", [history for history, _name in History.CHOICES])
def test_read_in_small_chunks_each_history_is_the_same_file(
    partner_org, alpine, helvetia, export_world, web_hosting, monkeypatch, history
):
    """Past the first chunk the rows come after the last one read (by the values the export is ordered by):
    every row once, in order, even when rows share a moment or a name."""
    same_name = ProductFactory.create_batch(4, organization=helvetia, product_type=web_hosting, name="same")
    for product in same_name:
        services._place(product=product, kind="new", placed_by_partner=partner_org, by=None, acting_for=None)
    moment = timezone.now() - timedelta(hours=1)
    Order.objects.update(created_at=moment)
    whole = read_csv(export_lines(export_of(partner_org, history, [alpine, helvetia])))
    assert len(whole) > 2, "the export has rows beyond the first chunk"

    for chunk_size in (1, 2, 3):
        monkeypatch.setattr(exports, "CHUNK_SIZE", chunk_size)
        assert read_csv(export_lines(export_of(partner_org, history, [alpine, helvetia]))) == whole
