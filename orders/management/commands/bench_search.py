"""Time the search box on the orders already in the database: every prefix of real values, and whole clues.

    python manage.py bench_search                      # 3 sample orders, 3 runs per URL
    python manage.py bench_search --samples 5 --runs 5 --by-length --explain 3

For each clue kind (order id, email, phone, phone written +91 …, customer id, txn id) it takes the values of
`--samples` orders spread over the table, and requests through the real views (test client, a signed-in
superuser), server side:
- the suggestions fragment (`/orders/search/`, htmx) for every prefix of 3 characters up to the whole value
  but one (`typeahead`);
- the suggestions for the whole value (`whole, box`) and the orders page's search (`/orders/?q=`, `whole, page`).
Each URL is requested once to warm up, then `--runs` times. It prints p50/p95/p99 per kind, the slowest URLs,
and with `--explain N` the plan (EXPLAIN ANALYZE, BUFFERS) of the slowest query of the N slowest prefixes.
It fills nothing: fill first (e.g. `bench_kpis --keep`, `bench_orders_list --keep`), then ANALYZE. A
benchmark, not a test.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import bench_session
from orders import search
from orders.models import Order
from orders.views.search import SUGGESTIONS

USERNAME = "bench-search"
BOX = "/orders/search/"
PAGE = "/orders/"


def _kinds(order: Order) -> dict[str, str]:
    return {
        "order id": order.order_id,
        "email": order.email_normalized,
        "phone": order.phone_normalized,
        "phone +91": f"+91 {order.phone_normalized[:5]} {order.phone_normalized[5:]}" if order.phone_normalized else "",
        "customer id": order.customer_id,
        "txn id": order.txn_id,
    }


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of `values` (share in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Command(BaseCommand):
    help = "Print p50/p95/p99 of the search box's suggestions for every prefix of real values, and of whole clues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--samples", type=int, default=3, help="orders whose values are typed")
        parser.add_argument("--runs", type=int, default=3, help="timed requests per URL (after one warm-up)")
        parser.add_argument("--by-length", action="store_true", help="also print p95 per prefix length")
        parser.add_argument("--explain", type=int, default=1, help="EXPLAIN ANALYZE the N slowest prefixes")
        parser.add_argument("--kinds", default="", help="comma-separated kinds to time (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        total = Order.objects.count()
        if not total:
            raise CommandError("No orders: fill some first (bench_kpis --keep or bench_orders_list --keep).")
        samples = [
            Order.objects.order_by("pk")[min(total - 1, (2 * i + 1) * total // (2 * options["samples"]))]
            for i in range(options["samples"])
        ]
        wanted = {k.strip() for k in options["kinds"].split(",") if k.strip()}
        self.stdout.write(
            f"database: {connection.vendor}; orders: {total:,}; samples: {', '.join(o.order_id for o in samples)}; "
            f"{options['runs']} runs per URL after a warm-up; at {timezone.now():%Y-%m-%d %H:%M} UTC"
        )
        client = self._client()
        timings: dict[tuple[str, str], list[float]] = defaultdict(list)
        sql: dict[tuple[str, str], list[float]] = defaultdict(list)
        by_length: dict[tuple[str, int], list[float]] = defaultdict(list)
        per_url: list[tuple[float, float, str, str]] = []
        for order in samples:
            for kind, value in _kinds(order).items():
                if not value or (wanted and kind not in wanted):
                    continue
                cases = [("typeahead", BOX, value[:n]) for n in range(search.MIN_PREFIX, len(value))]
                cases += [("whole, box", BOX, value), ("whole, page", PAGE, value)]
                for case, url, q in cases:
                    ms, db = self._time(client, url, q, options["runs"])
                    timings[(kind, case)] += ms
                    sql[(kind, case)] += db
                    if case == "typeahead":
                        by_length[(kind, len(q))] += ms
                        per_url.append((percentile(db, 0.95), percentile(ms, 0.95), kind, q))
        self.stdout.write("wall time of the request (ms):")
        self._table(timings)
        self.stdout.write("CPU time of the request, Python + its PostgreSQL backend (ms):")
        self._table(sql)
        if options["by_length"]:
            self._lengths(by_length)
        per_url.sort(reverse=True)
        self.stdout.write(
            "slowest typeahead prefixes by SQL (p95 SQL / wall ms): "
            + ", ".join(f"{q!r} {db:.1f} / {ms:.1f}" for db, ms, _, q in per_url[:5])
        )
        for _, _, kind, q in per_url[: options["explain"]]:
            self._explain(kind, q)

    def _client(self) -> Client:
        """A test client with an Admin's session as the sign-in and the code step leave it (a bare force_login
        is stopped at the code step: 403)."""
        user, device = bench_session.benchmark_admin(USERNAME)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend=bench_session.BACKEND)
        session = client.session
        bench_session.sign_in(session, user, device)
        session.save()
        return client

    def _time(self, client: Client, url: str, q: str, runs: int) -> tuple[list[float], list[float]]:
        """Wall time of each request, and its CPU time: this process's and its PostgreSQL server process's
        (what the request costs on an idle machine; a busy one inflates the wall time, not this)."""
        headers = {"HX-Request": "true"} if url == BOX else None
        path = f"{url}?{urlencode({'q': q})}"
        out, db = [], []
        for i in range(runs + 1):
            backend = _backend_cpu_ns()
            cpu = time.process_time()
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code not in (200, 302):  # the page opens an exact order id (302)
                raise CommandError(f"{path} answered {response.status_code}")
            if i:
                out.append(elapsed)
                db.append((time.process_time() - cpu) * 1000 + (_backend_cpu_ns() - backend) / 1e6)
        return out, db

    def _table(self, timings: dict[tuple[str, str], list[float]]) -> None:
        self.stdout.write(
            f"{'kind':<12} {'case':<12} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max':>8}"
        )
        for (kind, case), ms in timings.items():
            self.stdout.write(
                f"{kind:<12} {case:<12} {len(ms):>8} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f} "
                f"{percentile(ms, 0.99):>8.1f} {max(ms):>8.1f}"
            )
        prefixes = [t for (_, case), ms in timings.items() if case == "typeahead" for t in ms]
        wholes = [t for (_, case), ms in timings.items() if case != "typeahead" for t in ms]
        for label, ms in (("all prefixes (3+ chars)", prefixes), ("all whole clues", wholes)):
            if ms:
                self.stdout.write(
                    f"{label:<25} {len(ms):>8} {percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f} "
                    f"{percentile(ms, 0.99):>8.1f} {max(ms):>8.1f}"
                )

    def _lengths(self, by_length: dict[tuple[str, int], list[float]]) -> None:
        self.stdout.write("p95 ms of the suggestions by prefix length:")
        kinds = dict.fromkeys(kind for kind, _ in by_length)
        for kind in kinds:
            cells = [f"{n}:{percentile(ms, 0.95):.0f}" for (k, n), ms in sorted(by_length.items()) if k == kind]
            self.stdout.write(f"  {kind:<12} " + " ".join(cells))

    def _explain(self, kind: str, q: str) -> None:
        """The plans of what the suggestions for `q` ask the database (the view's own search call): its prefix
        queries, and its slowest query when that is another one."""
        with CaptureQueriesContext(connection) as captured:
            search.search(q, viewer=None, limit=SUGGESTIONS)
        queries = captured.captured_queries
        slowest = max(queries, key=lambda query: float(query["time"]))
        chosen = [query for query in queries if " LIKE " in query["sql"] or 'COLLATE "C"' in query["sql"]]
        chosen += [slowest] if slowest not in chosen else []
        for query in chosen:
            self.stdout.write(f"-- {kind} prefix {q!r}, query of {float(query['time']) * 1000:.1f} ms:")
            self.stdout.write(query["sql"])
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    self.stdout.write("\n".join(row[0] for row in cursor.fetchall()))


def _backend_cpu_ns() -> int:
    """CPU time the database's server process for our connection has used so far (PostgreSQL on this host,
    /proc/PID/schedstat), 0 elsewhere: with the Python process's own CPU time it gives what a request costs
    on an idle machine, however busy this one is."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0])
    except OSError:  # the server runs elsewhere
        return 0
