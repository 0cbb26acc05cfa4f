"""`manage.py bench`: measure pages, endpoints, money operations and throughput on the `seed_bench` data.

Prints one table and writes it as JSON; exits with status 1 when a budget is missed. `make bench` prepares
the database (migrate + seed_bench) and runs it in production mode.
"""

import re
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
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
from console.bench_urls import REFERENCE_VIEWS
from console.management.commands.seed_bench import bench_partner_email
from organizations.access import resolve_access
from organizations.models import Membership, Organization, Product, Role, User
from partners.models import PaymentMethod
from partners.selectors import managed_clients
from tokens.models import ApiToken
from tokens.scopes import MANAGER_API, all_scopes
from tokens.services import token_create, token_revoke

BENCH_URLCONF = "console.bench_urls"
PAGES = ("Managed Clients page", "Invoices page", "Dashboard", "API invoice list")
# The bench partners, smallest first; "huge" is there when seed_bench made it (its --huge factor).
SIZES = ("small", "large", "huge")
# The pages and endpoints measured under load, and whose growth from large to huge is budgeted.
LOADED = ("Managed Clients page", "API invoice list")
# Under load, a page or endpoint must serve at least this share of the requests per second of its plain view
# (the same queries and information, one flat template), the throughput side of REFERENCE_FACTOR. Its share
# of the minimal view's is shown for the record: a plain Django view doing the page's work reaches 2 to 8 %.
THROUGHPUT_SHARE = 1 / 1.2
# A page may cost at most this many times what a plain view running the same queries costs.
REFERENCE_FACTOR = 1.2
# A loaded page at ten times the clients and invoices may cost at most this many times as much.
GROWTH_FACTOR = 1.5
# The export must write at least this share of the rows a raw cursor + csv.writer writes, in this memory.
EXPORT_SHARE = 0.5
EXPORT_MEMORY_MIB = 100
# The mixed load: this many signed-in people, and orders and top-ups placed per second meanwhile.
MIXED_SESSIONS = 100
MIXED_WRITES_PER_SECOND = 4
TOP_UP = Decimal("500.00")


class Command(BaseCommand):
    help = "Run the benchmarks on the seed_bench data and check their budgets."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="Requests per latency figure.")
        parser.add_argument("--load-seconds", type=int, default=20, help="Duration of each wrk run.")
        parser.add_argument("--output", default="bench-results.json", help="Where the JSON table is written.")
        parser.add_argument("--skip-load", action="store_true", help="Leave out the gunicorn + wrk runs.")

    def handle(self, *args, **options):
        # The reference views are served beside the product's pages, in this process and in gunicorn.
        with override_settings(ROOT_URLCONF=BENCH_URLCONF):
            self._run(**options)

    def _run(self, *, repeat: int, load_seconds: int, output: str, skip_load: bool, **options):
        self.repeat = repeat
        self.users = {size: user for size in SIZES if (user := self._bench_user(size)) is not None}
        if "large" not in self.users:
            raise CommandError("No bench data: run `manage.py seed_bench` first (make bench does).")
        self.sizes = list(self.users)
        self.organizations = {size: user.memberships.get().organization for size, user in self.users.items()}
        self.clients = {size: self._signed_in_client(user) for size, user in self.users.items()}
        self.labels = {
            size: f"{managed_clients(resolve_access(user, self.organizations[size])).count():,} clients"
            for size, user in self.users.items()
        }
        figures: list[Figure] = []
        baseline = bench.time_requests(self.clients["large"], reverse("healthz"), repeat=repeat)
        figures.append(_latency_figure("Minimal view (baseline)", baseline, None, budget="", ok=True))
        timings = self._page_timings()
        figures += self._pages(timings, baseline.median_ms)
        figures += self._references(timings)
        figures += self._growth(timings)
        figures += self._token_request()
        figures += self._export()
        figures += self._operations()
        if not skip_load:
            figures += self._throughput(load_seconds, timings)
        self.stdout.write(bench.render_table(figures))
        context = {
            "database": connection.vendor,
            "repeat": repeat,
            "skip_load": skip_load,
            "sizes": {size: self.labels[size] for size in self.sizes},
        }
        bench.write_json(figures, Path(output), context)
        self.stdout.write(f"\nWritten to {output}.")
        missed = [figure.name for figure in figures if not figure.ok]
        if missed:
            raise CommandError("Budgets missed: " + "; ".join(missed))

    def _bench_user(self, size: str) -> User | None:
        return User.objects.filter(email=bench_partner_email(size)).first()

    def _signed_in_client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def _paths(self, size: str, *, reference: bool = False) -> dict[str, str]:
        org_id = self.organizations[size].pk
        if reference:
            return {name: reverse(view, kwargs={"org_id": org_id}) for name, view in REFERENCE_VIEWS.items()}
        return {
            "Managed Clients page": reverse("managed_clients", kwargs={"org_id": org_id}),
            "Invoices page": reverse("invoices", kwargs={"org_id": org_id}),
            "Dashboard": reverse("dashboard", kwargs={"org_id": org_id}),
            "API invoice list": f"/api/v1/organizations/{org_id}/invoices",
        }

    def _page_timings(self) -> dict[tuple[str, str], bench.Timing]:
        """Every page at every size, and its reference view at the large size: (page, size or "reference").
        A page's requests at every size and to its reference view take turns, so that the ratios between
        them (the reference factor, the growth) are measured under the same load."""
        timings = {}
        for name in PAGES:
            requests = {size: (self.clients[size], self._paths(size)[name]) for size in self.sizes}
            requests["reference"] = (self.clients["large"], self._paths("large", reference=True)[name])
            for key, timing in bench.time_interleaved(requests, repeat=self.repeat).items():
                timings[name, key] = timing
        return timings

    def _pages(self, timings, baseline_ms: float) -> list[Figure]:
        """Every request rendered, at every size, with the same queries whatever the size."""
        figures = []
        for name in PAGES:
            same_queries = len({timings[name, size].queries for size in self.sizes}) == 1
            for size in self.sizes:
                timing = timings[name, size]
                figures.append(
                    _latency_figure(
                        f"{name} @ {self.labels[size]}",
                        timing,
                        baseline_ms,
                        budget=f"{timing.queries} queries ≤ {QUERY_BUDGET}, same at every size",
                        ok=timing.queries <= QUERY_BUDGET and same_queries,
                    )
                )
        return figures

    def _references(self, timings) -> list[Figure]:
        """Each page beside a plain Django or DRF view running the same queries (`console.bench_urls`)."""
        figures = []
        for name in PAGES:
            project, reference = timings[name, "large"], timings[name, "reference"]
            figures.append(
                Figure(
                    f"{name} vs a plain view, same queries @ {self.labels['large']}",
                    "ms",
                    project.median_ms,
                    baseline=reference.median_ms,
                    budget=(
                        f"≤ {REFERENCE_FACTOR} x the plain view; queries {project.queries} = "
                        f"{reference.queries}"
                    ),
                    ok=project.median_ms <= REFERENCE_FACTOR * reference.median_ms
                    and project.queries == reference.queries,
                    details={"project": vars(project), "reference": vars(reference)},
                    p95=project.p95_ms,
                )
            )
        return figures

    def _growth(self, timings) -> list[Figure]:
        """The cost of a page at ten times the clients and invoices, over its cost at the large size: budgeted
        for the loaded pages, for the record for the others."""
        if "huge" not in self.sizes:
            return []
        figures = []
        for name in PAGES:
            large, huge = timings[name, "large"], timings[name, "huge"]
            budgeted = name in LOADED
            ratio = huge.median_ms / large.median_ms
            figures.append(
                Figure(
                    f"Growth: {name} @ {self.labels['huge']} vs {self.labels['large']}",
                    "ms",
                    huge.median_ms,
                    baseline=large.median_ms,
                    budget=f"≤ {GROWTH_FACTOR} x the large size's" if budgeted else "for the record",
                    ok=ratio <= GROWTH_FACTOR or not budgeted,
                    details={"large": vars(large), "huge": vars(huge)},
                    p95=huge.p95_ms,
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

    def _throughput(self, seconds: int, timings) -> list[Figure]:
        if not bench.wrk_available():
            raise CommandError("wrk is not installed (`apt-get install wrk`; make bench installs it).")
        browser = {"Cookie": _cookie_header(self.clients["large"])}
        # The server shares this process's settings (the sessions are signed with its SECRET_KEY), with the
        # URLconf that serves the reference views too.
        environment = {
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "False",
            "DJANGO_SETTINGS_MODULE": "console.bench_settings",
        }
        paths, references = self._paths("large"), self._paths("large", reference=True)
        label = self.labels["large"]
        with bench.LoadServer(environment) as server:
            baseline = bench.load(server.port, reverse("healthz"), seconds=seconds)
            figures = [_throughput_figure("Throughput: minimal view (baseline)", baseline, None)]
            for name in LOADED:
                report = bench.load(server.port, paths[name], seconds=seconds, headers=browser)
                plain = bench.load(server.port, references[name], seconds=seconds, headers=browser)
                queries = timings[name, "large"].queries
                figures.append(
                    _throughput_figure(f"Throughput: {name}, plain view @ {label}", plain, baseline)
                )
                figures.append(
                    _throughput_figure(
                        f"Throughput: {name} @ {label}",
                        report,
                        plain,
                        budget=f"≥ {THROUGHPUT_SHARE:.0%} of the plain view's, no error; {queries} queries; "
                        f"{report['rps'] / baseline['rps']:.1%} of the minimal view's",
                        met=report["rps"] >= THROUGHPUT_SHARE * plain["rps"],
                    )
                )
            # For the record: a script's calls, with a token (checked on every call, with its user).
            token, plaintext = self._bench_token()
            try:
                script = {"Authorization": f"Bearer {plaintext}"}
                report = bench.load(server.port, paths["API invoice list"], seconds=seconds, headers=script)
            finally:
                token_revoke(token=token, by=self.users["large"])
            name = f"Throughput: API invoice list with a token @ {label}"
            figures.append(_throughput_figure(name, report, baseline))
            # For the record: the floor of any signed-in request (reading the session).
            report = bench.load(server.port, reverse("healthz"), seconds=seconds, headers=browser)
            figures.append(_throughput_figure("Throughput: minimal view, signed in", report, baseline))
            figures.append(self._mixed_load(server.port, seconds, baseline))
        return figures

    def _mixed_requests(self) -> tuple[list[tuple[str, str]], int]:
        """What many people do at once: the partner on its pages and its clients' dashboards, and clients'
        legal representatives on their dashboard, products and invoices. (path, cookie) pairs, and the
        number of sessions."""
        partner = self.organizations["large"]
        partner_cookie = _cookie_header(self.clients["large"])
        requests = [(path, partner_cookie) for path in self._paths("large").values()]
        representatives = (
            Membership.objects.filter(
                organization__partnerships_as_client__partner=partner, role=Role.LEGAL_REPRESENTATIVE
            )
            .select_related("user")
            .order_by("organization_id")[: MIXED_SESSIONS - 1]
        )
        for membership in representatives:
            cookie = _cookie_header(self._signed_in_client(membership.user))
            org_id = membership.organization_id
            for view in ("dashboard", "products", "invoices"):
                requests.append((reverse(view, kwargs={"org_id": org_id}), cookie))
            requests.append((reverse("dashboard", kwargs={"org_id": org_id}), partner_cookie))
        return requests, len(representatives) + 1

    def _mixed_load(self, port: int, seconds: int, baseline: dict) -> Figure:
        requests, sessions = self._mixed_requests()
        pages = len({re.sub(r"\d+", "#", path) for path, _ in requests})
        writes = BackgroundWrites(self.users["large"], self.organizations["large"], MIXED_WRITES_PER_SECOND)
        with writes:
            report = bench.load(port, "/", seconds=seconds, requests=requests, connections=32)
        report["writes"], report["write_errors"] = writes.done, writes.errors
        return Figure(
            f"Mixed load: {sessions} sessions on {pages} pages, writes in the background",
            "req/s",
            report["rps"],
            baseline=baseline["rps"],
            budget=f"{report['errors']} errors = 0; {writes.done} writes, {len(writes.errors)} failed = 0",
            ok=report["errors"] == 0 and writes.done > 0 and not writes.errors,
            details=report,
            p95=report["p95_ms"],
        )


class BackgroundWrites(threading.Thread):
    """Renewals that the partner pays from its wallet, and top-ups of the wallet, through the services at a
    steady rate, while the mixed load reads."""

    def __init__(self, user: User, partner: Organization, per_second: int):
        super().__init__(name="bench-writes", daemon=True)
        self.user, self.partner, self.interval = user, partner, 1 / per_second
        self.halt = threading.Event()
        self.done = 0
        self.errors: list[str] = []

    def __enter__(self) -> "BackgroundWrites":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.halt.set()
        self.join(timeout=60)

    def run(self) -> None:
        try:
            partner_access = resolve_access(self.user, self.partner)
            paid_by_partner = managed_clients(partner_access).filter(payment_method=PaymentMethod.PARTNER)
            renewals = [
                (resolve_access(self.user, partnership.client), product)
                for partnership in paid_by_partner[:20]
                if (product := Product.objects.filter(organization=partnership.client).first())
            ]
            turn = 0
            while not self.halt.wait(self.interval):
                try:
                    if turn % 5 == 0:
                        wallet_top_up(access=partner_access, amount=TOP_UP)
                    else:
                        access, product = renewals[turn % len(renewals)]
                        product_renew(access=access, product=product)
                    self.done += 1
                except Exception as error:
                    self.errors.append(repr(error))
                turn += 1
        finally:
            connection.close()


def _cookie_header(client: Client) -> str:
    """A browser's cookies: the session, and the CSRF cookie once a page with a form has set it."""
    return "; ".join(
        f"{name}={client.cookies[name].value}"
        for name in ("sessionid", "csrftoken")
        if name in client.cookies
    )


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
