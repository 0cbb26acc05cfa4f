"""The benchmarks behind `make bench`: each figure measured beside a baseline taken in the same run.

Latency is measured in this process through Django's test client (the whole middleware stack, no network);
throughput through gunicorn on 127.0.0.1 under a bounded load from wrk. Budgets are checked here, not in the
test suite: timings belong to a quiet machine and a large data set, not to unit tests.
"""

import csv
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection
from django.test import Client

# Session, user, access, the switcher's two, and the page's own reads (with the product counts of its rows).
QUERY_BUDGET = 12


@dataclass
class Figure:
    """One line of the table: the project's number, the baseline's, and whether the budget holds."""

    name: str
    unit: str
    value: float
    baseline: float | None = None
    budget: str = ""
    ok: bool = True
    details: dict = field(default_factory=dict)
    p95: float | None = None

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline


@dataclass
class Timing:
    median_ms: float
    p95_ms: float
    queries: int
    writes: int


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _is_write(sql: str) -> bool:
    return sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


class QueryCounter:
    """Counts the statements the default connection runs (also with DEBUG off, and across the
    `reset_queries` that every request start does, which empties Django's own query log)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self) -> "QueryCounter":
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self._wrapper.__exit__(*exc_info)

    @property
    def queries(self) -> int:
        return len(self.statements)

    @property
    def writes(self) -> int:
        return sum(_is_write(sql) for sql in self.statements)


def time_requests(client: Client, path: str, *, repeat: int, headers: dict | None = None) -> Timing:
    """Median and 95th percentile of `repeat` GETs, and the queries of one (after a warm-up)."""
    headers = headers or {}
    _warm_up(client, path, headers)
    return _timing(lambda: client.get(path, secure=True, headers=headers), repeat=repeat)


def _warm_up(client: Client, path: str, headers: dict) -> None:
    for _ in range(3):
        response = client.get(path, secure=True, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}, not 200.")
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)


def time_interleaved(requests: dict, *, repeat: int) -> dict:
    """`time_requests` for several (client, path) pairs at once, one request of each in turn, `repeat`
    rounds: a page and the figure it is compared with see the same load on the machine, so their ratio
    holds where each time alone drifts."""
    calls, samples, queries = {}, {}, {}
    for key, (client, path) in requests.items():
        _warm_up(client, path, {})
        calls[key] = lambda client=client, path=path: client.get(path, secure=True)
        with QueryCounter() as counted:
            calls[key]()
        queries[key], samples[key] = counted, []
    for _ in range(repeat):
        for key, call in calls.items():
            started = time.perf_counter()
            call()
            samples[key].append((time.perf_counter() - started) * 1000)
    return {
        key: Timing(
            median_ms=statistics.median(samples[key]),
            p95_ms=percentile(samples[key], 0.95),
            queries=queries[key].queries,
            writes=queries[key].writes,
        )
        for key in requests
    }


def time_operation(operation: Callable[[], object], *, repeat: int) -> Timing:
    """Median and p95 of a service call, and its queries (counted on the first call)."""
    return _timing(operation, repeat=repeat)


def _timing(call: Callable[[], object], *, repeat: int) -> Timing:
    """The queries of one call, then the median and p95 of `repeat` more."""
    with QueryCounter() as counted:
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(
        median_ms=statistics.median(samples),
        p95_ms=percentile(samples, 0.95),
        queries=counted.queries,
        writes=counted.writes,
    )


class _CountingSink:
    """Where export lines go in a benchmark: counted, not kept, so only the producer is measured."""

    def __init__(self):
        self.bytes = 0

    def write(self, text: str) -> str:
        self.bytes += len(text)
        return text


@dataclass
class ExportRun:
    rows: int
    seconds: float
    rows_per_second: float
    peak_mib: float


def time_export(lines: Callable[[], Iterable[str]], *, rows: int) -> ExportRun:
    """Produce every line once for the time, then once under tracemalloc for the peak of Python memory
    (tracemalloc slows the producer down, so the two are measured apart)."""
    sink = _CountingSink()
    started = time.perf_counter()
    for line in lines():
        sink.write(line)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    for line in lines():
        sink.write(line)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return ExportRun(rows, seconds, rows / seconds, peak / 2**20)


def raw_csv_lines(queryset, fields: Iterable[str]) -> Iterator[str]:
    """The baseline export: the same columns read with a plain cursor and written by `csv.writer`."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    writer = csv.writer(_CountingSink())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            for row in rows:
                yield writer.writerow(row)


# wrk reports p50/75/90/99 only; this script prints the figures we need as one JSON line.
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoadServer:
    """gunicorn with two workers on a free port of 127.0.0.1, stopped on exit."""

    def __init__(self, environment: dict[str, str]):
        self.port = _free_port()
        self.environment = environment
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "LoadServer":
        command = [
            sys.executable, "-m", "gunicorn", "console.wsgi:application",
            "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env={**os.environ, **self.environment})  # noqa: S603
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start within 30 s.")

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


# Many people at once: each wrk thread walks the (path, cookie) pairs from its own starting point.
WRK_ROTATION = """
local requests = {%s}
local offsets = 0
setup = function(thread)
  thread:set("turn", offsets * 7919)
  offsets = offsets + 1
end
request = function()
  turn = turn + 1
  local entry = requests[(turn %% #requests) + 1]
  return wrk.format("GET", entry[1], {["Cookie"] = entry[2]})
end
"""


def load(
    port: int,
    path: str,
    *,
    seconds: int,
    headers: dict | None = None,
    connections: int = 8,
    requests: list[tuple[str, str]] | None = None,
) -> dict:
    """Requests per second and p95 latency of `path` under wrk (2 threads, bounded connections); with
    `requests`, of every (path, cookie) pair in turn instead."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if requests:
            entries = ", ".join(f"{{{json.dumps(path)}, {json.dumps(cookie)}}}" for path, cookie in requests)
            script.write(WRK_ROTATION % entries)
        script.write(WRK_REPORT)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    finally:
        Path(script.name).unlink()
    report = json.loads(re.findall(r"^\{.*\}$", output, re.MULTILINE)[-1])
    report["rps"] = report["requests"] / report["seconds"]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    report["errors"] += int(non_2xx.group(1)) if non_2xx else 0
    return report


def render_table(figures: list[Figure]) -> str:
    rows = [("figure", "project", "p95", "baseline", "ratio", "budget", "")]
    for figure in figures:
        rows.append(
            (
                figure.name,
                f"{figure.value:,.2f} {figure.unit}",
                f"{figure.p95:,.2f} ms" if figure.p95 is not None else "",
                f"{figure.baseline:,.2f} {figure.unit}" if figure.baseline is not None else "",
                f"{figure.ratio:.2f}" if figure.ratio is not None else "",
                figure.budget,
                "ok" if figure.ok else "MISSED",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def write_json(figures: list[Figure], path: Path, context: dict) -> None:
    document = {
        **context,
        "figures": [{**asdict(figure), "ratio": figure.ratio} for figure in figures],
        "all_budgets_met": all(figure.ok for figure in figures),
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
