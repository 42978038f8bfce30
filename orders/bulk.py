"""Bulk sync: fetch many orders with bounded concurrency (async client) while applying them as they come.

A thread runs the asyncio fetches (`fetch_all`); the calling thread applies each answer to the database, so
network waits and database writes overlap. Per-order fetch latencies are kept for the benchmark. Payment orders
(`sync_many`) and payout orders (`sync_many_payouts`: the freshness sweep and the failure retries) go the same
way: what arrived is applied a batch at a time, unchanged answers stamped in one statement, failures recorded.
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.utils import timezone

from dashboard.juspay.async_client import AsyncJuspayClient, SameAnswer
from dashboard.juspay.errors import JuspayError
from dashboard.juspay.types_order import Order as JuspayOrder
from dashboard.juspay.types_payout import PayoutOrder as JuspayPayoutOrder
from dashboard.juspay_access import async_client_for
from dashboard.models import Merchant
from orders import sync, sync_failures
from orders.models import Order, PayoutOrder, SyncFailure


@dataclass
class BulkReport:
    synced: int = 0
    changes: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds per fetch
    error_samples: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # every id that failed -> why
    elapsed: float = 0.0

    def add(self, other: BulkReport) -> None:
        """Count a batch's report into this one."""
        self.synced += other.synced
        self.changes += other.changes
        self.errors += other.errors
        self.latencies += other.latencies
        self.failed.update(other.failed)
        self.error_samples += other.error_samples[: max(0, 5 - len(self.error_samples))]


@dataclass(frozen=True)
class Fetched:
    """One order id's fetch: Juspay's answer or the error that ended it, when it started and how long it took."""

    order_id: str
    fetched_at: datetime
    latency: float
    parsed: JuspayOrder | JuspayPayoutOrder | SameAnswer | None = None
    error: JuspayError | None = None


class _Done:
    """Put on the queue after the last `Fetched`."""


_DONE = _Done()

type Handover = queue.Queue[Fetched | _Done]


async def fetch_all(
    juspay: AsyncJuspayClient,
    order_ids: Iterable[str],
    customers: Mapping[str, str],
    concurrency: int,
    out: Handover,
    *,
    payouts: bool = False,
    digests: Mapping[str, str] | None = None,
) -> None:
    """Order Status (payout Order Status with `payouts`) for every id, at most `concurrency` in flight, each
    result put on `out` as it arrives.

    A Juspay failure for one id (not found, unavailable after the retries, unreadable) is that id's `error`
    and does not stop the others. `customers` (order id -> customer id) sets `x-routing-id` where known;
    `digests` (order id -> the digest stored with its last answer): an answer with those very bytes comes as a
    `SameAnswer`, neither decoded nor parsed.
    """
    limit = asyncio.Semaphore(concurrency)
    ask = juspay.payout_order_status_unless if payouts else juspay.order_status_unless
    known = digests or {}

    async def one(order_id: str) -> None:
        async with limit:
            fetched_at, started = timezone.now(), time.perf_counter()
            try:
                parsed = await ask(order_id, customer_id=customers.get(order_id), known_digest=known.get(order_id, ""))
                item = Fetched(order_id, fetched_at, time.perf_counter() - started, parsed=parsed)
            except JuspayError as exc:
                item = Fetched(order_id, fetched_at, time.perf_counter() - started, error=exc)
        try:  # the usual case: room on the queue, no thread hop
            out.put_nowait(item)
        except queue.Full:  # the applier is behind: block a helper thread (not the loop, not polling) until room
            await asyncio.to_thread(_put_blocking, out, item)

    await asyncio.gather(*(one(order_id) for order_id in order_ids))


HANDOVER_TIMEOUT = 5.0  # seconds one blocking queue operation waits before it checks again


def _put_blocking(out: Handover, item: Fetched) -> None:
    while True:
        try:
            out.put(item, timeout=HANDOVER_TIMEOUT)
            return
        except queue.Full:  # the applier is still working through its batch: keep waiting
            continue


async def _fetch_for(
    merchant: Merchant,
    order_ids: list[str],
    customers: Mapping[str, str],
    digests: Mapping[str, str],
    concurrency: int,
    out: Handover,
    payouts: bool,
) -> None:
    async with async_client_for(merchant, concurrency=concurrency) as juspay:
        await fetch_all(juspay, order_ids, customers, concurrency, out, payouts=payouts, digests=digests)


def _next_batch(out: Handover, size: int = 200, alive: Callable[[], bool] = lambda: True) -> tuple[list[Fetched], bool]:
    """What has arrived, up to `size` items (blocking for at least one, with a timeout so that a fetch thread
    that died without its end marker cannot hang the applier); and whether the fetch is over."""
    while True:
        try:
            first = out.get(timeout=HANDOVER_TIMEOUT)
            break
        except queue.Empty:
            if not alive():
                return [], True
    if isinstance(first, _Done):
        return [], True
    batch = [first]
    while len(batch) < size:
        try:
            item = out.get_nowait()
        except queue.Empty:
            break
        if isinstance(item, _Done):
            return batch, True
        batch.append(item)
    return batch, False


def _answers_of[Parsed: (JuspayOrder, JuspayPayoutOrder)](
    model: type[Order] | type[PayoutOrder],
    merchant: Merchant,
    batch: list[Fetched],
    kind: type[Parsed],
    report: BulkReport,
) -> tuple[list[tuple[Parsed, datetime]], list[sync.Same]]:
    """The batch's parsed answers and the answers byte-identical to the stored one; each failure recorded on
    its cached row (if any) and in the report."""
    key_field = "order_id" if model is Order else "payout_order_id"
    answers: list[tuple[Parsed, datetime]] = []
    same: list[sync.Same] = []
    for item in batch:
        report.latencies.append(item.latency)
        if isinstance(item.parsed, kind):
            answers.append((item.parsed, item.fetched_at))
            continue
        if isinstance(item.parsed, SameAnswer):
            same.append(sync.Same(item.order_id, item.parsed, item.fetched_at))
            continue
        assert item.error is not None
        report.errors += 1
        message = sync.record_failure(model, merchant, key_field, item.order_id, item.error)
        report.failed[item.order_id] = message
        if len(report.error_samples) < 5:
            report.error_samples.append(f"{item.order_id}: {message}")
    report.synced += len(answers) + len(same)
    return answers, same


def _apply_batch(merchant: Merchant, batch: list[Fetched], source: str, report: BulkReport) -> None:
    answers, same = _answers_of(Order, merchant, batch, JuspayOrder, report)
    changed, new = sync.mark_unchanged(merchant, answers, same)
    if new:
        try:
            report.changes += sync.create_orders(merchant, new, source=source)
        except IntegrityError:  # another worker cached one of them meanwhile: take the careful path
            changed += new
    for parsed, fetched_at in changed:
        report.changes += len(sync.apply_order(merchant, parsed, source=source, fetched_at=fetched_at).events)


def _apply_payout_batch(merchant: Merchant, batch: list[Fetched], source: str, report: BulkReport) -> None:
    """Payout orders: the unchanged stamped at once, each changed or new one applied under its own lock (its
    fulfilments, the linked order's fulfilment state and the payout cells move with it)."""
    answers, same = _answers_of(PayoutOrder, merchant, batch, JuspayPayoutOrder, report)
    changed, new = sync.mark_unchanged_payouts(merchant, answers, same)
    for parsed, fetched_at in changed + new:
        result = sync.apply_payout_order(merchant, parsed, source=source, fetched_at=fetched_at)
        report.changes += len(result.events)


def apply_fetched(merchant: Merchant, batch: list[Fetched], *, source: str, payouts: bool = False) -> BulkReport:
    """Apply one batch of fetches the way bulk sync does (new orders inserted together, unchanged ones stamped
    together, changed ones applied one by one, failures recorded) and report it."""
    report = BulkReport()
    (_apply_payout_batch if payouts else _apply_batch)(merchant, batch, source, report)
    return report


type Applier = Callable[[Merchant, list[Fetched], str, BulkReport], None]


def _apply_reconnecting(
    merchant: Merchant, batch: list[Fetched], source: str, report: BulkReport, apply: Applier = _apply_batch
) -> None:
    """Apply a batch; when the database connection was dropped under it (a restart, `pg_terminate_backend`),
    open a new one and apply the batch again (applying is idempotent). Inside a transaction it cannot: raise."""
    done = BulkReport()
    try:
        apply(merchant, batch, source, done)
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        done = BulkReport()
        apply(merchant, batch, source, done)
    report.add(done)


def sync_many(
    merchant: Merchant,
    order_ids: Iterable[str],
    *,
    concurrency: int = 32,
    source: str = "juspay_poll",
    on_progress: Callable[[int], None] | None = None,
    remember_failures: bool = False,
) -> BulkReport:
    """Fetch and apply `order_ids`. With `remember_failures`, every id that failed is recorded as a
    `SyncFailure` (retried by the sweep, listed on the sync health page) and every id now cached is resolved:
    what an import asked for is never silently dropped."""
    return _sync(
        merchant,
        order_ids,
        concurrency=concurrency,
        source=source,
        on_progress=on_progress,
        remember_failures=remember_failures,
        payouts=False,
    )


def sync_many_payouts(
    merchant: Merchant,
    payout_order_ids: Iterable[str],
    *,
    concurrency: int = 32,
    source: str = "juspay_poll",
    remember_failures: bool = False,
) -> BulkReport:
    """`sync_many` for payout orders (payout Order Status): fetched concurrently, applied a batch at a time."""
    return _sync(
        merchant,
        payout_order_ids,
        concurrency=concurrency,
        source=source,
        on_progress=None,
        remember_failures=remember_failures,
        payouts=True,
    )


def _sync(
    merchant: Merchant,
    order_ids: Iterable[str],
    *,
    concurrency: int,
    source: str,
    on_progress: Callable[[int], None] | None,
    remember_failures: bool,
    payouts: bool,
) -> BulkReport:
    ids = list(dict.fromkeys(order_ids))
    model: type[Order] | type[PayoutOrder] = PayoutOrder if payouts else Order
    key_field = "payout_order_id" if payouts else "order_id"
    failure_kind = SyncFailure.Kind.PAYOUT if payouts else SyncFailure.Kind.ORDER
    apply: Applier = _apply_payout_batch if payouts else _apply_batch
    customers: dict[str, str] = {}
    digests: dict[str, str] = {}  # an answer with the stored digest's bytes is neither decoded nor parsed
    if len(ids) <= 5000:
        cached = model._default_manager.filter(merchant=merchant, **{f"{key_field}__in": ids})
        for key, customer_id, digest in cached.values_list(key_field, "customer_id", "answer_digest"):
            if customer_id:
                customers[key] = customer_id
            if digest:
                digests[key] = digest
    out: Handover = queue.Queue(maxsize=max(concurrency * 16, 1024))
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            asyncio.run(_fetch_for(merchant, ids, customers, digests, concurrency, out, payouts))
        except BaseException as exc:  # surfaced to the caller below
            failure.append(exc)
        finally:
            out.put(_DONE)

    report, started = BulkReport(), time.perf_counter()
    producer = threading.Thread(target=produce, name="juspay-bulk-fetch", daemon=True)
    previous_switch = sys.getswitchinterval()
    # Each database call releases the GIL; at the default 5 ms switch interval getting it back from the busy
    # fetch thread dominated the run (a GIL convoy). A short interval keeps both threads moving.
    sys.setswitchinterval(0.0002)
    try:
        producer.start()
        done = False
        while not done:
            batch, done = _next_batch(out, alive=producer.is_alive)
            _apply_reconnecting(merchant, batch, source, report, apply)
            if on_progress and batch:
                on_progress(len(batch))
    finally:
        sys.setswitchinterval(previous_switch)
    producer.join()
    report.elapsed = time.perf_counter() - started
    if failure:
        if remember_failures:  # the fetch itself broke: every id not applied is still owed
            applied = sync_failures.cached_ids(merchant, failure_kind, ids)
            reason = f"{type(failure[0]).__name__}: {failure[0]}"
            missing = {i: report.failed.get(i, reason) for i in ids if i not in applied}
            sync_failures.settle(merchant, failure_kind, ids, missing, source=source)
        raise failure[0]
    if remember_failures:
        sync_failures.settle(merchant, failure_kind, ids, report.failed, source=source)
    return report
