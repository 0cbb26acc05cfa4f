"""`manage.py seed_bench --clients 2000 --invoices 200000`: a large, deterministic data set for benchmarks.

One referenced partner per size, each named after it ("Bench Large Partner", `bench-large@bench.example`):
"small" with 10 clients, "large" with `--clients` clients, and "huge" with `--huge` times as many clients and
invoices (10 by default; 0 leaves it out), so every page can be measured at several sizes. A partner pays its
share of invoices for the clients that let it pay; the clients that pay themselves receive a tenth as many of
their own (one line and one order each); the small partner's share is in proportion. Invoices are spread
over the last 360 days, so the busier partner also has the busier month.

Orders, invoices and their lines (three rows per invoice, millions at the huge size) go straight into their
tables: PostgreSQL's COPY, or large `executemany` batches on SQLite; the rest through bulk inserts. The
figures are invented, but they have the shape the services give them (net + tax = gross, numbers without
gaps in their series). A partner that exists already is left as it is, so a second run adds only the sizes
missing; one of another size is refused.
"""

import json
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, timedelta
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, InvoiceSequence, InvoiceStatus, Order, OrderKind
from billing.services import seller_data
from billing.tax import TaxRule
from organizations.models import EntityType, Membership, Organization, Product, ProductType, Role, User
from partners.models import Access, PartnerProfile, Partnership, PaymentMethod, Status

BENCH_PASSWORD = "manager-bench-2026"
SMALL_PARTNER_CLIENTS = 10
HUGE_FACTOR = 10
BATCH_SIZE = 5000
# Invoices are written in chunks of this many (three tables each), so memory stays flat at any size.
CHUNK_SIZE = 50_000
SPAN = timedelta(days=360)
VAT_RATE = Decimal("0.0810")
RESELLER_DISCOUNT_RATE = Decimal("0.150")
CASHBACK_RATE = Decimal("0.100")
CENT = Decimal("0.01")


def bench_partner_email(size: str) -> str:
    """The legal representative of the bench partner of that size ("small", "large" or "huge")."""
    return f"bench-{size}@bench.example"


def bench_sizes(clients: int, invoices: int, huge: int = HUGE_FACTOR) -> dict[str, tuple[int, int]]:
    """Clients and partner-paid invoices of each bench partner, smallest first."""
    sizes = {
        "small": (SMALL_PARTNER_CLIENTS, invoices * SMALL_PARTNER_CLIENTS // clients),
        "large": (clients, invoices),
    }
    if huge:
        sizes["huge"] = (clients * huge, invoices * huge)
    return sizes


class Command(BaseCommand):
    help = "Create bench partners with many managed clients and invoices (bulk loads, deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=2000, help="Clients of the large bench partner.")
        parser.add_argument("--invoices", type=int, default=200_000, help="Invoices the large partner paid.")
        parser.add_argument(
            "--huge",
            type=int,
            default=HUGE_FACTOR,
            help="The huge partner has this many times the large one's clients and invoices (0: none).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="The same seed gives the same data.")

    def handle(self, *args, clients: int, invoices: int, huge: int, seed: int, **options):
        if clients < 1 or invoices < 0 or huge < 0:
            raise CommandError("--clients must be at least 1, --invoices and --huge at least 0.")
        product_types = list(ProductType.objects.filter(is_active=True).order_by("pk"))
        if not product_types:
            raise CommandError("The catalog is empty: run `manage.py migrate` first.")
        password_hash = make_password(BENCH_PASSWORD)
        created = []
        for size, (client_count, invoice_count) in bench_sizes(clients, invoices, huge).items():
            existing = Partnership.objects.filter(
                partner__memberships__user__email=bench_partner_email(size), status=Status.ACTIVE
            ).count()
            if existing == client_count:
                continue
            if existing:
                raise CommandError(
                    f"The {size} bench partner has {existing} clients, not {client_count}: seed another "
                    "database (make bench names the SQLite file after the sizes) or drop this one."
                )
            # Each size from its own seed: adding the huge partner later gives the same data as at once.
            rng = random.Random(f"{seed}-{size}")  # noqa: S311 - reproducible data, not secrets
            started = timezone.now()
            with transaction.atomic():
                BenchData(rng, product_types, password_hash).partner(
                    size, client_count, invoices=invoice_count
                )
            seconds = (timezone.now() - started).total_seconds()
            created.append(size)
            self.stdout.write(
                f"{bench_partner_email(size)}: {client_count:,} clients, {invoice_count:,} invoices paid by "
                f"the partner, in {seconds:.0f} s."
            )
        if not created:
            self.stdout.write("The bench data exists already; nothing to do.")
            return
        refresh_planner_statistics()
        self.stdout.write(self.style.SUCCESS(f"Bench data ready; password {BENCH_PASSWORD}."))


def refresh_planner_statistics() -> None:
    """ANALYZE after the bulk load (and VACUUM on PostgreSQL, whose index-only scans need the visibility map):
    autovacuum would get to it some minutes later, and until then the planner takes the large tables for
    empty ones (a full view of the invoices took 0.6 s instead of 50 ms)."""
    # VACUUM cannot run in a transaction (a test's).
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


class TableLoad:
    """Rows straight into one table, values in the database's own form: COPY on PostgreSQL, `executemany`
    in large batches elsewhere. Ids are given by the caller; `finish()` moves the table's id sequence on."""

    def __init__(self, model: type[models.Model], fields: list[str]):
        self.model = model
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        placeholders = ", ".join(["%s"] * len(fields))
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608

    def write(self, rows: Iterable[tuple]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            rows = iter(rows)
            while batch := list(islice(rows, BATCH_SIZE)):
                cursor.executemany(self.insert_sql, batch)

    def finish(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [self.model])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(last=models.Max("pk"))["last"] or 0) + 1


def _datetime_value():
    """How a datetime is written: PostgreSQL takes it aware; SQLite stores naive UTC text, as Django does."""
    if connection.vendor == "postgresql":
        return lambda value: value
    return lambda value: str(value.astimezone(UTC).replace(tzinfo=None))


class BenchData:
    """Builds one bench partner and its clients."""

    def __init__(self, rng: random.Random, product_types: list[ProductType], password_hash: str):
        self.rng = rng
        self.product_types = product_types
        self.password_hash = password_hash
        self.now = timezone.now()

    def partner(self, size: str, client_count: int, *, invoices: int) -> Organization:
        name = f"Bench {size.title()} Partner"
        partner = Organization.objects.create(
            name=name,
            entity_type=EntityType.COMPANY,
            country="CH",
            currency="CHF",
            is_referenced_partner=True,
            terms_accepted_at=self.now,
        )
        PartnerProfile.objects.create(
            organization=partner,
            public_name=name,
            contact_email=bench_partner_email(size),
            country="CH",
            reseller_discount_rate=RESELLER_DISCOUNT_RATE,
            cashback_rate=CASHBACK_RATE,
            is_listed=False,
        )
        representative = User.objects.create(
            email=bench_partner_email(size), full_name=f"Bench {size}", password=self.password_hash
        )
        Membership.objects.create(user=representative, organization=partner, role=Role.LEGAL_REPRESENTATIVE)
        clients = self._clients(size, client_count)
        partnerships = self._partnerships(partner, representative, clients)
        products = self._products(clients)
        if invoices:
            self._invoices(partner, representative, partnerships, products, invoices)
        return partner

    def _clients(self, size: str, count: int) -> list[Organization]:
        clients = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"Bench {size} client {number:05d}",
                    entity_type=EntityType.INDIVIDUAL if number % 5 == 0 else EntityType.COMPANY,
                    country="CH",
                    currency="CHF",
                    terms_accepted_at=self.now,
                    created_at=self.now - timedelta(days=number % 700),
                )
                for number in range(count)
            ],
            batch_size=BATCH_SIZE,
        )
        users = User.objects.bulk_create(
            [
                User(email=f"client{number:05d}@{size}.bench.example", password=self.password_hash)
                for number in range(count)
            ],
            batch_size=BATCH_SIZE,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, organization=client, role=Role.LEGAL_REPRESENTATIVE)
                for user, client in zip(users, clients, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        return clients

    def _partnerships(
        self, partner: Organization, representative: User, clients: list[Organization]
    ) -> dict[int, Partnership]:
        # Half the clients let the partner pay; the others pay themselves, half of those with limited access.
        offers = [
            (Access.FULL, PaymentMethod.PARTNER),
            (Access.FULL, PaymentMethod.PARTNER),
            (Access.FULL, PaymentMethod.CLIENT),
            (Access.LIMITED, PaymentMethod.CLIENT),
        ]
        rows = []
        for number, client in enumerate(clients):
            access, payment_method = offers[number % len(offers)]
            answered_at = self.now - timedelta(days=self.rng.randint(1, 900))
            rows.append(
                Partnership(
                    client=client,
                    partner=partner,
                    access=access,
                    payment_method=payment_method,
                    status=Status.ACTIVE,
                    invitation_nonce=f"bench{partner.pk:05d}{number:06d}",
                    invitation_sent_at=answered_at,
                    created_at=answered_at,
                    created_by=representative,
                    answered_at=answered_at,
                    answered_by=representative,
                )
            )
        Partnership.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return {
            partnership.client_id: partnership
            for partnership in Partnership.objects.active().filter(partner=partner)
        }

    def _products(self, clients: list[Organization]) -> dict[int, list[Product]]:
        rows = []
        for client in clients:
            for product_type in self.rng.sample(self.product_types, k=min(2, len(self.product_types))):
                rows.append(
                    Product(
                        organization=client,
                        product_type=product_type,
                        name=f"{product_type.slug}-{client.pk}.bench.example",
                        expires_at=self.now + timedelta(days=self.rng.randint(1, 365)),
                    )
                )
        Product.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        by_client: dict[int, list[Product]] = {}
        products = Product.objects.filter(organization__in=[client.pk for client in clients])
        for product in products.select_related("product_type").order_by("pk"):
            by_client.setdefault(product.organization_id, []).append(product)
        # A limited partner manages the first product of each such client.
        limited = Partnership.objects.filter(
            client__in=[client.pk for client in clients], access=Access.LIMITED
        )
        granted = [
            Partnership.products.through(partnership_id=partnership_id, product_id=by_client[client_id][0].pk)
            for client_id, partnership_id in limited.values_list("client_id", "pk")
        ]
        Partnership.products.through.objects.bulk_create(granted, batch_size=BATCH_SIZE)
        return by_client

    def _invoices(
        self,
        partner: Organization,
        representative: User,
        partnerships: dict[int, Partnership],
        products: dict[int, list[Product]],
        count: int,
    ) -> None:
        paid_by_partner = sorted(
            client_id
            for client_id, partnership in partnerships.items()
            if partnership.payment_method == PaymentMethod.PARTNER
        )
        paying_themselves = sorted(set(partnerships) - set(paid_by_partner))
        # Whose invoice each one is, oldest first: the partner's, and every eleventh one a client's own (a
        # tenth as many as the partner's), so that every month has both.
        own = count // 10 if paying_themselves else 0
        partner_turns, client_turns = iter(range(count)), iter(range(own))
        schedule = [
            paying_themselves[next(client_turns) % len(paying_themselves)]
            if number % 11 == 10 and number // 11 < own
            else paid_by_partner[next(partner_turns) % len(paid_by_partner)]
            for number in range(count + own)
        ]
        series = f"INV{timezone.localdate(self.now):%Y}"
        sequence, _ = InvoiceSequence.objects.select_for_update().get_or_create(series=series)
        writer = InvoiceRows(self, partner, representative, partnerships, products, series)
        writer.write(schedule, first_number=sequence.last_number + 1)
        sequence.last_number += len(schedule)
        sequence.save(update_fields=["last_number"])


ORDER_FIELDS = [
    "id", "organization", "product", "product_type", "kind", "placed_by", "placed_by_partner", "partner",
    "payment_method", "payer", "currency", "public_price", "discount_rate", "net_amount", "cashback_rate",
    "cashback_amount", "period_start", "period_end", "created_at",
]  # fmt: skip
INVOICE_FIELDS = [
    "id", "kind", "series", "number", "organization", "issued_at", "currency", "seller", "buyer",
    "net_amount", "tax_amount", "gross_amount", "status", "paid_at",
]  # fmt: skip
LINE_FIELDS = [
    "invoice", "order", "description", "quantity", "unit_price", "net_amount", "tax_rule", "tax_rate",
    "tax_wording", "tax_amount", "gross_amount",
]  # fmt: skip


class InvoiceRows:
    """One order, one invoice and its line per entry of a schedule of clients, written chunk by chunk."""

    def __init__(self, data: BenchData, partner, representative, partnerships, products, series: str):
        self.data = data
        self.partner = partner
        self.representative = representative
        self.partnerships = partnerships
        self.products = products
        self.series = series
        self.seller = json.dumps(seller_data())
        self.datetime = _datetime_value()
        self.prices: dict[tuple[int, bool], tuple[Decimal, ...]] = {}
        self.buyers: dict[int, str] = {}

    def _amounts(self, product_type: ProductType, partner_pays: bool) -> tuple[Decimal, ...]:
        """Public price, discount rate, net, tax, gross, cashback rate and cashback of one product type."""
        key = (product_type.pk, partner_pays)
        if key not in self.prices:
            public_price = product_type.price_chf
            discount_rate = RESELLER_DISCOUNT_RATE if partner_pays else Decimal("0")
            net = (public_price * (1 - discount_rate)).quantize(CENT)
            tax = (net * VAT_RATE).quantize(CENT)
            cashback_rate = Decimal("0") if partner_pays else CASHBACK_RATE
            cashback = (public_price * cashback_rate).quantize(CENT)
            self.prices[key] = (public_price, discount_rate, net, tax, net + tax, cashback_rate, cashback)
        return self.prices[key]

    def write(self, schedule: list[int], *, first_number: int) -> None:
        orders, invoices = TableLoad(Order, ORDER_FIELDS), TableLoad(Invoice, INVOICE_FIELDS)
        lines = TableLoad(InvoiceLine, LINE_FIELDS)
        first_ids = (next_id(Order), next_id(Invoice), first_number)
        for start in range(0, len(schedule), CHUNK_SIZE):
            rows = list(self._rows(schedule, start, min(start + CHUNK_SIZE, len(schedule)), first_ids))
            orders.write(order for order, _, _ in rows)
            invoices.write(invoice for _, invoice, _ in rows)
            lines.write(line for _, _, line in rows)
        for load in (orders, invoices, lines):
            load.finish()

    def _rows(self, schedule: list[int], start: int, stop: int, first_ids: tuple[int, int, int]) -> Iterator:
        """The order, invoice and line of the schedule's entries from `start` to `stop`: the oldest first,
        the last one issued now."""
        first_order, first_invoice, first_number = first_ids
        rng, partner_id, now, datetime_value = self.data.rng, self.partner.pk, self.data.now, self.datetime
        placed_by = self.representative.pk
        step = SPAN / len(schedule)
        for offset in range(start, stop):
            client_id = schedule[offset]
            payment_method = self.partnerships[client_id].payment_method
            product = rng.choice(self.products[client_id])
            partner_pays = payment_method == PaymentMethod.PARTNER
            payer_id = partner_id if partner_pays else client_id
            public_price, discount_rate, net, tax, gross, cashback_rate, cashback = self._amounts(
                product.product_type, partner_pays
            )
            issued_at = now - step * (len(schedule) - 1 - offset)
            issued = datetime_value(issued_at)
            kind = OrderKind.RENEWAL if offset % 3 else OrderKind.NEW
            order_id, invoice_id = first_order + offset, first_invoice + offset
            order = (
                order_id, client_id, product.pk, product.product_type_id, kind.value, placed_by, partner_id,
                partner_id, payment_method, payer_id, "CHF", public_price, discount_rate, net, cashback_rate,
                cashback, issued, datetime_value(issued_at + timedelta(days=365)), issued,
            )  # fmt: skip
            invoice = (
                invoice_id, "invoice", self.series, first_number + offset, payer_id, issued, "CHF",
                self.seller, self._buyer(payer_id), net, tax, gross, InvoiceStatus.PAID.value, issued,
            )  # fmt: skip
            line = (
                invoice_id, order_id, f"{kind.label} of {product.name}", 1, net, net, TaxRule.CH_VAT,
                VAT_RATE, "Swiss VAT 8.1 %", tax, gross,
            )  # fmt: skip
            yield order, invoice, line

    def _buyer(self, payer_id: int) -> str:
        if payer_id not in self.buyers:
            buyer = {"organization_id": payer_id, "name": f"Payer {payer_id}", "country": "CH"}
            self.buyers[payer_id] = json.dumps(buyer)
        return self.buyers[payer_id]
