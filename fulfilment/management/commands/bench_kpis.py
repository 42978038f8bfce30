"""Fill N synthetic orders (and refunds) in a throwaway merchant, rebuild the KPI rollups, and time the KPI page.

    python manage.py bench_kpis                    # 1,000,000 orders over 90 days
    python manage.py bench_kpis --orders 200000    # quicker
    python manage.py bench_kpis --keep / --reuse   # leave the rows for a second run, and reuse them

The orders come from bench_orders_list's generator (executemany, no ORM); one CHARGED order in ten gets a
refund. Times, through the real views (test client, a signed-in Admin), server side: the page, each section
fragment (they load in parallel with htmx) and the home page's headline, for Today, 7, 30 and 90 days with the
comparison on, for all merchants and for the benchmark merchant. Prints p50 and p95 of `--runs` runs after
one warm-up. A benchmark, not a timed test. Use a database of its own.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from dashboard.models import Merchant
from fulfilment import kpi_rollups
from orders import rollups
from orders.management.commands import bench_orders_list
from orders.models import KpiBucket, Order, Refund, RefundTurnaround

USERNAME = "bench-kpis"


class Command(BaseCommand):
    help = "Fill synthetic orders, rebuild the KPI rollups and print the KPI page's server time (p50/p95)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=90, help="spread the orders over this many days")
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--keep", action="store_true", help="keep the synthetic rows afterwards")
        parser.add_argument("--reuse", action="store_true", help="reuse rows a --keep run left, if enough")
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["orders"]
        filler = bench_orders_list.Command()
        filler.stdout, filler.stderr = self.stdout, self.stderr
        merchant, _ = Merchant.objects.get_or_create(
            code=bench_orders_list.MERCHANT_CODE,
            defaults={
                "name": "Benchmark (throwaway)",
                "base_url": "http://127.0.0.1:9",
                "api_key": "bench",
                "merchant_id": "bench",
                "is_active": False,
            },
        )
        have = Order.objects.filter(merchant=merchant).count()
        if not (options["reuse"] and have >= n):
            if have:
                self._cleanup(filler, merchant, keep_merchant=True)
            rng = random.Random(options["seed"])
            filler._fill(merchant, n, options["batch"], options["days"], rng)
            self._refunds(merchant, rng)
            started = time.perf_counter()
            done = rollups.rebuild()
            requests = kpi_rollups.rebuild()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    for model in (KpiBucket, RefundTurnaround, Refund):
                        cursor.execute(f"ANALYZE {model._meta.db_table}")
            self.stdout.write(
                f"rebuild_kpis: {done['orders']:,} orders, {requests:,} requests -> {done['buckets']:,} cells, "
                f"{done['turnarounds']:,} turnarounds in {time.perf_counter() - started:.1f} s"
            )
        self.stdout.write(
            f"database: {connection.vendor}; orders in the table: {Order.objects.count():,}; "
            f"rollup cells: {KpiBucket.objects.count():,}; turnarounds: {RefundTurnaround.objects.count():,}"
        )
        try:
            self._time(merchant, options["runs"])
        finally:
            if not options["keep"]:
                self._cleanup(filler, merchant, keep_merchant=False)

    def _refunds(self, merchant: Merchant, rng: random.Random) -> None:
        """One CHARGED order in ten gets a refund: mostly SUCCESS after minutes to days, some pending or failed."""
        started = time.perf_counter()
        dt = connection.ops.adapt_datetimefield_value
        pk = (Refund.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        charged = Order.objects.filter(merchant=merchant, status="CHARGED").values_list("pk", "juspay_created_at")
        rows: list[dict[str, Any]] = []
        for order_pk, created in charged.iterator(chunk_size=20_000):
            if created is None or rng.random() >= 0.1:
                continue
            raised = created + timedelta(minutes=rng.randrange(5, 3 * 1440))
            status = rng.choices(["SUCCESS", "PENDING", "FAILURE", "MANUAL_REVIEW"], [85, 8, 5, 2])[0]
            done = raised + timedelta(seconds=int(rng.lognormvariate(8.5, 1.2))) if status == "SUCCESS" else None
            rows.append(
                {
                    "id": pk,
                    "order_id": order_pk,
                    "unique_request_id": f"bench-rf-{pk}",
                    "amount": Decimal(rng.randrange(100, 100_000)) / 100,
                    "status": status,
                    "arn": f"ARN{pk}" if status == "SUCCESS" and rng.random() < 0.9 else "",
                    "created": dt(raised),
                    "processed_at": dt(done) if done else None,
                }
            )
            pk += 1
            if len(rows) >= 10_000:
                with transaction.atomic():
                    bench_orders_list._insert(Refund, rows)
                rows = []
        if rows:
            with transaction.atomic():
                bench_orders_list._insert(Refund, rows)
        self.stdout.write(f"filled {Refund.objects.count():,} refunds in {time.perf_counter() - started:.1f} s")

    def _cleanup(self, filler: Any, merchant: Merchant, *, keep_merchant: bool) -> None:
        KpiBucket.objects.filter(merchant=merchant)._raw_delete(KpiBucket.objects.db)
        RefundTurnaround.objects.filter(merchant=merchant)._raw_delete(RefundTurnaround.objects.db)
        Refund.objects.filter(order__merchant=merchant)._raw_delete(Refund.objects.db)
        if not keep_merchant:
            get_user_model().objects.filter(username=USERNAME).delete()
        filler._cleanup(merchant, keep_merchant=keep_merchant)

    def _time(self, merchant: Merchant, runs: int) -> None:
        user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_superuser": True})
        user.is_superuser, user.is_active = True, True
        user.save()
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        urls = ["/kpis/", "/kpis/payments/", "/kpis/refunds/", "/kpis/payouts/", "/kpis/approvals/", "/kpis/headline/"]
        self.stdout.write(f"{'period':<10} {'merchant':<9} {'url':<18} {'p50 ms':>8} {'p95 ms':>8}")
        worst = 0.0
        for period in ("today", "7d", "30d", "90d"):
            for code in ("", merchant.code):
                query = f"?period={period}&compare=1" + (f"&merchant={code}" if code else "")
                for url in urls:
                    timings = []
                    for i in range(runs + 1):
                        started = time.perf_counter()
                        response = client.get(url + query)
                        elapsed = (time.perf_counter() - started) * 1000
                        assert response.status_code == 200, (url, response.status_code)
                        if i:
                            timings.append(elapsed)
                    timings.sort()
                    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
                    worst = max(worst, p95)
                    self.stdout.write(
                        f"{period:<10} {'bench' if code else 'all':<9} {url:<18} "
                        f"{statistics.median(timings):>8.1f} {p95:>8.1f}"
                    )
        self.stdout.write(f"worst p95: {worst:.1f} ms (as of {timezone.now():%Y-%m-%d %H:%M} UTC)")
