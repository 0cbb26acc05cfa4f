"""`manage.py bench`: measure pages, endpoints, money operations and throughput on the `seed_bench` data.

Prints one table and writes it as JSON; exits with status 1 when a budget is missed. `make bench` prepares
the database (migrate + seed_bench) and runs it in production mode.
"""

from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.exports import (
    INVOICE_FIELDS,
    BillingExport,
    History,
    export_lines,
    export_queryset,
    export_row_count,
)
from billing.services import MAX_TOP_UP, product_renew, wallet_top_up
from console import bench
from console.bench import QUERY_BUDGET, Figure
from console.management.commands.seed_bench import bench_partner_email
from organizations.access import resolve_access
from organizations.models import Product, User
from partners.models import PaymentMethod
from partners.selectors import managed_clients
from tokens.models import ApiToken
from tokens.scopes import MANAGER_API, all_scopes
from tokens.services import token_create, token_revoke

SIZES = ("small", "large")
# The pages and endpoints measured under load.
LOADED = ("Managed Clients page", "API invoice list")
# A page or endpoint must serve at least this share of the minimal view's requests per second.
THROUGHPUT_SHARE = 0.10
# The export must write at least this share of the rows a raw cursor + csv.writer writes, in this memory.
EXPORT_SHARE = 0.5
EXPORT_MEMORY_MIB = 100


class Command(BaseCommand):
    help = "Run the benchmarks on the seed_bench data and check their budgets."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="Requests per latency figure.")
        parser.add_argument("--load-seconds", type=int, default=20, help="Duration of each wrk run.")
        parser.add_argument("--output", default="bench-results.json", help="Where the JSON table is written.")
        parser.add_argument("--skip-load", action="store_true", help="Leave out the gunicorn + wrk runs.")

    def handle(self, *args, repeat: int, load_seconds: int, output: str, skip_load: bool, **options):
        self.repeat = repeat
        self.users = {size: self._bench_user(size) for size in SIZES}
        self.organizations = {size: user.memberships.get().organization for size, user in self.users.items()}
        self.clients = {size: self._signed_in_client(user) for size, user in self.users.items()}
        self.labels = {
            size: f"{managed_clients(resolve_access(user, self.organizations[size])).count():,} clients"
            for size, user in self.users.items()
        }
        figures: list[Figure] = []
        baseline = bench.time_requests(self.clients["small"], reverse("healthz"), repeat=repeat)
        figures.append(_latency_figure("Minimal view (baseline)", baseline, None, budget="", ok=True))
        figures += self._pages(baseline.median_ms)
        figures += self._token_request()
        figures += self._export()
        figures += self._operations()
        if not skip_load:
            figures += self._throughput(load_seconds)
        self.stdout.write(bench.render_table(figures))
        context = {"database": connection.vendor, "repeat": repeat, "skip_load": skip_load}
        bench.write_json(figures, Path(output), context)
        self.stdout.write(f"\nWritten to {output}.")
        missed = [figure.name for figure in figures if not figure.ok]
        if missed:
            raise CommandError("Budgets missed: " + "; ".join(missed))

    def _bench_user(self, size: str) -> User:
        user = User.objects.filter(email=bench_partner_email(size)).first()
        if user is None:
            raise CommandError("No bench data: run `manage.py seed_bench` first (make bench does).")
        return user

    def _signed_in_client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def _paths(self, size: str) -> dict[str, str]:
        org_id = self.organizations[size].pk
        return {
            "Managed Clients page": reverse("managed_clients", kwargs={"org_id": org_id}),
            "Invoices page": reverse("invoices", kwargs={"org_id": org_id}),
            "Dashboard": reverse("dashboard", kwargs={"org_id": org_id}),
            "API invoice list": f"/api/v1/organizations/{org_id}/invoices",
        }

    def _pages(self, baseline_ms: float) -> list[Figure]:
        """Every request rendered, at both sizes."""
        figures = []
        for name in self._paths("small"):
            timings = {
                size: bench.time_requests(self.clients[size], self._paths(size)[name], repeat=self.repeat)
                for size in SIZES
            }
            same_queries = timings["small"].queries == timings["large"].queries
            for size in SIZES:
                timing = timings[size]
                figures.append(
                    _latency_figure(
                        f"{name} @ {self.labels[size]}",
                        timing,
                        baseline_ms,
                        budget=f"{timing.queries} queries ≤ {QUERY_BUDGET}, same at both sizes",
                        ok=timing.queries <= QUERY_BUDGET and same_queries,
                    )
                )
        return figures

    def _bench_token(self) -> tuple[ApiToken, str]:
        return token_create(
            user=self.users["large"],
            name="Benchmark",
            application=MANAGER_API,
            scopes=all_scopes(MANAGER_API),
            password_confirmed=True,
        )

    def _token_request(self) -> list[Figure]:
        """The API invoice list with a bearer token beside the same list with a browser session."""
        user = self.users["large"]
        token, plaintext = self._bench_token()
        path = self._paths("large")["API invoice list"]
        try:
            with_session = bench.time_requests(self.clients["large"], path, repeat=self.repeat)
            with_token = bench.time_requests(
                Client(), path, repeat=self.repeat, headers={"Authorization": f"Bearer {plaintext}"}
            )
        finally:
            token_revoke(token=token, by=user)
        return [
            Figure(
                f"API invoice list with a token @ {self.labels['large']}",
                "ms",
                with_token.median_ms,
                baseline=with_session.median_ms,
                budget=(
                    f"{with_token.queries} queries ≤ session's {with_session.queries} + 1, "
                    f"{with_token.writes} writes = 0"
                ),
                ok=with_token.queries <= with_session.queries + 1 and with_token.writes == 0,
                details={"token": vars(with_token), "session": vars(with_session)},
            )
        ]

    def _export(self) -> list[Figure]:
        """The invoices of the last 12 months of every client of the large partner, as CSV."""
        partner = self.organizations["large"]
        clients = managed_clients(resolve_access(self.users["large"], partner))
        today = timezone.localdate()
        export = BillingExport(
            partner=partner,
            history=History.INVOICES,
            date_from=today - timedelta(days=365),
            date_to=today,
            client_ids=tuple(clients.values_list("client_id", flat=True)),
        )
        rows = export_row_count(export)
        project = bench.time_export(lambda: export_lines(export), rows=rows)
        baseline = bench.time_export(
            lambda: bench.raw_csv_lines(export_queryset(export), INVOICE_FIELDS), rows=rows
        )
        share = project.rows_per_second / baseline.rows_per_second
        return [
            Figure(
                f"Export of {rows:,} invoice rows",
                "rows/s",
                project.rows_per_second,
                baseline=baseline.rows_per_second,
                budget=f"≥ {EXPORT_SHARE:.0%} of raw cursor + csv.writer",
                ok=share >= EXPORT_SHARE,
                details={"project": vars(project), "baseline": vars(baseline)},
            ),
            Figure(
                "Export peak memory (Python heap)",
                "MiB",
                project.peak_mib,
                baseline=baseline.peak_mib,
                budget=f"< {EXPORT_MEMORY_MIB} MiB",
                ok=project.peak_mib < EXPORT_MEMORY_MIB,
            ),
        ]

    def _operations(self) -> list[Figure]:
        """Renewals as a partner: one issues an invoice to a client; one issues an invoice to the partner and
        pays it from the partner's wallet."""
        partner = self.organizations["large"]
        user = self.users["large"]
        wallet_top_up(access=resolve_access(user, partner), amount=MAX_TOP_UP)
        partnerships = managed_clients(resolve_access(user, partner))
        figures = []
        for label, payment_method in (
            ("Issue an invoice (renewal, client pays)", PaymentMethod.CLIENT),
            ("Issue an invoice and pay it from the wallet", PaymentMethod.PARTNER),
        ):
            client = partnerships.filter(payment_method=payment_method, access="full").first().client
            product = Product.objects.filter(organization=client).first()
            access = resolve_access(user, client)
            timing = bench.time_operation(
                lambda access=access, product=product: product_renew(access=access, product=product),
                repeat=self.repeat,
            )
            budget = f"{timing.queries} queries"
            figures.append(Figure(label, "ms", timing.median_ms, budget=budget, details=vars(timing)))
        return figures

    def _throughput(self, seconds: int) -> list[Figure]:
        if not bench.wrk_available():
            raise CommandError("wrk is not installed (`apt-get install wrk`; make bench installs it).")
        cookies = self.clients["large"].cookies
        # A browser's cookies: the session, and the CSRF cookie that a page with a form has set.
        browser = {
            "Cookie": f"sessionid={cookies['sessionid'].value}; csrftoken={cookies['csrftoken'].value}"
        }
        # The server shares this process's settings (the session above is signed with its SECRET_KEY).
        environment = {"ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "False"}
        paths = self._paths("large")
        with bench.LoadServer(environment) as server:
            baseline = bench.load(server.port, reverse("healthz"), seconds=seconds)
            figures = [_throughput_figure("Throughput: minimal view (baseline)", baseline, None)]
            for name in LOADED:
                report = bench.load(server.port, paths[name], seconds=seconds, headers=browser)
                met = report["rps"] / baseline["rps"] >= THROUGHPUT_SHARE
                figures.append(
                    _throughput_figure(
                        f"Throughput: {name} @ {self.labels['large']}",
                        report,
                        baseline,
                        budget=f"≥ {THROUGHPUT_SHARE:.0%} of baseline, no error",
                        met=met,
                    )
                )
            # For the record: a script's calls, with a token (checked on every call, with its user).
            token, plaintext = self._bench_token()
            try:
                script = {"Authorization": f"Bearer {plaintext}"}
                report = bench.load(server.port, paths["API invoice list"], seconds=seconds, headers=script)
            finally:
                token_revoke(token=token, by=self.users["large"])
            name = f"Throughput: API invoice list with a token @ {self.labels['large']}"
            figures.append(_throughput_figure(name, report, baseline))
            # For the record: the floor of any signed-in request (reading the session).
            report = bench.load(server.port, reverse("healthz"), seconds=seconds, headers=browser)
            figures.append(_throughput_figure("Throughput: minimal view, signed in", report, baseline))
        return figures


def _throughput_figure(
    name: str, report: dict, baseline: dict | None, *, budget: str = "for the record", met: bool = True
) -> Figure:
    return Figure(
        name,
        "req/s",
        report["rps"],
        baseline=baseline["rps"] if baseline else None,
        budget=budget if baseline else "",
        ok=met and report["errors"] == 0,
        details=report,
        p95=report["p95_ms"],
    )


def _latency_figure(name: str, timing: bench.Timing, baseline_ms, *, budget: str, ok: bool) -> Figure:
    return Figure(
        name, "ms", timing.median_ms, baseline=baseline_ms, budget=budget, ok=ok, details=vars(timing),
        p95=timing.p95_ms,
    )  # fmt: skip
