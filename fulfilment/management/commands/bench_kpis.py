"""Fill N synthetic orders (and refunds, fulfilment commands, requests) in a throwaway merchant, rebuild the KPI
rollups, and time the KPI page.

    python manage.py bench_kpis                    # 1,000,000 orders over 90 days
    python manage.py bench_kpis --orders 200000    # quicker
    python manage.py bench_kpis --keep / --reuse   # leave the rows for a second run, and reuse them
    python manage.py bench_kpis --explain          # also print the plans of the fulfilment and approval queries
    python manage.py bench_kpis --reuse --keep --sections fulfilment,approvals   # re-time two sections only

On PostgreSQL the rows are made by the database itself (INSERT .. SELECT over generate_series, a progress line
per batch; deterministic pseudo-random values from hashint8), so 1M orders fill in minutes; elsewhere they come
from bench_orders_list's generator (executemany). One CHARGED order in ten gets a refund, three in ten a
successful Fulfilment Sync command (NO_ACTION, SUCCESS) after minutes to four days, and one in a hundred a
refund request in some state. The rollups are then rebuilt by the product's own `rebuild_kpis` code (when
reusing rows whose fulfilment and request cells are missing, only those: `rebuild_kpis --only
fulfilment-cells,request-cells`), then VACUUM ANALYZE of the rollup tables.

Times, through the real views (test client, a signed-in Admin), server side: the page, each section fragment
(they load in parallel with htmx) and the home page's headline, for Today, 7, 30 and 90 days with the comparison
on, for all merchants and for the benchmark merchant. Prints p50 and p95 of `--runs` runs after
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
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import Merchant
from fulfilment import kpi_page, kpi_rollups
from fulfilment.models import ActionRequest, RequestFact
from orders import rollups
from orders.management.commands import bench_orders_list
from orders.models import ChargedOrder, KpiBucket, Order, Refund, RefundTurnaround

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
        parser.add_argument("--rebuild", action="store_true", help="rebuild the rollups even when reusing rows")
        parser.add_argument("--explain", action="store_true", help="print the plans of the heaviest figure queries")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument(
            "--sections",
            default="",
            help="time only these comma-separated sections (e.g. fulfilment,approvals); default: the page, every "
            "section and the headline",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["orders"]
        sections = _sections(options["sections"])
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
        user = self._user()
        have = Order.objects.filter(merchant=merchant).count()
        reused = options["reuse"] and have >= n
        if not reused:
            if have:
                self._cleanup(filler, merchant, keep_merchant=True)
            if connection.vendor == "postgresql":
                self._fill_in_database(merchant, user, n, options["days"], options["seed"])
            else:
                rng = random.Random(options["seed"])
                filler._fill(merchant, n, options["batch"], options["days"], rng)
                self._refunds(merchant, rng)
        if not reused or options["rebuild"] or not KpiBucket.objects.filter(merchant=merchant).exists():
            started = time.perf_counter()
            done = rollups.rebuild()
            requests = kpi_rollups.rebuild()
            _vacuum_analyze()
            self.stdout.write(
                f"rebuild_kpis: {done['orders']:,} orders, {requests:,} requests -> {done['buckets']:,} cells, "
                f"{done['turnarounds']:,} turnarounds in {time.perf_counter() - started:.1f} s"
            )
        elif not KpiBucket.objects.filter(merchant=merchant, metric=rollups.METRIC_CHARGED).exists():
            started = time.perf_counter()
            charged, facts = rollups.rebuild_charged_cells(), kpi_rollups.rebuild_request_cells()
            _vacuum_analyze()
            self.stdout.write(
                f"rebuild_kpis --only fulfilment-cells,request-cells: {charged:,} charged orders, {facts:,} request "
                f"facts in {time.perf_counter() - started:.1f} s"
            )
        self.stdout.write(
            f"database: {connection.vendor}; orders in the table: {Order.objects.count():,}; "
            f"rollup cells: {KpiBucket.objects.count():,}; turnarounds: {RefundTurnaround.objects.count():,}"
        )
        try:
            if options["explain"] and connection.vendor == "postgresql":
                self._explain(merchant)
            self._time(merchant, user, options["runs"], sections)
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

    def _user(self) -> Any:
        user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"is_superuser": True})
        user.is_superuser, user.is_active = True, True
        user.save()
        return user

    def _fill_in_database(self, merchant: Merchant, user: Any, n: int, days: int, seed: int) -> None:
        """Orders, refunds and requests made by PostgreSQL itself, in batches, with a progress line per batch."""
        started = time.perf_counter()
        now = timezone.now()
        batch = max(10_000, min(200_000, n // 10 or n))
        for first in range(0, n, batch):
            last = min(first + batch, n) - 1
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(*_orders_sql(merchant.pk, first, last, n, days, seed, now))
            self.stdout.write(f"  orders {last + 1:,} of {n:,} ({time.perf_counter() - started:.0f} s)")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*_refunds_sql(merchant.pk, seed))
            refunds = cursor.rowcount
            cursor.execute(*_commands_sql(merchant.pk, user.pk, seed, now))
            commands = cursor.rowcount
            cursor.execute(*_refund_requests_sql(merchant.pk, user.pk, seed, now))
            requests = cursor.rowcount
            for model in (Order, Refund, ActionRequest):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(
            f"filled {n:,} orders, {refunds:,} refunds, {commands:,} fulfilment commands and {requests:,} refund "
            f"requests in {time.perf_counter() - started:.1f} s"
        )

    def _explain(self, merchant: Merchant) -> None:
        """The plans (EXPLAIN ANALYZE) of every query the fulfilment and approval figures run over the last 90
        days, all merchants."""
        from fulfilment import kpi_figures
        from orders import kpi_fulfilment
        from orders.kpi_periods import Period, local_today

        today = local_today()
        period = Period(today - timedelta(days=89), today)
        for title, run in (
            ("fulfilment figures", lambda: kpi_fulfilment.fulfilment(period, None)),
            ("Fulfilment Sync commands", lambda: kpi_figures.commands(period, None)),
            ("approval figures", lambda: kpi_figures.numbers(period, None)),
            ("requests raised, series", lambda: kpi_figures.raised_series(period, None)),
        ):
            with CaptureQueriesContext(connection) as captured:
                run()
            for query in captured.captured_queries:
                self.stdout.write(f"-- {title}: {query['sql'][:160]}")
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN ANALYZE {query['sql']}")
                    self.stdout.write("\n".join(row[0] for row in cursor.fetchall()))

    def _cleanup(self, filler: Any, merchant: Merchant, *, keep_merchant: bool) -> None:
        RequestFact.objects.filter(merchant=merchant)._raw_delete(RequestFact.objects.db)
        ActionRequest.objects.filter(merchant=merchant)._raw_delete(ActionRequest.objects.db)
        ChargedOrder.objects.filter(merchant=merchant)._raw_delete(ChargedOrder.objects.db)
        KpiBucket.objects.filter(merchant=merchant)._raw_delete(KpiBucket.objects.db)
        RefundTurnaround.objects.filter(merchant=merchant)._raw_delete(RefundTurnaround.objects.db)
        Refund.objects.filter(order__merchant=merchant)._raw_delete(Refund.objects.db)
        if not keep_merchant:
            get_user_model().objects.filter(username=USERNAME).delete()
        filler._cleanup(merchant, keep_merchant=keep_merchant)

    def _time(self, merchant: Merchant, user: Any, runs: int, sections: list[str]) -> None:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        urls = [f"/kpis/{name}/" for name in sections] or [
            "/kpis/",
            *(f"/kpis/{name}/" for name in kpi_page.SECTIONS),
            "/kpis/headline/",
        ]
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


def _vacuum_analyze() -> None:
    """Fresh statistics (and visibility maps) after the rebuild: autovacuum is off on our machines."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (KpiBucket, RefundTurnaround, Refund, ChargedOrder, RequestFact, ActionRequest):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def _sections(option: str) -> list[str]:
    names = [name.strip() for name in option.split(",") if name.strip()]
    unknown = [name for name in names if name not in kpi_page.SECTIONS]
    if unknown:
        raise CommandError(f"No KPI section {', '.join(unknown)}; the sections are {', '.join(kpi_page.SECTIONS)}.")
    return names


# --- rows made by PostgreSQL (INSERT .. SELECT generate_series) -------------------------------------------


def _text_array(values: list[str]) -> str:
    """A text[] literal of known constants (the generator's own lists, never input)."""
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def _pick(values: list[str], salt: str) -> str:
    """One of `values` chosen by a hash of the SQL expression `salt` (deterministic, evenly spread)."""
    return f"({_text_array(values)})[1 + mod(abs(hashint8({salt})), {len(values)})]"


def _insert_select(model: Any, values: dict[str, str], source: str) -> str:
    """INSERT INTO the model's table every column but the id: `values` (SQL over `source`) or the field's
    default (a parameter). Returns the SQL; `_defaults` gives its parameters."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    select = [values.get(f.attname, "%s") for f in fields]
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT {', '.join(select)} FROM {source}"
    )


def _defaults(model: Any, values: dict[str, str]) -> list[Any]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in values]
    return [f.get_db_prep_save(f.get_default(), connection) for f in fields]


FAILURE_REASONS = ["Insufficient funds", "Card expired", "Do not honour", "Transaction timed out"]


def _orders_sql(
    merchant_pk: int, first: int, last: int, n: int, days: int, seed: int, now: Any
) -> tuple[str, list[Any]]:
    span = days * 86400
    methods = bench_orders_list.METHODS
    source = (
        "(SELECT g, "  # noqa: S608 - constants and ints of the generator, values are params
        f"{_pick(bench_orders_list.STATUSES, f'g * 7 + {seed}')} AS st, "
        f"(100 + mod(abs(hashint8(g * 11 + {seed})), 4999900)) / 100.0 AS amt, "
        f"%s::timestamptz - make_interval(secs => {span}.0 * g / {n}) AS created, "
        f"mod(abs(hashint8(g * 13 + {seed})), {len(methods)}) AS m "
        "FROM generate_series(%s, %s) AS g) AS s"
    )
    failures = ("AUTHORIZATION_FAILED", "JUSPAY_DECLINED")
    values = {
        "merchant_id": str(merchant_pk),
        "order_id": "'BENCH' || lpad(g::text, 8, '0')",
        "juspay_id": "'ordeh_bench' || lpad(g::text, 24, '0')",
        "status": "st",
        "amount": "amt",
        "effective_amount": "amt",
        "currency": "'INR'",
        "customer_id": f"'cust_b' || mod(g, {max(n // 3, 1)})",
        "customer_email": f"'customer' || mod(g, {max(n // 3, 1)}) || '@bench.example'",
        "email_normalized": f"'customer' || mod(g, {max(n // 3, 1)}) || '@bench.example'",
        "customer_phone": f"'9' || lpad(mod(g, {max(n // 3, 1)})::text, 9, '0')",
        "phone_normalized": f"'9' || lpad(mod(g, {max(n // 3, 1)})::text, 9, '0')",
        "payment_method_type": f"({_text_array([t for t, _ in methods])})[m + 1]",
        "payment_method": f"({_text_array([m for _, m in methods])})[m + 1]",
        "gateway": _pick(bench_orders_list.GATEWAYS, f"g * 17 + {seed}"),
        "txn_id": "'bench-BENCH' || lpad(g::text, 8, '0') || '-1'",
        "txn_uuid": "'moz' || lpad(g::text, 16, '0')",
        "juspay_created_at": "created",
        "raw": f"CASE WHEN st IN ('{failures[0]}', '{failures[1]}') THEN jsonb_build_object('bank_error_message', "
        f"{_pick(FAILURE_REASONS, f'g * 19 + {seed}')}) ELSE '{{}}'::jsonb END",
        "is_open": "false",
        "first_seen_at": "%s::timestamptz",
        "last_synced_at": "%s::timestamptz",
    }
    sql = _insert_select(Order, values, source)
    # parameters in the order they appear: the select list's (defaults, first_seen_at, last_synced_at), then the
    # source's (now, first, last)
    fields = [f for f in Order._meta.concrete_fields if not f.primary_key]
    params: list[Any] = []
    for f in fields:
        if f.attname not in values:
            params.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.attname in ("first_seen_at", "last_synced_at"):
            params.append(now)
    return sql, [*params, now, first, last]


def _refunds_sql(merchant_pk: int, seed: int) -> tuple[str, list[Any]]:
    """One CHARGED order in ten: a refund raised 5 min to 3 days after the order, mostly SUCCESS a minute to
    two days later, 9 in 10 of those with an ARN."""
    statuses = ["SUCCESS"] * 85 + ["PENDING"] * 8 + ["FAILURE"] * 5 + ["MANUAL_REVIEW"] * 2
    source = (
        "(SELECT o.id AS oid, "  # noqa: S608 - constants and ints of the generator, values are params
        f"{_pick(statuses, f'o.id * 23 + {seed}')} AS st, "
        "o.juspay_created_at + "
        f"make_interval(mins => 5 + mod(abs(hashint8(o.id * 29 + {seed})), 4320)::int) AS raised, "
        f"60 + mod(abs(hashint8(o.id * 31 + {seed})), 172800) AS took, "
        f"mod(abs(hashint8(o.id * 37 + {seed})), 10) AS arn "
        f"FROM orders_order o WHERE o.merchant_id = {merchant_pk} AND o.status = 'CHARGED' "
        f"AND mod(abs(hashint8(o.id * 41 + {seed})), 10) = 0) AS s"
    )
    values = {
        "order_id": "oid",
        "unique_request_id": "'bench-rf-' || oid",
        "amount": f"(100 + mod(abs(hashint8(oid * 43 + {seed})), 99900)) / 100.0",
        "status": "st",
        "arn": "CASE WHEN st = 'SUCCESS' AND arn < 9 THEN 'ARN' || oid ELSE '' END",
        "created": "raised",
        "processed_at": "CASE WHEN st = 'SUCCESS' THEN raised + make_interval(secs => took) END",
    }
    return _insert_select(Refund, values, source), _defaults(Refund, values)


def _request_values(merchant_pk: int, maker_pk: int) -> dict[str, str]:
    return {
        "merchant_id": str(merchant_pk),
        "order_id": "oid",
        "maker_id": str(maker_pk),
        "form_token": "gen_random_uuid()",
        "created_at": "raised",
        "updated_at": "raised",
        "expires_at": "raised + interval '3 days'",
    }


def _commands_sql(merchant_pk: int, maker_pk: int, seed: int, now: Any) -> tuple[str, list[Any]]:
    """Three CHARGED orders in ten: a NO_ACTION SUCCESS command Juspay accepted, 10 s to 4 days after the
    order (those that would finish in the future are left out)."""
    source = (
        "(SELECT o.id AS oid, "  # noqa: S608 - constants and ints of the generator, values are params
        "o.juspay_created_at + "
        f"make_interval(secs => 10 + mod(abs(hashint8(o.id * 47 + {seed})), 345600)) AS raised "
        f"FROM orders_order o WHERE o.merchant_id = {merchant_pk} AND o.status = 'CHARGED' "
        f"AND mod(abs(hashint8(o.id * 53 + {seed})), 10) < 3) AS s WHERE raised + interval '2 seconds' < %s"
    )
    values = {
        **_request_values(merchant_pk, maker_pk),
        "kind": "'fulfilment'",
        "payload": """'{"fulfillment_status": "SUCCESS", "fulfillment_command": "NO_ACTION"}'::jsonb""",
        "command": "'NO_ACTION'",
        "fulfillment_id": "'DLV-' || oid",
        "state": "'succeeded'",
        "idempotency_key": "'bench-fs-' || oid",
        "required_approvals": "0",
        "approved_at": "raised",
        "sent_at": "raised",
        "finished_at": "raised + interval '2 seconds'",
        "attempts": "1",
    }
    return _insert_select(ActionRequest, values, source), [*_defaults(ActionRequest, values), now]


def _refund_requests_sql(merchant_pk: int, maker_pk: int, seed: int, now: Any) -> tuple[str, list[Any]]:
    """One order in a hundred: a refund request, decided 1 min to 1 day after it was raised, in some state."""
    states = ["succeeded"] * 70 + ["failed"] * 5 + ["rejected"] * 10 + ["expired"] * 5 + ["cancelled"] * 5
    states += ["pending"] * 5
    source = (
        "(SELECT o.id AS oid, "  # noqa: S608 - constants and ints of the generator, values are params
        f"{_pick(states, f'o.id * 59 + {seed}')} AS st, "
        "o.juspay_created_at + "
        f"make_interval(mins => 1 + mod(abs(hashint8(o.id * 61 + {seed})), 1440)::int) AS raised, "
        f"60 + mod(abs(hashint8(o.id * 67 + {seed})), 86400) AS took "
        f"FROM orders_order o WHERE o.merchant_id = {merchant_pk} "
        f"AND mod(abs(hashint8(o.id * 71 + {seed})), 100) = 0) AS s "
        "WHERE raised + make_interval(secs => took + 5) < %s"
    )
    values = {
        **_request_values(merchant_pk, maker_pk),
        "kind": "'refund'",
        "amount": "10",
        "currency": "'INR'",
        "state": "st",
        "idempotency_key": "'bench-rr-' || oid",
        "required_approvals": "1",
        "moves_money": "true",
        "approved_at": "CASE WHEN st IN ('succeeded', 'failed') THEN raised + make_interval(secs => took) END",
        "closed_at": "CASE WHEN st IN ('rejected', 'expired', 'cancelled') "
        "THEN raised + make_interval(secs => took) END",
        "finished_at": "CASE WHEN st IN ('succeeded', 'failed') THEN raised + make_interval(secs => took + 3) END",
    }
    return _insert_select(ActionRequest, values, source), [*_defaults(ActionRequest, values), now]
