"""Bulk sync applies a batch of answers together (orders.bulk.apply_fetched: new orders inserted in a handful of
statements, unchanged ones stamped in one, changed ones applied one by one, failures recorded). Whatever the
mix, the database must end up as if each answer had been applied alone (orders.sync.apply_order, or
record_failure for a Juspay failure): the same rows, timeline events, KPI cells and failure counts. A batch that
breaks while it is written leaves nothing of itself behind."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from dashboard.juspay.errors import JuspayNotFound, JuspayUnavailable
from dashboard.juspay.types_payout import PayoutOrder as JuspayPayoutOrder
from dashboard.models import Merchant
from orders import rollups, sync_runs
from orders.bulk import Fetched, apply_fetched
from orders.models import (
    ChargedOrder,
    KpiBucket,
    Offer,
    Order,
    OrderUdf,
    PayoutOrder,
    Refund,
    RefundTurnaround,
    SplitDetail,
    SyncChunk,
    SyncRun,
    TimelineEvent,
    Transaction,
)
from orders.sync import apply_order, apply_payout_order, record_failure
from tests.juspay.examples import example

pytestmark = pytest.mark.django_db

VOLATILE = {"last_synced_at", "next_sync_at", "created_at", "updated_at"}  # set from the clock at write time


def _other_merchant() -> Merchant:
    return Merchant.objects.create(
        code="twin", name="Twin", base_url="http://127.0.0.1:9", api_key="k", merchant_id="twin_merchant"
    )


def _rows(model: type[models.Model], merchant_lookup: str, merchant: Merchant, since: datetime) -> list[Any]:
    """Every row of `model` belonging to `merchant`, as comparable tuples: keys and foreign keys replaced by the
    Juspay ids they name, clock-set columns dropped, times written during the test read as "now"."""
    out = []
    for row in model._default_manager.filter(**{merchant_lookup: merchant}):
        values = []
        for f in model._meta.concrete_fields:
            if f.primary_key or f.name in VOLATILE or f.name == "merchant":
                continue
            value = getattr(row, f.name)
            if isinstance(value, Order):
                value = value.order_id
            elif isinstance(value, PayoutOrder):
                value = value.payout_order_id
            elif isinstance(value, models.Model):
                value = type(value).__name__
            elif isinstance(value, datetime) and value >= since:
                value = "now"
            values.append((f.name, value))
        out.append(tuple(values))
    return sorted(out, key=repr)


def snapshot(merchant: Merchant, since: datetime) -> dict[str, list[Any]]:
    tables: list[tuple[type[models.Model], str]] = [
        (Order, "merchant"),
        (Transaction, "order__merchant"),
        (Refund, "order__merchant"),
        (Offer, "order__merchant"),
        (SplitDetail, "order__merchant"),
        (OrderUdf, "order__merchant"),
        (TimelineEvent, "order__merchant"),
        (ChargedOrder, "merchant"),
        (RefundTurnaround, "merchant"),
        (KpiBucket, "merchant"),
        (PayoutOrder, "merchant"),
    ]
    return {model.__name__: _rows(model, lookup, merchant, since) for model, lookup in tables}


def _answers(answer, fetched: datetime) -> list[Fetched]:
    """A batch with every case: new orders (plain, with refunds, with offers, split), a changed one (status and
    refunds moved), an unchanged one, a cached one Juspay now fails for, and one never cached that fails."""

    def ok(name: str, order_id: str, **changes: Any) -> Fetched:
        return Fetched(order_id, fetched, 0.01, parsed=answer(name, order_id=order_id, **changes))

    return [
        ok("order_status_charged.json", "NEW1"),
        ok("order_status_with_refunds.json", "NEW2"),
        ok("order_status_with_offers.json", "NEW3"),
        ok("order_status_split_settlement.json", "NEW4"),
        ok("order_status_with_refunds.json", "MOVED1"),
        ok("order_status_charged.json", "SAME1"),
        Fetched("GONE1", fetched, 0.01, error=JuspayUnavailable("Juspay: no answer within 1 s")),
        Fetched("NEVER1", fetched, 0.01, error=JuspayNotFound("order not found")),
    ]


def _cache_before(merchant: Merchant, answer, at: datetime) -> None:
    """What both merchants hold before the batch: MOVED1 still pending, SAME1 and GONE1 as Juspay says."""
    apply_order(merchant, answer("order_status_charged.json", order_id="MOVED1", status="PENDING_VBV"),
                source="import", fetched_at=at)  # fmt: skip
    apply_order(merchant, answer("order_status_charged.json", order_id="SAME1"), source="import", fetched_at=at)
    apply_order(merchant, answer("order_status_charged.json", order_id="GONE1"), source="import", fetched_at=at)


def _one_by_one(merchant: Merchant, batch: list[Fetched]) -> None:
    for item in batch:
        if item.parsed is not None:
            apply_order(merchant, item.parsed, source="juspay_poll", fetched_at=item.fetched_at)  # type: ignore[arg-type]
        else:
            assert item.error is not None
            record_failure(Order, merchant, "order_id", item.order_id, item.error)


def test_a_mixed_batch_leaves_the_same_database_as_syncing_each_answer_alone(merchant, answer):
    since = timezone.now()
    twin = _other_merchant()
    before, fetched = since - timedelta(minutes=10), since - timedelta(minutes=1)
    for m in (merchant, twin):
        _cache_before(m, answer, before)
    same_events = TimelineEvent.objects.filter(order__merchant=merchant, order__order_id="SAME1").count()

    report = apply_fetched(merchant, _answers(answer, fetched), source="juspay_poll")
    _one_by_one(twin, _answers(answer, fetched))

    assert report.synced == 6 and report.errors == 2
    assert set(report.failed) == {"GONE1", "NEVER1"}
    batched, alone = snapshot(merchant, since), snapshot(twin, since)
    for table in batched:
        assert batched[table] == alone[table], table
    # and the cases did what they should: the failure counted on the cached order, nothing made for NEVER1
    gone = Order.objects.get(merchant=merchant, order_id="GONE1")
    assert gone.sync_failures == 1 and "no answer" in gone.last_sync_error
    assert not Order.objects.filter(order_id="NEVER1").exists()
    assert TimelineEvent.objects.filter(order__merchant=merchant, order__order_id="MOVED1",
                                        kind="order.status_changed").count() == 1  # fmt: skip
    assert TimelineEvent.objects.filter(order__merchant=merchant, order__order_id="SAME1").count() == same_events
    # the KPI cells equal a rebuild from scratch (cells counted down to nothing are left as zero rows)
    cells = _cells()
    rollups.rebuild()
    assert _cells() == cells


def _cells() -> set[tuple[Any, ...]]:
    return {
        (b.merchant_id, b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount)
        for b in KpiBucket.objects.all()
        if b.count or b.amount
    }


def test_the_same_batch_applied_twice_changes_nothing_the_second_time(merchant, answer):
    fetched = timezone.now() - timedelta(minutes=1)
    apply_fetched(merchant, _answers(answer, fetched), source="juspay_poll")
    events, cells = TimelineEvent.objects.count(), list(KpiBucket.objects.order_by("pk").values_list("count"))
    again = apply_fetched(merchant, _answers(answer, timezone.now()), source="juspay_poll")
    assert again.changes == 0
    assert TimelineEvent.objects.count() == events
    assert list(KpiBucket.objects.order_by("pk").values_list("count")) == cells


def test_a_batch_that_breaks_while_written_leaves_nothing_half_applied(merchant, answer, monkeypatch, inline_tasks):
    """The new orders of a batch go in one transaction: when its last statement fails, none of their rows,
    children, events or cells stay, and the chunk records every id it did not apply."""

    def broken(pairs):
        raise RuntimeError("the KPI cells could not be written")

    monkeypatch.setattr(rollups, "add_new", broken)
    ids = ["NEW1", "NEW2"]
    run = sync_runs.start(merchant, SyncRun.Kind.IMPORT)
    fetched = timezone.now()
    monkeypatch.setattr(
        "orders.sync_runs.sync_many",
        lambda m, chunk_ids, **kw: apply_fetched(
            m,
            [Fetched(i, fetched, 0.01, parsed=answer("order_status_with_refunds.json", order_id=i)) for i in chunk_ids],
            source="import",
        ),  # fmt: skip
    )
    sync_runs.plan(run, ids, sync_runs.run_chunk)
    chunk = SyncChunk.objects.get(run=run)
    assert set(chunk.failed) == set(ids) and all("could not be written" in why for why in chunk.failed.values())
    for model in (Order, Transaction, Refund, TimelineEvent, KpiBucket, ChargedOrder, RefundTurnaround):
        assert not model._default_manager.exists(), model.__name__


def _payout(name: str, order_id: str, **changes: Any) -> JuspayPayoutOrder:
    data = {**example(name), "orderId": order_id, **changes}
    return JuspayPayoutOrder.parse(data)


def test_payout_orders_in_a_batch_end_as_if_synced_one_by_one(merchant):
    since = timezone.now()
    twin = _other_merchant()
    before, fetched = since - timedelta(minutes=10), since - timedelta(minutes=1)
    for m in (merchant, twin):
        apply_payout_order(m, _payout("payout_order_status_fulfillment.json", "PSAME1"), source="import",
                           fetched_at=before)  # fmt: skip
        apply_payout_order(m, _payout("payout_order_status_payment.json", "PGONE1"), source="import",
                           fetched_at=before)  # fmt: skip

    def batch() -> list[Fetched]:
        return [
            Fetched("PNEW1", fetched, 0.01, parsed=_payout("payout_order_status_fulfillment.json", "PNEW1")),
            Fetched("PNEW2", fetched, 0.01, parsed=_payout("payout_order_status_refund.json", "PNEW2")),
            Fetched("PSAME1", fetched, 0.01, parsed=_payout("payout_order_status_fulfillment.json", "PSAME1")),
            Fetched("PGONE1", fetched, 0.01, error=JuspayUnavailable("Juspay: no answer within 1 s")),
        ]

    report = apply_fetched(merchant, batch(), source="juspay_poll", payouts=True)
    for item in batch():
        if item.parsed is not None:
            apply_payout_order(twin, item.parsed, source="juspay_poll", fetched_at=fetched)  # type: ignore[arg-type]
        else:
            assert item.error is not None
            record_failure(PayoutOrder, twin, "payout_order_id", item.order_id, item.error)

    assert (report.synced, report.errors) == (3, 1)
    batched, alone = snapshot(merchant, since), snapshot(twin, since)
    assert batched["PayoutOrder"] == alone["PayoutOrder"]
    assert batched["KpiBucket"] == alone["KpiBucket"]
    assert PayoutOrder.objects.get(merchant=merchant, payout_order_id="PGONE1").sync_failures == 1
    assert PayoutOrder.objects.get(merchant=merchant, payout_order_id="PSAME1").last_fetch_started_at == fetched
