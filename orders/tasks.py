"""Background work on the cache: refresh after a webhook, re-sync what is due, write large exports.

Tasks sit on top of the domain, like views: the domain announces what it committed (orders.signals) and the
receivers at the bottom of this module, connected in `OrdersConfig.ready()`, enqueue the work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import reset_queries
from django.utils import timezone

from dashboard import native_heap
from dashboard.models import Merchant
from orders import exports, failure_retry, services, sync_runs, webhooks
from orders.bulk import sync_many_payouts
from orders.models import Order, OrderExport, PayoutOrder, SyncRun, SyncSource, WebhookEvent
from orders.webhook_refresher import Handoff, refresher

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def refresh_from_webhook(webhook_pk: int) -> str:
    """Pull the truth for the order a webhook named, then mark the webhook processed. A failure is recorded on
    the event and retried by `retry_webhooks`, not by Celery (so an inline run never raises into the answer)."""
    return webhooks.refresh(webhook_pk)


@shared_task(acks_late=True)
def refresh_from_webhooks(webhook_pks: list[int]) -> dict[str, int]:
    """The refresh of a batch of webhooks (published after the answer by `publisher`): one pull per order for all
    the events naming it (`webhooks.refresh_batch`); each failure is recorded on its event for the retry sweep."""
    return webhooks.refresh_batch(webhook_pks)


def _publish(webhook_pks: list[int]) -> None:
    refresh_from_webhooks.delay(webhook_pks)


# With a broker: the web process publishes the refreshes after the answer, one task per batch of ids. A batch
# is refreshed by one worker thread, one pull after another: small batches keep the worker's threads all busy.
publisher = Handoff("webhook-publisher", _publish, batch_max=20)


@shared_task
def retry_webhooks() -> dict[str, int]:
    """Beat: refresh again the stored webhooks whose refresh failed or never ran (broker or Juspay down)."""
    totals = webhooks.retry_due()
    if totals["tried"]:
        log.info("webhook retries: %s", totals)
    return totals


@shared_task
def sync_order_task(merchant_pk: int, order_id: str, source: str = SyncSource.JUSPAY_POLL) -> str:
    result = services.sync_order(Merchant.objects.get(pk=merchant_pk), order_id, source=source)
    return result.error or f"{len(result.events)} change(s)"


@shared_task(acks_late=True)
def sync_chunk(chunk_pk: int) -> dict[str, int]:
    """Fetch and apply one chunk of a bulk sync (orders.sync_runs); any worker on any host may take it.

    A chunk leaves nothing behind in the process that runs the next one (inline, one after another, in
    `import_orders` without a broker; or a worker): Django's query log (kept with DEBUG on, the embedded default,
    up to 9,000 queries a connection, about 6 KB an order of bulk-insert SQL) is cleared, and what the chunk's
    fetch thread freed goes back to the OS (dashboard.native_heap)."""
    try:
        chunk = sync_runs.reconnecting(lambda: sync_runs.run_chunk(chunk_pk))  # run again if the database dropped us
    finally:
        reset_queries()
        native_heap.release()
    return {"synced": chunk.synced, "changes": chunk.changes, "failed": len(chunk.failed)}


def start_bulk_sync(
    merchant: Merchant,
    ids: Iterable[str],
    *,
    kind: str,
    source: str = SyncSource.JUSPAY_POLL,
    remember_failures: bool = False,
    concurrency: int | None = None,
    chunk_size: int = sync_runs.CHUNK_SIZE,
) -> SyncRun:
    """Record a run and queue its chunks as the ids stream in (inline, one after another, without a broker)."""
    run = sync_runs.start(
        merchant,
        kind,
        source=source,
        remember_failures=remember_failures,
        concurrency=concurrency or settings.SYNC_CONCURRENCY,
    )
    return sync_runs.plan(run, ids, sync_chunk.delay, size=chunk_size)


SWEEP_LEASE = timedelta(minutes=5)  # a swept order is not swept again meanwhile; its sync sets the real next time


@shared_task
def sweep_due(limit: int | None = None) -> dict[str, int]:
    """Re-sync every cached order and payout order whose `next_sync_at` has come, per merchant, in bulk; then try
    again the ids recorded as failed before they were ever cached (an import under faults), with their back-off."""
    limit = limit or settings.SYNC_SWEEP_BATCH
    now = timezone.now()
    totals = {"orders": 0, "payouts": 0, "changes": 0, "errors": 0, "failures_retried": 0, "failures_resolved": 0}
    for merchant in Merchant.objects.filter(is_active=True):
        due = list(
            Order.objects.filter(merchant=merchant, next_sync_at__lte=now)
            .order_by("next_sync_at")
            .values_list("pk", "order_id")[:limit]
        )
        Order.objects.filter(pk__in=[pk for pk, _ in due]).update(next_sync_at=now + SWEEP_LEASE)
        order_ids = [order_id for _, order_id in due]
        payout_ids = list(
            PayoutOrder.objects.filter(merchant=merchant, next_sync_at__lte=now)
            .order_by("next_sync_at")
            .values_list("payout_order_id", flat=True)[:limit]
        )
        if order_ids:
            run = start_bulk_sync(merchant, order_ids, kind=SyncRun.Kind.SWEEP, source=SyncSource.JUSPAY_POLL)
            totals["orders"] += run.synced  # what the chunks did by now: all of it when they run inline
            totals["changes"] += run.changes
            totals["errors"] += run.failed
        if payout_ids:  # fetched concurrently, applied a batch at a time (orders.bulk)
            report = sync_many_payouts(
                merchant, payout_ids, concurrency=settings.SYNC_CONCURRENCY, source=SyncSource.JUSPAY_POLL
            )
            totals["payouts"] += len(payout_ids)
            totals["changes"] += report.changes
            totals["errors"] += report.errors
        retried = failure_retry.retry_due(merchant, limit=limit, concurrency=settings.SYNC_CONCURRENCY)
        totals["failures_retried"] += retried.tried
        totals["failures_resolved"] += retried.resolved
    if any(totals.values()):
        log.info("sweep: %s", totals)
    return totals


@shared_task(acks_late=True)
def export_orders(export_id: str) -> str:
    """Write a large orders CSV export under DATA_DIR/exports (see orders/exports.py)."""
    return exports.run(export_id)


# --- receivers of orders.signals (connected in OrdersConfig.ready) -----------------------------------


def refresh_after_webhook(sender: type[WebhookEvent], *, event: WebhookEvent, **kwargs: Any) -> None:
    """A stored webhook is only a trigger: pull the order's truth from Juspay in the background. A payout event
    whose fulfilment is not cached yet names nothing to refresh now; the retry sweep looks for it again."""
    if not event.order_id:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.WEBHOOK_EMBEDDED_REFRESH == "background":
        refresher.submit(event.pk)  # no broker: after the answer, on this process's refresher thread
        return
    if not settings.CELERY_TASK_ALWAYS_EAGER and settings.WEBHOOK_ENQUEUE == "background":
        publisher.submit(event.pk)  # a broker: published after the answer, batched, by this process's thread
        return
    try:
        refresh_from_webhook.delay(event.pk)
    except Exception:  # the broker is down (or the inline run broke): the event is stored, retry_webhooks has it
        log.warning("webhook %s: refresh not started now; the retry sweep will", event.event_id, exc_info=True)


def write_export(sender: type[OrderExport], *, export: OrderExport, **kwargs: Any) -> None:
    """A queued export is too large to stream: write its file in the background."""
    export_orders.delay(str(export.pk))
