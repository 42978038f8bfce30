"""Bulk sync split into chunks that Celery workers on any number of hosts take.

A parent (an import, `sync_orders`, the freshness sweep) records a `SyncRun` and streams its ids into
`SyncChunk` rows of a few hundred each; the caller hands each chunk's pk to a queue (`plan`'s `enqueue`: the
edges pass `orders.tasks.sync_chunk.delay`, inline without a broker). A chunk task fetches and applies its ids
(`run_chunk`, through orders.bulk) and records its counts and every failed id with its reason; ids that fail
before they were ever cached also become `SyncFailure` rows when the run remembers failures. The parent waits
on the run's counters (`wait`) and reads the failures back (`failures`), never holding all the ids itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from dashboard.models import Merchant
from orders import sync_failures
from orders.bulk import BulkReport, sync_many
from orders.models import Order, SyncChunk, SyncFailure, SyncRun, SyncSource

CHUNK_SIZE = 500


def reconnecting[T](step: Callable[[], T]) -> T:
    """Run `step`; when the database connection was dropped under it (a restart, `pg_terminate_backend`), open a
    new one and run it again (every step given here is idempotent or one transaction)."""
    try:
        return step()
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        connection.close()
        return step()


def chunked(ids: Iterable[str], size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """`ids` in lists of at most `size` (duplicates dropped within a list), pulling from `ids` only as each list
    is needed: a million-id source is never held at once."""
    source = iter(ids)
    while True:
        chunk = list(dict.fromkeys(islice(source, size)))
        if not chunk:
            return
        yield chunk


def order_ids_of(orders: QuerySet[Order], page: int = CHUNK_SIZE) -> Iterator[str]:
    """The order ids of `orders`, a page at a time by primary key (no cursor held open across the writes)."""
    last = 0
    while True:
        rows = list(orders.filter(pk__gt=last).order_by("pk").values_list("pk", "order_id")[:page])
        if not rows:
            return
        last = rows[-1][0]
        yield from (order_id for _, order_id in rows)


def start(
    merchant: Merchant,
    kind: str,
    *,
    source: str = SyncSource.JUSPAY_POLL,
    remember_failures: bool = False,
    concurrency: int = 32,
) -> SyncRun:
    return SyncRun.objects.create(
        merchant=merchant, kind=kind, source=source, remember_failures=remember_failures, concurrency=concurrency
    )


def plan(run: SyncRun, ids: Iterable[str], enqueue: Callable[[int], object], *, size: int = CHUNK_SIZE) -> SyncRun:
    """Record `ids` as chunks of `size` and hand each chunk's pk to `enqueue` as soon as it is recorded, so
    workers start while the rest is still being read. Returns the run once every chunk is queued."""
    for index, chunk_ids in enumerate(chunked(ids, size)):
        enqueue(reconnecting(partial(_record_chunk, run, index, chunk_ids)))
    reconnecting(lambda: SyncRun.objects.filter(pk=run.pk).update(planned=True))
    reconnecting(lambda: _finish_if_complete(run.pk))
    reconnecting(run.refresh_from_db)
    return run


def _record_chunk(run: SyncRun, index: int, chunk_ids: list[str]) -> int:
    with transaction.atomic():
        chunk = SyncChunk.objects.create(run=run, index=index, order_ids=chunk_ids)
        SyncRun.objects.filter(pk=run.pk).update(
            chunks_total=F("chunks_total") + 1, ids_total=F("ids_total") + len(chunk_ids)
        )
    return chunk.pk


def _finish_if_complete(run_pk: int) -> None:
    SyncRun.objects.filter(pk=run_pk, planned=True, finished_at__isnull=True, chunks_done=F("chunks_total")).update(
        finished_at=timezone.now()
    )


def _not_synced_since(merchant: Merchant, ids: list[str], since: object, reason: str) -> dict[str, str]:
    """After a chunk broke: every id not applied since it started, with why."""
    applied = set(
        Order.objects.filter(merchant=merchant, order_id__in=ids, last_synced_at__gte=since).values_list(
            "order_id", flat=True
        )
    )
    return {order_id: reason for order_id in ids if order_id not in applied}


def run_chunk(chunk_pk: int) -> SyncChunk:
    """Fetch and apply one chunk; record what it did once (a chunk delivered twice counts once)."""
    chunk = SyncChunk.objects.select_related("run__merchant").get(pk=chunk_pk)
    if chunk.state == SyncChunk.State.DONE:
        return chunk
    run, ids, began = chunk.run, list(chunk.order_ids), timezone.now()
    report = BulkReport()
    try:
        report = sync_many(run.merchant, ids, concurrency=run.concurrency, source=run.source)
        failed = dict(report.failed)
    except Exception as exc:  # the chunk broke (fetch thread, database): every id it did not apply is owed
        failed = {**report.failed, **_not_synced_since(run.merchant, ids, began, f"{type(exc).__name__}: {exc}")}
    if run.remember_failures:
        sync_failures.settle(run.merchant, SyncFailure.Kind.ORDER, ids, failed, source=run.source)
    synced = len(ids) - len(failed)
    with transaction.atomic():
        won = SyncChunk.objects.filter(pk=chunk.pk, state=SyncChunk.State.QUEUED).update(
            state=SyncChunk.State.DONE,
            synced=synced,
            changes=report.changes,
            failed=failed,
            finished_at=timezone.now(),
        )
        if won:
            SyncRun.objects.filter(pk=run.pk).update(
                chunks_done=F("chunks_done") + 1,
                synced=F("synced") + synced,
                changes=F("changes") + report.changes,
                failed=F("failed") + len(failed),
            )
    _finish_if_complete(run.pk)
    chunk.refresh_from_db()
    return chunk


def wait(
    run: SyncRun,
    *,
    on_progress: Callable[[int], None] | None = None,
    poll: float = 0.25,
    timeout: float | None = None,
) -> SyncRun:
    """Until every chunk of `run` is done (by any worker), reporting ids done as they add up."""
    deadline = None if timeout is None else time.monotonic() + timeout
    seen = 0
    while True:
        reconnecting(run.refresh_from_db)
        done = run.synced + run.failed
        if on_progress and done > seen:
            on_progress(done - seen)
            seen = done
        if run.finished_at is not None:
            return run
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"sync run {run.pk}: {run.chunks_done} of {run.chunks_total} chunks done")
        time.sleep(poll)


def failures(run: SyncRun) -> Iterator[tuple[str, str]]:
    """Every id of `run` that failed, with its reason, chunk by chunk."""
    rows = SyncChunk.objects.filter(run=run).order_by("index").values_list("failed", flat=True)
    for failed in rows.iterator(chunk_size=50):
        yield from (failed or {}).items()
