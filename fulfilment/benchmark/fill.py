"""N synthetic orders made by PostgreSQL itself (INSERT .. SELECT over generate_series), complete enough for every
section of the order page, the lists, search and the KPI page; reused when a marker says they are there.

The orders, refunds, Fulfilment Sync commands and refund requests are bench_kpis' generators; this module adds
a transaction per order, offers, split settlements, payout orders (with a fulfilment and its transaction) and the
timeline, then rebuilds the KPI rollups with the product's own code and runs VACUUM ANALYZE (autovacuum is off on
our machines, and Django admin's COUNT(*) needs the visibility map).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from dashboard.models import Merchant
from dashboard.progress import ProgressBar
from fulfilment import kpi_rollups
from fulfilment.management.commands import bench_kpis
from fulfilment.models import ActionRequest
from orders import rollups
from orders.models import (
    Fulfillment,
    Offer,
    Order,
    PayoutOrder,
    PayoutTransaction,
    Refund,
    SplitDetail,
    TimelineEvent,
    Transaction,
)

# Bump when the generated rows change shape: a marker with another version makes the next run fill again.
FILL_VERSION = 1
MERCHANT_CODE = "benchmark"
MAKER = "bench-maker"
MARKER_TABLE = "benchmark_fill"
BATCH = 100_000
TABLES = [
    Order,
    Transaction,
    Refund,
    Offer,
    SplitDetail,
    PayoutOrder,
    Fulfillment,
    PayoutTransaction,
    TimelineEvent,
    ActionRequest,
]


def merchant() -> Merchant:
    account, _ = Merchant.objects.get_or_create(
        code=MERCHANT_CODE,
        defaults={
            "name": "Benchmark (synthetic orders)",
            "base_url": "http://127.0.0.1:9",
            "api_key": "bench",
            "merchant_id": "bench-synthetic",
            "is_active": False,
        },
    )
    return account


def marker() -> tuple[int, int] | None:
    """(orders, version) of the last complete fill, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (orders integer NOT NULL, version integer NOT NULL, "
            "filled_at timestamptz NOT NULL, seconds real NOT NULL)"
        )
        cursor.execute(f"SELECT orders, version FROM {MARKER_TABLE} ORDER BY filled_at DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None


def ensure(n: int, *, write: Callable[[str], Any], force: bool = False) -> tuple[Merchant, bool]:
    """The benchmark merchant holding exactly `n` synthetic orders of this fill version; True when reused."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmark fills PostgreSQL: set DATABASE_URL=postgres://…")
    account = merchant()
    if not force and marker() == (n, FILL_VERSION):
        return account, True
    started = time.perf_counter()
    clear(account, write)
    maker = _maker()
    with _indexes_dropped(INDEXED_LATER, write):
        _fill_orders(account, n, write)
        _fill_related(account, n, maker, write)
    analyze()  # statistics before the rollups: autovacuum is off here, and they plan from them
    rows_seconds = time.perf_counter() - started
    step_started = time.perf_counter()
    cpu_started = time.process_time()
    done = rollups.rebuild()
    requests = kpi_rollups.rebuild()
    rollup_seconds = time.perf_counter() - step_started
    write(
        f"  KPI rollups (rebuild_kpis): {done['buckets']:,} cells, {done['turnarounds']:,} turnarounds, "
        f"{requests:,} request facts in {rollup_seconds:.1f} s ({time.process_time() - cpu_started:.1f} s of "
        "this process's CPU)"
    )
    step_started = time.perf_counter()
    vacuum_analyze()
    vacuum_seconds = time.perf_counter() - step_started
    write(f"  VACUUM ANALYZE in {vacuum_seconds:.1f} s")
    seconds = time.perf_counter() - started
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    write(
        f"fill phases: rows {rows_seconds:.0f} s, KPI rollups {rollup_seconds:.0f} s, VACUUM ANALYZE "
        f"{vacuum_seconds:.0f} s; load average {load}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, now(), %s)",  # noqa: S608
            [n, FILL_VERSION, seconds],
        )
    write(f"filled {n:,} orders and their rows in {seconds:.0f} s")
    return account, False


# Their secondary indexes are dropped while the rows go in and built again after: one sort per index instead of
# a million random inserts into each (the unique constraints and primary keys stay, so the data is checked).
INDEXED_LATER = ["orders_order", "orders_transaction", "orders_timelineevent"]
DROPPED_TABLE = "benchmark_dropped_index"


@contextmanager
def _indexes_dropped(tables: list[str], write: Callable[[str], Any]) -> Iterator[None]:
    restore_indexes(write)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [tables],
        )
        found = cursor.fetchall()
        # kept in a table first: should the fill die half-way, the next run builds them again (restore_indexes)
        cursor.executemany(f"INSERT INTO {DROPPED_TABLE} VALUES (%s, %s)", found)  # noqa: S608
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    restore_indexes(write)


def restore_indexes(write: Callable[[str], Any]) -> None:
    """Build again every index an earlier fill dropped (all of them, after a fill; any left by one that died)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {DROPPED_TABLE} (name text PRIMARY KEY, definition text NOT NULL)")
        cursor.execute(f"SELECT name, definition FROM {DROPPED_TABLE}")  # noqa: S608
        dropped = cursor.fetchall()
        for name, definition in dropped:
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
            cursor.execute(f"DELETE FROM {DROPPED_TABLE} WHERE name = %s", [name])  # noqa: S608
    if dropped:
        write(f"  built {len(dropped)} indexes again in {time.perf_counter() - started:.1f} s")


def _fill_related(account: Merchant, n: int, maker: Any, write: Callable[[str], Any]) -> None:
    now = timezone.now()
    steps: list[tuple[str, Callable[[Merchant], tuple[str, list[Any]]]]] = [
        (TRANSACTIONS.label, TRANSACTIONS.sql),
        ("refunds", lambda m: bench_kpis._refunds_sql(m.pk, SEED)),
        ("refund states", _refund_states_sql),
        *((rows.label, rows.sql) for rows in (OFFERS, SPLITS, PAYOUTS, FULFILMENTS, PAYOUT_TRANSACTIONS)),
        *((rows.label, rows.sql) for rows in (TIMELINE_DISCOVERED, TIMELINE_STATUS, TIMELINE_REFUNDS)),
        ("fulfilment commands", lambda m: bench_kpis._commands_sql(m.pk, maker.pk, SEED, now)),
        ("refund requests", lambda m: bench_kpis._refund_requests_sql(m.pk, maker.pk, SEED, now)),
    ]
    bar = ProgressBar(len(steps), label="related rows")
    for label, make in steps:
        step_started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*make(account))
            rows = cursor.rowcount
        write(f"  {label}: {rows:,} rows in {time.perf_counter() - step_started:.1f} s")
        bar.advance()
    bar.close()


def analyze() -> None:
    """ANALYZE the filled tables (seconds at 1M): without statistics the rollups' queries plan as if empty."""
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def vacuum_analyze() -> None:
    from fulfilment.models import RequestFact
    from orders.models import ChargedOrder, KpiBucket, RefundTurnaround

    with connection.cursor() as cursor:
        for model in [*TABLES, KpiBucket, RefundTurnaround, ChargedOrder, RequestFact]:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def clear(account: Merchant, write: Callable[[str], Any]) -> None:
    """Remove the benchmark merchant's rows (and the marker) with plain DELETEs, children first."""
    started = time.perf_counter()
    marker()  # creates the marker table when missing
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
    # bench_kpis' cleanup removes requests, rollups and refunds, then calls its filler's _cleanup for the rest
    bench_kpis.Command()._cleanup(_Quiet(), account, keep_merchant=True)
    write(f"  cleared earlier benchmark rows in {time.perf_counter() - started:.1f} s")


class _Quiet:
    """The filler bench_kpis' cleanup calls last: removes the rows under the orders, then the orders."""

    def _cleanup(self, account: Merchant, *, keep_merchant: bool) -> None:
        from orders.models import Note, OrderUdf, OrderVisit

        for model, path in (
            (OrderUdf, "order__merchant"),
            (OrderVisit, "order__merchant"),
            (Note, "order__merchant"),
            (PayoutTransaction, "fulfillment__payout_order__merchant"),
            (Fulfillment, "payout_order__merchant"),
            (TimelineEvent, "payout_order__merchant"),
            (TimelineEvent, "order__merchant"),
            (Offer, "order__merchant"),
            (SplitDetail, "order__merchant"),
            (Transaction, "order__merchant"),
        ):
            model.objects.filter(**{path: account})._raw_delete(model.objects.db)
        PayoutOrder.objects.filter(merchant=account)._raw_delete(PayoutOrder.objects.db)
        Order.objects.filter(merchant=account)._raw_delete(Order.objects.db)


def _maker() -> Any:
    user, _ = get_user_model().objects.get_or_create(username=MAKER, defaults={"is_active": False})
    return user


SEED = 11
DAYS = 365


def _fill_orders(account: Merchant, n: int, write: Callable[[str], Any]) -> None:
    started = time.perf_counter()
    now = timezone.now()
    bar = ProgressBar(n, label="orders")
    for first in range(0, n, BATCH):
        last = min(first + BATCH, n) - 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(*bench_kpis._orders_sql(account.pk, first, last, n, DAYS, SEED, now))
        bar.advance(last + 1 - first)
    bar.close()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    write(f"  orders: {n:,} rows in {time.perf_counter() - started:.1f} s")


# --- the related rows: one INSERT .. SELECT each, from the rows already there ------------------------------

NOW = "%s::timestamptz"  # a value that is the fill's start time (a parameter)
MERCHANT = "{merchant}"  # in a source: the benchmark merchant's id


@dataclass(frozen=True)
class Rows:
    """One step of the fill: a row of `model` for each row of `source` (a parenthesised SELECT named `s`, over
    the benchmark merchant's rows: MERCHANT stands for its id), its columns as `values` (SQL over the source's
    columns; NOW for the fill's start time; every other column its default)."""

    label: str
    model: Any
    source: str
    values: dict[str, str]

    def sql(self, account: Merchant) -> tuple[str, list[Any]]:
        now = timezone.now()
        params: list[Any] = []
        for f in self.model._meta.concrete_fields:
            if f.primary_key:
                continue
            if f.attname not in self.values:
                params.append(f.get_db_prep_save(f.get_default(), connection))
            elif self.values[f.attname] == NOW:
                params.append(now)
        sql = bench_kpis._insert_select(self.model, self.values, self.source)
        return sql.replace(MERCHANT, str(int(account.pk))), params


def _of(where: str = "") -> str:
    """FROM the benchmark merchant's orders `o` (WHERE `where` too)."""
    return f"FROM orders_order o WHERE o.merchant_id = {MERCHANT}" + (f" AND {where}" if where else "")


def _hashed(expr: str, salt: int, mod: int) -> str:
    return f"mod(abs(hashint8({expr} * {salt} + {SEED})), {mod})"


TRANSACTIONS = Rows(
    "transactions",
    Transaction,
    "(SELECT o.id AS oid, o.order_id AS oref, o.status AS st, o.gateway AS gw, o.amount AS amt, "
    "o.payment_method_type AS mt, o.payment_method AS pm, o.txn_id AS tid, o.txn_uuid AS tuuid, "
    f"o.juspay_created_at AS created {_of()}) AS s",
    {
        "order_id": "oid",
        "txn_id": "tid",
        "txn_uuid": "tuuid",
        "status": "st",
        "gateway": "gw",
        "amount": "amt",
        "net_amount": "amt",
        "currency": "'INR'",
        "payment_method_type": "mt",
        "payment_method": "pm",
        "rrn": "'7' || lpad(oid::text, 11, '0')",
        "epg_txn_id": "'pay_' || oref",
        "error_code": "CASE WHEN st IN ('AUTHORIZATION_FAILED', 'JUSPAY_DECLINED') THEN 'ERR_' || st ELSE '' END",
        "created": "created",
    },
)
OFFER_CODES = ["NEWUSER100", "FESTIVE10", "CASHBACK50", "BANKOFFER5"]
OFFERS = Rows(  # one order in twenty
    "offers",
    Offer,
    f"(SELECT o.id AS oid, {bench_kpis._pick(OFFER_CODES, f'o.id * 73 + {SEED}')} AS code "
    f"{_of(_hashed('o.id', 79, 20) + ' = 0')}) AS s",
    {
        "order_id": "oid",
        "offer_id": "'offer_' || oid",
        "offer_code": "code",
        "status": "'AVAILED'",
        "benefits": """jsonb_build_array(jsonb_build_object('type', 'DISCOUNT', 'amount', 50))""",
        "raw": "jsonb_build_object('offer_id', 'offer_' || oid, 'offer_code', code, 'status', 'AVAILED')",
    },
)
SPLITS = Rows(  # one order in ten settles to two sub-vendors (60 / 40)
    "split settlements",
    SplitDetail,
    (f"(SELECT o.id AS oid, o.amount AS amt, v.vendor, v.share {_of(_hashed('o.id', 83, 10) + ' = 0')}) AS s").replace(
        "FROM orders_order o",
        "FROM orders_order o CROSS JOIN (VALUES ('vendor_north', 0.6), ('vendor_south', 0.4)) AS v(vendor, share)",
    ),
    {
        "order_id": "oid",
        "sub_vendor_id": "vendor",
        "amount": "round(amt * share, 2)",
        "merchant_commission": "round(amt * share * 0.02, 2)",
        "raw": "jsonb_build_object('sub_mid', vendor)",
    },
)
PAYOUT_STATUSES = ["FULFILLMENTS_SUCCESSFUL"] * 8 + ["FULFILLMENTS_FAILURE", "FULFILLMENTS_MANUAL_REVIEW"]
PAYOUTS = Rows(  # one CHARGED order in fifty pays out (a cashback), linked to its payment order
    "payout orders",
    PayoutOrder,
    "(SELECT o.id AS oid, o.order_id AS oref, o.customer_id AS cust, o.juspay_created_at AS created, "
    f"{bench_kpis._pick(PAYOUT_STATUSES, f'o.id * 89 + {SEED}')} AS st, round(o.amount * 0.05, 2) AS amt "
    f"{_of("o.status = 'CHARGED' AND " + _hashed('o.id', 97, 50) + ' = 0')}) AS s",
    {
        "merchant_id": MERCHANT,
        "order_id": "oid",
        "payout_order_id": "'PO' || oref",
        "status": "st",
        "type": "'FULFILL_ONLY'",
        "amount": "amt",
        "customer_id": "cust",
        "manual_review": "st = 'FULFILLMENTS_MANUAL_REVIEW'",
        "juspay_created_at": "created + interval '10 minutes'",
        "juspay_updated_at": "created + interval '20 minutes'",
        "is_open": "false",
        "last_synced_at": NOW,
    },
)
FULFILMENTS = Rows(
    "fulfilments",
    Fulfillment,
    "(SELECT p.id AS pid, p.payout_order_id AS pref, p.status AS st, p.amount AS amt, "  # noqa: S608
    f"p.juspay_created_at AS created FROM orders_payoutorder p WHERE p.merchant_id = {MERCHANT}) AS s",
    {
        "payout_order_id": "pid",
        "fulfillment_id": "'F' || pref",
        "status": "CASE st WHEN 'FULFILLMENTS_SUCCESSFUL' THEN 'SUCCESS' WHEN 'FULFILLMENTS_FAILURE' THEN 'FAILURE' "
        "ELSE 'MANUAL_REVIEW' END",
        "amount": "amt",
        "beneficiary_type": "CASE WHEN mod(pid, 3) = 0 THEN 'ACCOUNT_IFSC' ELSE 'UPI_ID' END",
        "beneficiary": "CASE WHEN mod(pid, 3) = 0 THEN jsonb_build_object('account', '00001234' || pid, 'ifsc', "
        "'HDFC0000123') ELSE jsonb_build_object('vpa', 'cust' || pid || '@upi') END",
        "method": "CASE WHEN mod(pid, 3) = 0 THEN 'IMPS' ELSE 'UPI' END",
        "juspay_created_at": "created",
        "status_updated_at": "created + interval '5 minutes'",
    },
)
PAYOUT_TRANSACTIONS = Rows(
    "payout transactions",
    PayoutTransaction,
    "(SELECT f.id AS fid, f.status AS st, f.amount AS amt, f.method AS m, "  # noqa: S608
    "f.juspay_created_at AS created FROM orders_fulfillment f JOIN orders_payoutorder p ON p.id = "
    f"f.payout_order_id WHERE p.merchant_id = {MERCHANT}) AS s",
    {
        "fulfillment_id": "fid",
        "transaction_ref": "'PT' || fid",
        "status": "st",
        "amount": "amt",
        "method": "m",
        "gateway_ref_id": "'GW' || fid",
        "response_code": "CASE st WHEN 'SUCCESS' THEN '00' ELSE 'E01' END",
        "created": "created + interval '1 minute'",
    },
)
FIRST_STATUS = "CASE WHEN o.status = 'CHARGED' THEN 'PENDING_VBV' ELSE o.status END"
TIMELINE_DISCOVERED = Rows(
    "timeline: discovered",
    TimelineEvent,
    f"(SELECT o.id AS oid, o.juspay_created_at AS at, {FIRST_STATUS} AS st, o.amount::text AS amt {_of()}) AS s",
    {
        "order_id": "oid",
        "at": "at",
        "kind": "'order.discovered'",
        "source": "'webhook'",
        "data": "jsonb_build_object('status', st, 'amount', amt)",
    },
)
TIMELINE_STATUS = Rows(
    "timeline: status changes",
    TimelineEvent,
    f"(SELECT o.id AS oid, o.juspay_created_at AS at {_of("o.status = 'CHARGED'")}) AS s",
    {
        "order_id": "oid",
        "at": "at + interval '40 seconds'",
        "kind": "'order.status_changed'",
        "source": "'juspay_poll'",
        "data": "jsonb_build_object('from', 'PENDING_VBV', 'to', 'CHARGED')",
    },
)
TIMELINE_REFUNDS = Rows(
    "timeline: refunds",
    TimelineEvent,
    "(SELECT r.order_id AS oid, r.created AS at, r.unique_request_id AS uid, r.amount::text AS amt, "  # noqa: S608
    "r.status AS st FROM orders_refund r JOIN orders_order o ON o.id = r.order_id "
    f"WHERE o.merchant_id = {MERCHANT}) AS s",
    {
        "order_id": "oid",
        "at": "at",
        "kind": "'refund.created'",
        "source": "'dashboard'",
        "data": "jsonb_build_object('unique_request_id', uid, 'amount', amt, 'status', st)",
    },
)


def _refund_states_sql(account: Merchant) -> tuple[str, list[Any]]:
    """Each refunded order's summary, as the sync would have set it from its refund."""
    sql = (
        "UPDATE orders_order o SET refunded = (r.status = 'SUCCESS'), "  # noqa: S608
        "amount_refunded = CASE WHEN r.status = 'SUCCESS' THEN r.amount ELSE 0 END, "
        "max_eligible_refund = o.amount - CASE WHEN r.status = 'SUCCESS' THEN r.amount ELSE 0 END, "
        "refund_state = CASE r.status WHEN 'SUCCESS' THEN 'partial' WHEN 'PENDING' THEN 'pending' "
        "WHEN 'FAILURE' THEN 'failed' ELSE 'manual_review' END "
        f"FROM orders_refund r WHERE r.order_id = o.id AND o.merchant_id = {int(account.pk)}"
    )
    return sql, []
