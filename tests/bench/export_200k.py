"""Time and peak memory of a 200,000-row invoice export through the streaming export code.

Not part of the suite. Run it against a throwaway database, which it migrates, fills in bulk inside a
transaction, and leaves as it was (the transaction is rolled back):

    DATABASE_URL=sqlite:////tmp/export-bench.sqlite3 .venv/bin/python -m tests.bench.export_200k
    DATABASE_URL=postgres://USER@HOST:5432/DB .venv/bin/python -m tests.bench.export_200k

Peak memory is measured twice: the growth of the process's resident memory (sampled while the file is
produced), and tracemalloc's peak of Python allocations over a second pass.
"""

import gc
import os
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing.exports import BillingExport, History, export_lines  # noqa: E402
from billing.models import Invoice, InvoiceLine, Order  # noqa: E402
from organizations.models import Organization, Product, ProductType  # noqa: E402
from partners.models import Partnership  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "200000"))
CLIENTS = 100
LINES_PER_INVOICE = 10
BATCH = 5000


class Rollback(Exception):
    pass


def fill(now) -> BillingExport:
    """A partner paying for CLIENTS clients, with ROWS invoice lines on its invoices."""
    partner = Organization.objects.create(
        name="Bench Partner", entity_type="company", country="CH", currency="CHF", is_referenced_partner=True
    )
    clients = Organization.objects.bulk_create(
        Organization(name=f"Bench client {n:03d}", entity_type="company", country="CH", currency="CHF")
        for n in range(CLIENTS)
    )
    Partnership.objects.bulk_create(
        Partnership(
            client=client,
            partner=partner,
            access="full",
            payment_method="partner",
            status="active",
            invitation_nonce=f"{client.pk:032x}",
        )
        for client in clients
    )
    product_type = ProductType.objects.get(slug="web-hosting")
    products = Product.objects.bulk_create(
        Product(organization=client, product_type=product_type, name=f"site{client.pk}.example")
        for client in clients
    )
    price = Decimal("58.65")
    orders = Order.objects.bulk_create(
        Order(
            organization=product.organization,
            product=product,
            product_type=product_type,
            kind="renewal",
            placed_by_partner=partner,
            partner=partner,
            payment_method="partner",
            payer=partner,
            currency="CHF",
            public_price=Decimal("69.00"),
            discount_rate=Decimal("0.150"),
            net_amount=price,
            period_start=now,
            period_end=now + timedelta(days=365),
        )
        for product in products
    )
    invoice_count = ROWS // LINES_PER_INVOICE
    for start in range(0, invoice_count, BATCH):
        invoices = Invoice.objects.bulk_create(
            Invoice(
                series="BENCH",
                number=number + 1,
                organization=partner,
                issued_at=now - timedelta(minutes=number),
                currency="CHF",
                seller={},
                buyer={},
                net_amount=price * LINES_PER_INVOICE,
                tax_amount=Decimal("4.75") * LINES_PER_INVOICE,
                gross_amount=Decimal("63.40") * LINES_PER_INVOICE,
            )
            for number in range(start, min(start + BATCH, invoice_count))
        )
        InvoiceLine.objects.bulk_create(
            (
                InvoiceLine(
                    invoice=invoice,
                    order=orders[(invoice.number + line) % CLIENTS],
                    description=f"Renewal: Web hosting for client {line}",
                    unit_price=price,
                    net_amount=price,
                    tax_rule="ch",
                    tax_rate=Decimal("0.0810"),
                    tax_wording="Swiss VAT 8.1 %",
                    tax_amount=Decimal("4.75"),
                    gross_amount=Decimal("63.40"),
                )
                for invoice in invoices
                for line in range(LINES_PER_INVOICE)
            ),
            batch_size=BATCH,
        )
    today = timezone.localdate(now)
    return BillingExport(
        partner=partner,
        history=History.INVOICES,
        date_from=today - timedelta(days=365),
        date_to=today,
        # As Download exports them: every managed client, chosen in the database (BENCH_TICKED=1: by id).
        client_ids=tuple(client.pk for client in clients) if os.environ.get("BENCH_TICKED") else None,
    )


def resident_mib() -> float:
    """The process's current resident set size (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(export: BillingExport) -> dict:
    """One pass timed, sampling the resident memory every 10,000 lines; one pass under tracemalloc."""
    gc.collect()
    rss_before = resident_mib()
    rss_peak = rss_before
    started = time.perf_counter()
    lines = size = 0
    for line in export_lines(export):
        lines += 1
        size += len(line.encode())
        if lines % 10_000 == 0:
            rss_peak = max(rss_peak, resident_mib())
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    traced_started = time.perf_counter()
    for _line in export_lines(export):
        pass
    traced_elapsed = time.perf_counter() - traced_started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": lines - 1,
        "bytes": size,
        "seconds": elapsed,
        "rss_growth_mib": rss_peak - rss_before,
        "tracemalloc_peak_mib": peak / 2**20,
        "traced_seconds": traced_elapsed,
    }


def main() -> int:
    call_command("migrate", verbosity=0)
    now = timezone.now()
    try:
        with transaction.atomic():
            filled = time.perf_counter()
            export = fill(now)
            print(f"{connection.vendor}: {ROWS} lines created in {time.perf_counter() - filled:.1f} s")
            with connection.cursor() as cursor:
                # The statistics autovacuum would gather: without them PostgreSQL plans the freshly filled
                # tables as if empty.
                cursor.execute("ANALYZE")
            result = measure(export)
            print(
                f"{connection.vendor}: {result['rows']} rows, {result['bytes'] / 2**20:.1f} MiB of CSV in "
                f"{result['seconds']:.1f} s; resident memory grew {result['rss_growth_mib']:.1f} MiB; "
                f"tracemalloc peak {result['tracemalloc_peak_mib']:.1f} MiB "
                f"(that pass took {result['traced_seconds']:.1f} s)"
            )
            raise Rollback
    except Rollback:
        pass
    return 0 if result["rows"] == ROWS else 1


if __name__ == "__main__":
    sys.exit(main())
