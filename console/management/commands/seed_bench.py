"""`manage.py seed_bench --clients 2000 --invoices 200000`: a large, deterministic data set for benchmarks.

Two referenced partners are created: "Bench Small Partner" with 10 clients and "Bench Partner" with
`--clients` clients, so every page can be measured at both sizes. The large partner pays `--invoices`
invoices for the clients that let it pay; the clients that pay themselves receive a tenth as many of their
own (one line and one order each); the small partner's share is in proportion. Rows are written with bulk
inserts, not through the services: the figures are invented, but they have the shape the services give
them (net + tax = gross, numbers without gaps in their series). Running it again does nothing when the
bench partners exist.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, InvoiceSequence, InvoiceStatus, Order, OrderKind
from billing.services import seller_data
from billing.tax import TaxRule
from organizations.models import EntityType, Membership, Organization, Product, ProductType, Role, User
from partners.models import Access, PartnerProfile, Partnership, PaymentMethod, Status

BENCH_PASSWORD = "manager-bench-2026"
SMALL_PARTNER_CLIENTS = 10
BATCH_SIZE = 2000
VAT_RATE = Decimal("0.0810")
CASHBACK_RATE = Decimal("0.100")
CENT = Decimal("0.01")


def bench_partner_email(size: str) -> str:
    """The legal representative of the bench partner of that size ("small" or "large")."""
    return f"bench-{size}@bench.example"


class Command(BaseCommand):
    help = "Create bench partners with many managed clients and invoices (bulk inserts, deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=2000, help="Clients of the large bench partner.")
        parser.add_argument("--invoices", type=int, default=200_000, help="Invoices the large partner paid.")
        parser.add_argument("--seed", type=int, default=2026, help="The same seed gives the same data.")

    def handle(self, *args, clients: int, invoices: int, seed: int, **options):
        if clients < 1 or invoices < 0:
            raise CommandError("--clients must be at least 1 and --invoices at least 0.")
        if User.objects.filter(email=bench_partner_email("large")).exists():
            self.stdout.write("The bench data exists already; nothing to do.")
            return
        product_types = list(ProductType.objects.filter(is_active=True).order_by("pk"))
        if not product_types:
            raise CommandError("The catalog is empty: run `manage.py migrate` first.")
        rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
        generator = BenchData(rng, product_types, make_password(BENCH_PASSWORD))
        with transaction.atomic():
            small_share = invoices * SMALL_PARTNER_CLIENTS // clients
            generator.partner("small", SMALL_PARTNER_CLIENTS, invoices=small_share)
            generator.partner("large", clients, invoices=invoices)
        self.stdout.write(
            self.style.SUCCESS(
                f"Bench data: partners {bench_partner_email('small')} ({SMALL_PARTNER_CLIENTS} clients) and "
                f"{bench_partner_email('large')} ({clients} clients, {invoices} invoices); "
                f"password {BENCH_PASSWORD}."
            )
        )
        refresh_planner_statistics()


def refresh_planner_statistics() -> None:
    """ANALYZE after the bulk load: PostgreSQL's autovacuum would get to it some minutes later, and until then
    the planner takes the 200,000-row tables for empty ones (a full view of the invoices took 0.6 s instead
    of 50 ms)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class BenchData:
    """Builds one bench partner and its clients with bulk inserts."""

    def __init__(self, rng: random.Random, product_types: list[ProductType], password_hash: str):
        self.rng = rng
        self.product_types = product_types
        self.password_hash = password_hash
        self.now = timezone.now()

    def partner(self, size: str, client_count: int, *, invoices: int) -> Organization:
        partner = Organization.objects.create(
            name=f"Bench {'Small ' if size == 'small' else ''}Partner",
            entity_type=EntityType.COMPANY,
            country="CH",
            currency="CHF",
            is_referenced_partner=True,
            terms_accepted_at=self.now,
        )
        PartnerProfile.objects.create(
            organization=partner,
            public_name=partner.name,
            contact_email=bench_partner_email(size),
            country="CH",
            reseller_discount_rate=Decimal("0.150"),
            cashback_rate=Decimal("0.100"),
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
                    invitation_nonce=f"bench{number:011d}",
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
        products = Product.objects.filter(organization__in=clients).select_related("product_type")
        for product in products.order_by("pk"):
            by_client.setdefault(product.organization_id, []).append(product)
        # A limited partner manages the first product of each such client.
        limited = Partnership.objects.filter(client__in=clients, access=Access.LIMITED)
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
        # Whose invoice each one is: the partner's first, then the clients' own (a tenth as many).
        schedule = [paid_by_partner[number % len(paid_by_partner)] for number in range(count)]
        if paying_themselves:
            schedule += [paying_themselves[number % len(paying_themselves)] for number in range(count // 10)]
        count = len(schedule)
        series = f"INV{timezone.localdate(self.now):%Y}"
        sequence, _ = InvoiceSequence.objects.select_for_update().get_or_create(series=series)
        seller = seller_data()
        first_number = sequence.last_number + 1
        for start in range(0, count, BATCH_SIZE):
            orders, invoices, lines = [], [], []
            for offset in range(start, min(start + BATCH_SIZE, count)):
                client_id = schedule[offset]
                partnership = partnerships[client_id]
                product = self.rng.choice(products[client_id])
                partner_pays = partnership.payment_method == PaymentMethod.PARTNER
                payer_id = partner.pk if partner_pays else client_id
                public_price = product.product_type.price_chf
                discount_rate = Decimal("0.150") if partner_pays else Decimal("0")
                net = (public_price * (1 - discount_rate)).quantize(CENT)
                tax = (net * VAT_RATE).quantize(CENT)
                cashback = (public_price * CASHBACK_RATE).quantize(CENT)
                issued_at = self.now - timedelta(minutes=count - offset)
                order = Order(
                    organization_id=client_id,
                    product=product,
                    product_type=product.product_type,
                    kind=OrderKind.RENEWAL if offset % 3 else OrderKind.NEW,
                    placed_by=representative,
                    placed_by_partner=partner,
                    partner=partner,
                    payment_method=partnership.payment_method,
                    payer_id=payer_id,
                    currency="CHF",
                    public_price=public_price,
                    discount_rate=discount_rate,
                    net_amount=net,
                    cashback_rate=Decimal("0") if partner_pays else CASHBACK_RATE,
                    cashback_amount=Decimal("0") if partner_pays else cashback,
                    period_start=issued_at,
                    period_end=issued_at + timedelta(days=365),
                    created_at=issued_at,
                )
                orders.append(order)
                invoices.append(
                    Invoice(
                        series=series,
                        number=first_number + offset,
                        organization_id=payer_id,
                        issued_at=issued_at,
                        currency="CHF",
                        seller=seller,
                        buyer={"organization_id": payer_id, "name": f"Payer {payer_id}", "country": "CH"},
                        net_amount=net,
                        tax_amount=tax,
                        gross_amount=net + tax,
                        status=InvoiceStatus.PAID,
                        paid_at=issued_at,
                    )
                )
                lines.append(
                    dict(
                        description=f"{order.get_kind_display()} of {product.name}",
                        unit_price=net,
                        net_amount=net,
                        tax_rule=TaxRule.CH_VAT,
                        tax_rate=VAT_RATE,
                        tax_wording="Swiss VAT 8.1 %",
                        tax_amount=tax,
                        gross_amount=net + tax,
                    )
                )
            Order.objects.bulk_create(orders)
            Invoice.objects.bulk_create(invoices)
            InvoiceLine.objects.bulk_create(
                InvoiceLine(invoice=invoice, order=order, quantity=1, **line)
                for invoice, order, line in zip(invoices, orders, lines, strict=True)
            )
        sequence.last_number = first_number + count - 1
        sequence.save(update_fields=["last_number"])
