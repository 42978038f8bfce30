"""Fill N synthetic orders in a throwaway merchant and time the pages support lives in.

    python manage.py bench_orders_list                  # 1,000,000 orders
    python manage.py bench_orders_list --orders 200000  # quicker
    python manage.py bench_orders_list --keep           # leave the rows for a second run (--reuse)

Times, through the real views (test client, a signed-in Admin): the first list page (default 7-day
window), the first page of all time, a deep page (keyset cursor 90% of the way down), a filtered page, a
page sorted by amount, searches by email, phone, RRN and a half-typed order id, the search box's suggestions,
the htmx fragment and the KPI page. Each is the best and median of three runs (`--runs`), after one warm-up,
with this process's mean CPU time per request and the queries. `--explain` prints the database's plan for the
main queries.

Use a database of its own (e.g. DATA_DIR=/tmp/bench) rather than the one you work in.
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
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from dashboard.models import Merchant
from orders import search
from orders.filters import OrderFilter
from orders.models import FulfilmentState, Order, RefundState, Transaction
from orders.paging import encode_cursor, keyset_page

MERCHANT_CODE = "bench-orders-list"
USERNAME = "bench-orders-list"
STATUSES = (
    ["CHARGED"] * 80
    + ["AUTHORIZATION_FAILED"] * 8
    + ["PENDING_VBV"] * 5
    + ["JUSPAY_DECLINED"] * 4
    + ["AUTO_REFUNDED", "NEW", "AUTHORIZING"]
)
METHODS = [("CARD", "VISA"), ("CARD", "MASTERCARD"), ("UPI", "UPI"), ("NB", "NB_HDFC"), ("WALLET", "PAYTM")]
GATEWAYS = ["RAZORPAY", "PAYU", "PAYTM_V2", "PHONEPE", "CCAVENUE_V2"]


class Command(BaseCommand):
    help = "Fill synthetic orders in a throwaway merchant and time the orders list, a deep page and searches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--days", type=int, default=365, help="spread the orders over this many days")
        parser.add_argument("--keep", action="store_true", help="keep the synthetic rows afterwards")
        parser.add_argument("--reuse", action="store_true", help="reuse rows a --keep run left, if enough")
        parser.add_argument("--explain", action="store_true", help="print the query plans")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument("--runs", type=int, default=3, help="timed requests per page, after one warm-up")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["orders"]
        self.runs = max(1, options["runs"])
        merchant, _ = Merchant.objects.get_or_create(
            code=MERCHANT_CODE,
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
                self._cleanup(merchant, keep_merchant=True)
            self._fill(merchant, n, options["batch"], options["days"], random.Random(options["seed"]))
        total = Order.objects.count()
        self.stdout.write(
            f"database: {connection.vendor}; orders in the table: {total:,} "
            f"({n:,} synthetic in merchant {MERCHANT_CODE})"
        )
        try:
            self._time_pages(merchant, n, options["explain"])
        finally:
            if not options["keep"]:
                self._cleanup(merchant, keep_merchant=False)

    # -- fill ----------------------------------------------------------------------------------------

    def _fill(self, merchant: Merchant, n: int, batch: int, days: int, rng: random.Random) -> None:
        """Rows go in by executemany with explicit ids: the ORM's bulk_create costs ~1 ms a row in Python,
        which would make a million-row fill take a quarter of an hour."""
        started = time.perf_counter()
        now = timezone.now()
        span = timedelta(days=days).total_seconds()
        customers = max(n // 3, 1)
        dt = connection.ops.adapt_datetimefield_value
        order_pk = (Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        txn_pk = (Transaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for start in range(0, n, batch):
            orders, txns = [], []
            for i in range(start, min(start + batch, n)):
                method_type, method = rng.choice(METHODS)
                status = rng.choice(STATUSES)
                amount = Decimal(rng.randrange(100, 5_000_000)) / 100
                customer = rng.randrange(customers)
                created = dt(now - timedelta(seconds=span * i / n))
                gateway = rng.choice(GATEWAYS)
                orders.append(
                    {
                        "id": order_pk,
                        "merchant_id": merchant.pk,
                        "order_id": f"BENCH{i:08d}",
                        "juspay_id": f"ordeh_bench{i:024d}",
                        "status": status,
                        "amount": amount,
                        "effective_amount": amount,
                        "currency": "INR",
                        "customer_id": f"cust_b{customer}",
                        "customer_email": f"customer{customer}@bench.example",
                        "email_normalized": f"customer{customer}@bench.example",
                        "customer_phone": f"9{customer:09d}",
                        "phone_normalized": f"9{customer:09d}",
                        "payment_method_type": method_type,
                        "payment_method": method,
                        "gateway": gateway,
                        "txn_id": f"bench-BENCH{i:08d}-1",
                        "txn_uuid": f"moz{i:016d}",
                        "juspay_created_at": created,
                        "refund_state": RefundState.NONE
                        if rng.random() < 0.9
                        else rng.choice(list(RefundState.values)),
                        "fulfilment_state": FulfilmentState.NONE,
                        "is_open": False,
                        "first_seen_at": dt(now),
                        "last_synced_at": dt(now),
                    }
                )
                txns.append(
                    {
                        "id": txn_pk,
                        "order_id": order_pk,
                        "txn_id": f"bench-BENCH{i:08d}-1",
                        "txn_uuid": f"moz{i:016d}",
                        "status": status,
                        "gateway": gateway,
                        "amount": amount,
                        "currency": "INR",
                        "payment_method_type": method_type,
                        "payment_method": method,
                        "rrn": f"7{i:011d}",
                        "epg_txn_id": f"pay_BENCH{i:08d}",
                        "created": created,
                    }
                )
                order_pk += 1
                txn_pk += 1
            with transaction.atomic():
                _insert(Order, orders)
                _insert(Transaction, txns)
            done = min(start + batch, n)
            if done % (batch * 10) == 0 or done == n:
                self.stdout.write(f"  filled {done:,} orders ({time.perf_counter() - started:.0f} s)")
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Order, Transaction]):
                cursor.execute(sql)
            if connection.vendor == "postgresql":  # autovacuum would do this soon after a real load
                cursor.execute("ANALYZE orders_order")
                cursor.execute("ANALYZE orders_transaction")
        self.stdout.write(f"filled {n:,} orders and transactions in {time.perf_counter() - started:.1f} s")

    def _cleanup(self, merchant: Merchant, *, keep_merchant: bool) -> None:
        started = time.perf_counter()
        Transaction.objects.filter(order__merchant=merchant)._raw_delete(Transaction.objects.db)
        Order.objects.filter(merchant=merchant)._raw_delete(Order.objects.db)
        if not keep_merchant:
            get_user_model().objects.filter(username=USERNAME).delete()
            merchant.delete()
        self.stdout.write(f"removed the synthetic rows in {time.perf_counter() - started:.1f} s")

    # -- time ----------------------------------------------------------------------------------------

    def _time_pages(self, merchant: Merchant, n: int, explain: bool) -> None:
        user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_superuser": True})
        user.is_superuser, user.is_active = True, True
        user.save()
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        deep_at, deep_pk = (
            Order.objects.filter(merchant=merchant)
            .order_by("-juspay_created_at", "-pk")
            .values_list("juspay_created_at", "pk")[int(n * 0.9)]
        )
        assert deep_at is not None  # every synthetic order has a creation date
        deep = encode_cursor(deep_at, deep_pk)
        sample = Order.objects.filter(merchant=merchant).order_by("pk")[n // 2]
        rrn = Transaction.objects.filter(order=sample).values_list("rrn", flat=True).first()
        cases = [
            ("first list page (default 7 days)", "/orders/"),
            ("first page, all time", "/orders/?period=all"),
            ("deep page (90% down, all time)", f"/orders/?period=all&after={deep}"),
            ("filtered: CHARGED via RAZORPAY, 30 days", "/orders/?period=30&status=CHARGED&gateway=RAZORPAY"),
            ("filtered: refund failed (rare), all time", "/orders/?period=all&refund_state=failed"),
            ("filtered: no refunds (90%), all time", "/orders/?period=all&refund_state=none"),
            ("filtered: gateway RAZORPAY (20%), all time", "/orders/?period=all&gateway=RAZORPAY"),
            ("filtered: UPI, 7 days", "/orders/?payment_method_type=UPI"),
            ("filtered: merchant, all time", f"/orders/?period=all&merchant={MERCHANT_CODE}"),
            ("sorted by amount, 7 days", "/orders/?sort=amount_high"),
            ("sorted by amount, all time", "/orders/?period=all&sort=amount_high"),
            ("search by email", f"/orders/?q={sample.customer_email}"),
            ("search by phone", f"/orders/?q={sample.customer_phone}"),
            ("search by RRN", f"/orders/?q={rrn}"),
            ("search, half-typed order id", f"/orders/?q={sample.order_id[:9]}"),
            ("search box suggestions (htmx), email", f"/orders/search/?q={sample.customer_email}"),
            ("suggestions, half-typed email (3 letters)", f"/orders/search/?q={sample.customer_email[:3]}"),
            ("suggestions, half-typed order id", f"/orders/search/?q={sample.order_id[:9]}"),
            ("exact order id: opens the order (302)", f"/orders/?q={sample.order_id}"),
            ("list fragment (htmx), 7 days", "/orders/ (htmx)"),
            ("KPI page, 30 days compared", "/kpis/?period=30d&compare=1"),
        ]
        runs = self.runs
        # CPU ms: this process's CPU time per request (view, template, ORM; the database's own time is not in it),
        # the steadier figure on a shared machine; wall ms include waiting for PostgreSQL and for the CPU.
        self.stdout.write(f"{'page':<44} {'best ms':>9} {'median ms':>10} {'CPU ms':>8} {'queries':>8}")
        for label, url in cases:
            headers = {"HX-Request": "true"} if "/search/" in url or "(htmx)" in url else None
            url = url.removesuffix(" (htmx)")
            client.get(url, headers=headers)  # warm-up
            timings, queries, cpu = [], 0, 0.0
            for _ in range(runs):
                with _Queries() as counted:
                    cpu_started, started = time.process_time(), time.perf_counter()
                    response = client.get(url, headers=headers)
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu += time.process_time() - cpu_started
                queries = counted.count
                assert response.status_code == (302 if "(302)" in label else 200), (url, response.status_code)
            self.stdout.write(
                f"{label:<44} {min(timings):>9.1f} {statistics.median(timings):>10.1f} {cpu * 1000 / runs:>8.1f}"
                f" {queries:>8}"
            )
        if explain:
            self._explain(sample, deep)

    def _explain(self, sample: Order, deep: str) -> None:
        base = OrderFilter({"period": "all"}, queryset=Order.objects.all()).qs
        plans = {
            "first page": keyset_page_sql(base, "newest", None),
            "deep page": keyset_page_sql(base, "newest", deep),
            "amount sort, all": keyset_page_sql(base, "amount_high", None),
            "7 days": keyset_page_sql(OrderFilter({}, queryset=Order.objects.all()).qs, "newest", None),
            "amount sort, 7 days": keyset_page_sql(
                OrderFilter({}, queryset=Order.objects.all()).qs, "amount_high", None
            ),
            "refund failed, all": keyset_page_sql(
                OrderFilter({"period": "all", "refund_state": "failed"}, queryset=Order.objects.all()).qs,
                "newest",
                None,
            ),
        }
        for label, (sql, params) in plans.items():
            self._plan(label, sql, params)
        with _Queries(capture=True) as captured:
            search.search(sample.customer_email, viewer=None)
        for sql in captured.sql:
            self._plan("search", sql, None)

    def _plan(self, label: str, sql: str, params: Any) -> None:
        with connection.cursor() as cursor:
            prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(prefix + sql, params) if params is not None else cursor.execute(prefix + sql)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        self.stdout.write(f"[{label}] {plan}")


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT rows (column values already database-ready) with every other column at its default."""
    fields = model._meta.concrete_fields
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields if f.attname not in rows[0]}
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names come from the model, values are params
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    params = [[row[f.attname] if f.attname in row else defaults[f.attname] for f in fields] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def keyset_page_sql(queryset: Any, sort: str, after: str | None) -> tuple[str, Any]:
    with _Queries(capture=True) as captured:
        keyset_page(queryset, sort, after=after, size=1)
    return captured.sql[-1], None


class _Queries:
    def __init__(self, capture: bool = False) -> None:
        self.count = 0
        self.sql: list[str] = []
        self.capture = capture

    def __enter__(self) -> _Queries:
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._wrapper.__exit__(*exc)

    def _record(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        if self.capture:
            self.sql.append(_inline(sql, params))
        return execute(sql, params, many, context)


def _inline(sql: str, params: Any) -> str:
    """The statement with its parameters written in, for EXPLAIN (good enough for our literals)."""
    if not params:
        return sql
    out = sql.replace("%s", "{}")
    quoted = []
    for p in params:
        if isinstance(p, int | float | Decimal):
            quoted.append(str(p))
        else:
            quoted.append("'" + str(p).replace("'", "''") + "'")
    return out.format(*quoted) if "{" not in sql else sql
