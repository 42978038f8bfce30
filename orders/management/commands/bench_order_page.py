"""What one order page and each of its htmx fragments cost the server: CPU ms and queries, in this process.

    DJANGO_DEBUG=0 ... python manage.py bench_order_page                   # 300 requests per row
    python manage.py bench_order_page --requests 100 --orders 5 --profile data/order-page.prof

Signs in a benchmark-like Admin in process (a session as the sign-in and the code step leave it: the second
factor passed, the time zone copied in), picks `--orders` cached orders (those with refunds and split details
first, then spread over the table), and GETs `/orders/<id>/?merchant=…` and each fragment
(`/orders/<id>/<section>/`, as htmx) through the test client: the real middleware, session, permission checks,
queries and templates. Prints, per row, the mean CPU ms of this process per request (steadier than wall time on a
shared machine), the median wall ms, and the queries of one request; then the same less the fixed cost of a
signed-in request (an empty htmx fragment, `/orders/search/?q=`), which is what the order page itself adds.
Run it in production mode (DJANGO_DEBUG=0, with SECRET_KEY, AUDIT_HMAC_KEY, ALLOWED_HOSTS and
SECURE_SSL_REDIRECT=0) on a filled database (`benchmark --orders 100000 --sections fill`) for numbers like the
server's. `--profile FILE` writes a cProfile of every measured request (view with `python -m pstats FILE`).
"""

from __future__ import annotations

import cProfile
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client

from dashboard import bench_session
from orders.models import Order

USERNAME = "bench-order-page"
FIXED = "/orders/search/?q="
FRAGMENTS = ("timeline", "payment", "refunds", "splits", "offers", "payouts")
HTMX = {"HX-Request": "true"}


class Command(BaseCommand):
    help = "CPU ms and queries of an order page and each of its fragments (in process, signed in as an Admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=300, help="measured requests per row")
        parser.add_argument("--orders", type=int, default=10, help="sample orders the requests go round")
        parser.add_argument("--profile", default="", help="write a cProfile (CPU time) of the measured requests here")
        parser.add_argument("--only", default="", help="comma-separated rows to run: page, or fragment names")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["requests"] < 1 or options["orders"] < 1:
            raise CommandError("--requests and --orders must be at least 1")
        paths = self._sample_paths(options["orders"])
        client = self._signed_in_client()
        profiler = cProfile.Profile(time.process_time) if options["profile"] else None
        only = {name.strip() for name in options["only"].split(",") if name.strip()}
        self.stdout.write(
            f"database {connection.vendor}, {Order.objects.count():,} orders, {len(paths)} sample orders, "
            f"DEBUG={settings.DEBUG}, sessions {settings.SESSION_ENGINE}, cache "
            f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        )
        rows: list[tuple[str, list[str], dict[str, str]]] = [("fixed cost (empty fragment)", [FIXED], HTMX)]
        rows.append(("order page", [p for p, _ in paths], {}))
        for name in FRAGMENTS:
            rows.append((f"fragment {name}", [f"{p.split('?')[0]}{name}/?{q}" for p, q in paths], HTMX))
        fixed_cpu = 0.0
        self.stdout.write(f"  {'':<30} {'CPU ms':>8} {'wall p50':>9} {'queries':>8} {'CPU less fixed':>15}")
        for label, urls, headers in rows:
            if only and not label.startswith("fixed") and label.split()[-1] not in only:
                continue
            cpu, wall, queries = self._measure(client, urls, headers, options["requests"], profiler)
            if label.startswith("fixed"):
                fixed_cpu = cpu
            extra = "" if label.startswith("fixed") else f"{cpu - fixed_cpu:11.2f} ms"
            self.stdout.write(f"  {label:<30} {cpu:8.2f} {wall:7.2f} ms {queries:8.1f} {extra:>15}")
        self.stdout.write(f"  (CPU: mean of {options['requests']} requests per row; queries: mean of one per URL)")
        if profiler is not None:
            profiler.dump_stats(options["profile"])
            self.stdout.write(f"profile written to {options['profile']}")

    def _measure(
        self, client: Client, urls: list[str], headers: dict[str, str], n: int, profiler: cProfile.Profile | None
    ) -> tuple[float, float, float]:
        for url in urls:  # warm-up: templates compiled, caches filled, and every answer a 200
            for _ in range(3):
                response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code} {response.get('Location', '')}")

        def get(url: str) -> Callable[[], Any]:
            return lambda: client.get(url, headers=headers)

        queries = statistics.mean(bench_session.count_queries(get(url)) for url in urls)
        walls = []
        cpu = time.process_time()
        if profiler is not None:
            profiler.enable()
        for i in range(n):
            start = time.perf_counter()
            client.get(urls[i % len(urls)], headers=headers)
            walls.append((time.perf_counter() - start) * 1000)
        if profiler is not None:
            profiler.disable()
        return (time.process_time() - cpu) * 1000 / n, statistics.median(walls), queries

    def _sample_paths(self, count: int) -> list[tuple[str, str]]:
        """(page path with ?merchant=, the query string) of `count` orders: rich ones first, then spread out."""
        orders = Order.objects.order_by("pk")
        rich = list(
            orders.filter(refunds__isnull=False, split_details__isnull=False)
            .values_list("pk", flat=True)
            .distinct()[: max(count // 2, 1)]
        )
        total = orders.count()
        if not total:
            raise CommandError("no cached orders: fill some first (benchmark --orders 100000 --sections fill)")
        step = max(total // count, 1)
        spread = [orders.values_list("pk", flat=True)[i] for i in range(step // 2, total, step)][:count]
        pks = list(dict.fromkeys(rich + spread))[:count]
        chosen = Order.objects.filter(pk__in=pks).select_related("merchant").order_by("pk")
        return [(f"/orders/{o.order_id}/?merchant={o.merchant.code}", f"merchant={o.merchant.code}") for o in chosen]

    def _signed_in_client(self) -> Client:
        """A test client with an Admin's session as the sign-in and the code step leave it (no password round trip)."""
        user, device = bench_session.benchmark_admin(USERNAME)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user, backend=bench_session.BACKEND)
        session = client.session
        bench_session.sign_in(session, user, device)
        session.save()
        return client
