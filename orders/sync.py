"""Keep the cache equal to Juspay: apply one fetched answer idempotently, recording one event per real change.

orders.services fetches outside any transaction; `apply_order` / `apply_payout_order` then write under a row
lock on the order, so two workers syncing one order at once serialise: the second sees the first's result,
finds nothing new, and writes nothing. An answer fetched before the one already stored is ignored (`stale`),
so a slow worker never rolls an order back. What a column holds comes from orders.normalisers; the summaries
derived from statuses (refund and fulfilment state, `is_open`) from orders.derived_state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from dashboard.juspay.async_client import SameAnswer
from dashboard.juspay.errors import JuspayError
from dashboard.juspay.types_order import Order as JuspayOrder
from dashboard.juspay.types_payout import PayoutFulfillment
from dashboard.juspay.types_payout import PayoutOrder as JuspayPayoutOrder
from dashboard.models import Merchant
from orders import events, rollups
from orders.copy_insert import insert_rows, new_row
from orders.derived_state import fulfilment_state, order_is_open, payout_is_open, refund_state
from orders.events import Actor
from orders.freshness import next_sync_at
from orders.models import (
    Fulfillment,
    JuspayCopy,
    Offer,
    Order,
    OrderUdf,
    PayoutOrder,
    PayoutTransaction,
    Refund,
    SplitDetail,
    TimelineEvent,
    Transaction,
)
from orders.normalisers import (
    amount_text,
    fulfillment_columns,
    keep_full_gateway_response,
    offer_columns,
    offers_by_key,
    order_columns,
    payment_order_ids,
    payout_order_columns,
    payout_transaction_columns,
    payout_transactions_with_refs,
    refund_columns,
    refunds_by_key,
    split_columns,
    splits_by_vendor,
    text,
    transaction_rows,
    udf_slots,
)


@dataclass
class SyncResult[Row: (Order, PayoutOrder)]:
    """What one sync did: the cached row (None when Juspay failed before anything was cached), whether it was
    new, whether the answer was older than the one already applied, the timeline events written, and the
    Juspay failure, kept as its `JuspayError` so callers branch on its type (`JuspayNotFound`, ...)."""

    obj: Row | None
    created: bool = False
    stale: bool = False
    events: list[TimelineEvent] = field(default_factory=list)
    failure: JuspayError | None = None

    @property
    def error(self) -> str:
        """The failure in one line for people and logs ("" when Juspay answered)."""
        return failure_message(self.failure) if self.failure is not None else ""

    @property
    def changes(self) -> list[str]:
        return [f"{e.kind} {_describe(e.data)}".strip() for e in self.events]


def _describe(data: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in data.items() if v not in (None, ""))


def failure_message(error: JuspayError) -> str:
    return f"{type(error).__name__}: {error}"


def _lock_or_create[Row: (Order, PayoutOrder)](
    model: type[Row], lookup: dict[str, Any], defaults: dict[str, Any]
) -> tuple[Row, bool]:
    """The row locked for update, created first when missing (a concurrent creator makes us wait, then lock)."""
    row = model._default_manager.select_for_update().filter(**lookup).first()
    if row is not None:
        return row, False
    try:
        with transaction.atomic():
            return model._default_manager.create(**lookup, **defaults), True
    except IntegrityError:
        return model._default_manager.select_for_update().get(**lookup), False


def _update[Child: models.Model](row: Child, columns: dict[str, Any]) -> Child:
    for name, value in columns.items():
        setattr(row, name, value)
    row.save()
    return row


# --- payment orders -----------------------------------------------------------------------------


def _apply_refunds(order: Order, parsed: JuspayOrder, source: str, actor: Actor, created: bool) -> list[TimelineEvent]:
    found: list[TimelineEvent] = []
    existing = {} if created else {r.unique_request_id: r for r in order.refunds.all()}
    for key, refund in refunds_by_key(parsed).items():
        columns = refund_columns(refund)
        row = existing.get(key)
        if row is None:
            Refund.objects.create(order=order, unique_request_id=key, **columns)
            found.append(
                events.refund_created(
                    order,
                    key,
                    amount_text(refund.amount),
                    columns["status"],
                    source=source,
                    at=refund.created,
                    actor=actor,
                )
            )
            continue
        if refund.sent_to_gateway and not row.sent_to_gateway:
            found.append(events.refund_sent_to_gateway(order, key, source=source, actor=actor))
        if row.status != columns["status"]:
            found.append(
                events.refund_status_changed(
                    order, key, row.status, columns["status"], source=source, at=refund.pg_processed_at, actor=actor
                )
            )
        _update(row, columns)
    return found


def _apply_transactions(order: Order, parsed: JuspayOrder, created: bool) -> None:
    rows = transaction_rows(parsed)
    if created:
        Transaction.objects.bulk_create([Transaction(order=order, **columns) for columns in rows])
        return
    existing = {t.txn_id: t for t in order.transactions.all()}
    for columns in rows:
        row = existing.get(columns["txn_id"])
        if row is None:
            _update(Transaction(order=order), columns)
        else:
            _update(row, keep_full_gateway_response(row.raw, row.status, columns))


def _apply_offers(order: Order, parsed: JuspayOrder, source: str, actor: Actor, created: bool) -> list[TimelineEvent]:
    found: list[TimelineEvent] = []
    if not parsed.offers:
        return found
    existing = {} if created else {o.offer_id: o for o in order.offers.all()}
    for key, offer in offers_by_key(parsed).items():
        columns = offer_columns(offer)
        row = existing.get(key)
        if row is None:
            Offer.objects.create(order=order, offer_id=key, **columns)
            found.append(
                events.offer_added(order, columns["offer_code"], columns["status"], source=source, actor=actor)
            )
            continue
        if row.status != columns["status"]:
            found.append(
                events.offer_status_changed(
                    order, columns["offer_code"], row.status, columns["status"], source=source, actor=actor
                )
            )
        _update(row, columns)
    return found


def _apply_splits(order: Order, parsed: JuspayOrder, source: str, actor: Actor, created: bool) -> list[TimelineEvent]:
    wanted = splits_by_vendor(parsed)
    if created and not wanted:
        return []
    existing = {} if created else {s.sub_vendor_id: s for s in order.split_details.all()}
    before = {k: amount_text(s.amount) for k, s in existing.items()}
    after = {k: amount_text(d.amount) for k, d in wanted.items()}
    if before == after and all(existing[k].raw == d.model_dump(mode="json") for k, d in wanted.items()):
        return []
    order.split_details.exclude(sub_vendor_id__in=list(wanted)).delete()
    for key, detail in wanted.items():
        SplitDetail.objects.update_or_create(order=order, sub_vendor_id=key, defaults=split_columns(detail))
    if created or before == after:
        return []
    return [events.split_changed(order, before, after, source=source, actor=actor)]


def _apply_udfs(order: Order, before: dict[str, Any] | None) -> None:
    """Rewrite the udf search rows when the udfs changed (`before` is None for a new order)."""
    if before is not None and before == order.udfs:
        return
    if before:
        order.udf_values.all().delete()
    OrderUdf.objects.bulk_create(_udf_rows(order))


def _udf_rows(order: Order) -> list[OrderUdf]:
    return [new_row(OrderUdf, order=order, slot=slot, value=value) for slot, value in udf_slots(order.udfs)]


def _derive_order_state(order: Order, parsed: JuspayOrder) -> None:
    """The refund summary from the answer's refunds, then whether anything on the order still moves."""
    order.refund_state = refund_state(
        ((text(r.status), r.amount) for r in parsed.all_refunds),
        order.amount,
        effective_amount=order.effective_amount,
        refunded=bool(parsed.refunded),
    )
    order.is_open = order_is_open(order.status, order.refund_state, order.fulfilment_state)


def apply_order(
    merchant: Merchant, parsed: JuspayOrder, *, source: str, fetched_at: datetime, actor: Actor = None
) -> SyncResult[Order]:
    """Upsert one parsed Order Status answer; returns what changed. Idempotent."""
    with transaction.atomic():
        order, created = _lock_or_create(
            Order, {"merchant": merchant, "order_id": parsed.order_id}, {"status": parsed.status}
        )
        if not created and order.is_stale(fetched_at):
            return SyncResult(order, stale=True)
        if not created and order.raw == parsed.raw:
            order.mark_synced(fetched_at)  # the common case of a sweep: Juspay says what it said before
            order.answer_digest = parsed.answer_digest or order.answer_digest
            order.save(update_fields=[*JuspayCopy.SYNC_STAMP_FIELDS, "answer_digest"])
            return SyncResult(order)
        old_status, old_udfs = order.status, (None if created else dict(order.udfs or {}))
        kpi_before = None if created else rollups.facts_of(order)
        for name, value in order_columns(parsed).items():
            setattr(order, name, value)
        order.answer_digest = parsed.answer_digest  # "" when the answer's bytes are unknown (a webhook's order)
        found: list[TimelineEvent] = []
        if created:
            found.append(events.order_discovered(order, source=source, actor=actor))
        elif old_status != parsed.status:
            found.append(
                events.order_status_changed(
                    order, old_status, parsed.status, source=source, at=parsed.last_updated, actor=actor
                )
            )
        _apply_transactions(order, parsed, created)
        _apply_udfs(order, old_udfs)
        found += _apply_refunds(order, parsed, source, actor, created)
        found += _apply_offers(order, parsed, source, actor, created)
        found += _apply_splits(order, parsed, source, actor, created)
        _derive_order_state(order, parsed)
        order.mark_synced(fetched_at)
        order.save()
        TimelineEvent.objects.bulk_create(found)
        if created:
            adopt_payouts(merchant, [order])
        # Last: the rollup's shared rows are the last locks the transaction takes, so it never waits on another
        # order while holding them (no deadlock with a sync holding that order).
        rollups.apply_change(order, kpi_before, rollups.facts_of(order))
    return SyncResult(order, created=created, events=found)


Answers = list[tuple[JuspayOrder, datetime]]


STAMP_FIELDS = [
    "last_synced_at",
    "last_fetch_started_at",
    "last_sync_error",
    "sync_failures",
    "next_sync_at",
    "answer_digest",
]


@dataclass(frozen=True)
class Same:
    """An answer whose bytes have the digest stored with the order's last answer (`SameAnswer`): not parsed."""

    order_id: str
    answer: SameAnswer
    fetched_at: datetime


def mark_unchanged(merchant: Merchant, answers: Answers, same: Sequence[Same] = ()) -> tuple[Answers, Answers]:
    """Stamp "last synced" on every cached order whose answer is what we already hold: one locking read and
    one bulk UPDATE of the stamp columns for the whole batch, nothing else written (no content, no events, no
    rollups). Returns (changed, new): answers that need `apply_order`, and orders the cache does not have yet.
    An answer fetched before one already applied stamps nothing, so marks never move back.

    "What we hold": the same digest of the answer's bytes (`same`, or a parsed answer's `answer_digest`), else
    the same `raw` (read for those answers only). A `same` answer whose order's digest moved meanwhile (another
    worker applied a different answer) is parsed here and goes the way of the others."""
    return _mark_unchanged(Order, "order_id", merchant, answers, same, also=(), parse=SameAnswer.parse_order)


PayoutAnswers = list[tuple[JuspayPayoutOrder, datetime]]


def mark_unchanged_payouts(
    merchant: Merchant, answers: PayoutAnswers, same: Sequence[Same] = ()
) -> tuple[PayoutAnswers, PayoutAnswers]:
    """`mark_unchanged` for payout orders. A payout order not linked to a payment order yet whose answer names
    one is never "unchanged": `apply_payout_order` looks for the link again (the order may be cached by now)."""
    return _mark_unchanged(
        PayoutOrder, "payout_order_id", merchant, answers, same, also=("order",), parse=SameAnswer.parse_payout_order
    )


def _mark_unchanged[Row: (Order, PayoutOrder), Parsed: (JuspayOrder, JuspayPayoutOrder)](
    model: type[Row],
    key_field: str,
    merchant: Merchant,
    answers: list[tuple[Parsed, datetime]],
    same: Sequence[Same],
    *,
    also: tuple[str, ...],
    parse: Callable[[SameAnswer], Parsed],
) -> tuple[list[tuple[Parsed, datetime]], list[tuple[Parsed, datetime]]]:
    if not answers and not same:
        return [], []
    ids = [parsed.order_id for parsed, _ in answers] + [item.order_id for item in same]
    changed: list[tuple[Parsed, datetime]] = []
    new: list[tuple[Parsed, datetime]] = []
    now = timezone.now()
    with transaction.atomic():
        rows = {
            getattr(o, key_field): o
            for o in model._default_manager.select_for_update()
            .filter(merchant=merchant, **{f"{key_field}__in": ids})
            .order_by("pk")  # one lock order for every batch: two workers never deadlock on a pair
            .only("id", key_field, "answer_digest", "juspay_created_at", "is_open", "last_fetch_started_at", *also)
        }
        # (row, answer's digest, fetched at) of every answer found unchanged
        unchanged: list[tuple[Row, str, datetime]] = []
        answers = list(answers)
        for item in same:
            row = rows.get(item.order_id)
            if row is not None and row.answer_digest == item.answer.digest and not _maybe_unlinked(row):
                unchanged.append((row, item.answer.digest, item.fetched_at))
            else:  # moved on meanwhile, or a payout order whose link is looked for again: read it after all
                answers.append((parse(item.answer), item.fetched_at))
        compare = [
            rows[parsed.order_id].pk
            for parsed, _ in answers
            if parsed.order_id in rows and not _same_digest(rows[parsed.order_id], parsed)
        ]
        raws = dict(model._default_manager.filter(pk__in=compare).values_list("pk", "raw")) if compare else {}
        for parsed, fetched_at in answers:
            row = rows.get(parsed.order_id)
            if (
                row is None
                or not (_same_digest(row, parsed) or raws.get(row.pk) == parsed.raw)
                or _unlinked_payout(row, parsed)
            ):
                (changed if row else new).append((parsed, fetched_at))
                continue
            unchanged.append((row, parsed.answer_digest or row.answer_digest, fetched_at))
        stamped: list[Row] = []
        for row, digest, fetched_at in unchanged:
            if row.last_fetch_started_at is not None and row.last_fetch_started_at > fetched_at:
                continue  # a later answer is already applied
            row.last_synced_at, row.last_fetch_started_at = now, fetched_at
            row.last_sync_error, row.sync_failures = "", 0
            row.next_sync_at = next_sync_at(row.juspay_created_at, is_open=row.is_open, failures=0, now=now)
            row.answer_digest = digest
            stamped.append(row)
        stamp_synced(model, stamped, now)
    return changed, new


def _same_digest(row: Order | PayoutOrder, parsed: JuspayOrder | JuspayPayoutOrder) -> bool:
    return bool(parsed.answer_digest) and parsed.answer_digest == row.answer_digest


def _maybe_unlinked(row: Order | PayoutOrder) -> bool:
    """A payout order not linked to a payment order: its answer is parsed to see whether it names one."""
    return isinstance(row, PayoutOrder) and row.order_id is None


def _unlinked_payout(row: Order | PayoutOrder, parsed: JuspayOrder | JuspayPayoutOrder) -> bool:
    return (
        isinstance(row, PayoutOrder)
        and isinstance(parsed, JuspayPayoutOrder)
        and row.order_id is None
        and bool(payment_order_ids(parsed))
    )


def stamp_synced(model: type[Order] | type[PayoutOrder], rows: Sequence[Order | PayoutOrder], now: datetime) -> None:
    """Write the sync stamps set on `rows` (`last_synced_at` = `now`, no error, their own fetch start, next
    sync and answer digest): on PostgreSQL one UPDATE joined to four arrays (Django's `bulk_update` builds a
    CASE per column and row, which cost a re-sync more Python than everything else it does); elsewhere
    `bulk_update`."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(rows, STAMP_FIELDS, batch_size=500)  # type: ignore[arg-type]
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS o SET last_synced_at = %s, last_sync_error = '', sync_failures = 0, "  # noqa: S608
            "last_fetch_started_at = v.fetched, next_sync_at = v.next, answer_digest = v.digest "
            "FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[], %s::varchar[]) "
            "AS v(id, fetched, next, digest) WHERE o.id = v.id",
            [
                now,
                [row.pk for row in rows],
                [row.last_fetch_started_at for row in rows],
                [row.next_sync_at for row in rows],
                [row.answer_digest for row in rows],
            ],
        )


@dataclass
class _NewRows:
    """The rows `create_orders` inserts, per table, in insertion order (children after their orders)."""

    orders: list[Order] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    splits: list[SplitDetail] = field(default_factory=list)
    udfs: list[OrderUdf] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)


def create_orders(merchant: Merchant, answers: Answers, *, source: str) -> int:
    """Insert orders the cache has never seen, with their children and timeline events, in a handful of
    statements (bulk sync's first import). Raises IntegrityError, inserting nothing, when one of them
    appeared meanwhile; the caller then falls back to `apply_order`. Returns the number of events."""
    new = _NewRows()
    for parsed, fetched_at in answers:
        order = new_row(
            Order,
            merchant=merchant,
            order_id=parsed.order_id,
            answer_digest=parsed.answer_digest,
            **order_columns(parsed),
        )
        _derive_order_state(order, parsed)
        order.mark_synced(fetched_at)
        new.orders.append(order)
        new.events.append(events.order_discovered(order, source=source))
        txns = {columns["txn_id"]: columns for columns in transaction_rows(parsed)}
        new.transactions += [new_row(Transaction, order=order, **columns) for columns in txns.values()]
        new.udfs += _udf_rows(order)
        for key, refund in refunds_by_key(parsed).items():
            new.refunds.append(new_row(Refund, order=order, unique_request_id=key, **refund_columns(refund)))
            new.events.append(
                events.refund_created(
                    order, key, amount_text(refund.amount), text(refund.status), source=source, at=refund.created
                )
            )
        for key, offer in offers_by_key(parsed).items():
            new.offers.append(new_row(Offer, order=order, offer_id=key, **offer_columns(offer)))
            new.events.append(events.offer_added(order, text(offer.offer_code), text(offer.status), source=source))
        for key, detail in splits_by_vendor(parsed).items():
            new.splits.append(new_row(SplitDetail, order=order, sub_vendor_id=key, **split_columns(detail)))
    with transaction.atomic():
        insert_rows(Order, new.orders)  # COPY on PostgreSQL (orders.copy_insert), children after their orders
        insert_rows(Transaction, new.transactions)
        insert_rows(Refund, new.refunds)
        insert_rows(Offer, new.offers)
        insert_rows(SplitDetail, new.splits)
        insert_rows(OrderUdf, new.udfs)
        insert_rows(TimelineEvent, new.events)
        adopt_payouts(merchant, new.orders)
        refunds_of: dict[int, list[Refund]] = {}
        for row in new.refunds:
            refunds_of.setdefault(id(row.order), []).append(row)
        offers_of: dict[int, list[Offer]] = {}
        for offer_row in new.offers:
            offers_of.setdefault(id(offer_row.order), []).append(offer_row)
        splits_of: dict[int, list[SplitDetail]] = {}
        for split_row in new.splits:
            splits_of.setdefault(id(split_row.order), []).append(split_row)
        rollups.add_new(
            [
                (o, rollups.facts_of(o, refunds_of.get(id(o), []), offers_of.get(id(o), []), splits_of.get(id(o), [])))
                for o in new.orders
            ]
        )
    return len(new.events)


def record_failure(
    model: type[Order] | type[PayoutOrder], merchant: Merchant, key_field: str, key: str, error: JuspayError
) -> str:
    """Note a failed sync on a cached row (if any) and push its next try back. Returns the message."""
    message = failure_message(error)
    with transaction.atomic():
        row = model._default_manager.select_for_update().filter(merchant=merchant, **{key_field: key}).first()
        if row is not None:
            row.mark_failed(message)
            row.save(update_fields=["last_sync_error", "sync_failures", "next_sync_at"])
    return message


# --- payout orders ------------------------------------------------------------------------------


def linked_order(merchant: Merchant, parsed: JuspayPayoutOrder) -> Order | None:
    """The payment order a payout order belongs to, by the one field Juspay documents for it: a `payments[]`
    item's `id`, "Unique ID generated by Juspay for the payment order" (payout Order Status v3.2,
    https://juspay.io/api-reference/docs/payout/order-status), which is Order Status's `id` of that order
    (https://juspay.io/api-reference/docs/express-checkout/order-status-api), cached as `Order.juspay_id`.
    Nothing else links them: no Juspay page says udf1 or a shared order id names a payment order, so a payout
    without payments[] belongs to none (its page shows the customer's other orders instead). When several
    payments name different orders, the first one cached is the link (the payout page lists them all)."""
    ids = payment_order_ids(parsed)
    if not ids:
        return None
    rank = {juspay_id: i for i, juspay_id in enumerate(ids)}
    found = list(Order.objects.filter(merchant=merchant, juspay_id__in=ids))
    return min(found, key=lambda o: rank[o.juspay_id], default=None)


def apply_payout_order(
    merchant: Merchant, parsed: JuspayPayoutOrder, *, source: str, fetched_at: datetime, actor: Actor = None
) -> SyncResult[PayoutOrder]:
    """Upsert one parsed payout Order Status answer and its fulfilments, then the linked order's fulfilment state."""
    with transaction.atomic():
        payout, created = _lock_or_create(
            PayoutOrder, {"merchant": merchant, "payout_order_id": parsed.order_id}, {"status": parsed.status}
        )
        if not created and payout.is_stale(fetched_at):
            return SyncResult(payout, stale=True)
        old_status = payout.status
        old_order_pk = payout.order_id
        kpi_before = None if created else rollups.payout_facts(payout)
        payout.order = linked_order(merchant, parsed)
        for name, value in payout_order_columns(parsed).items():
            setattr(payout, name, value)
        payout.answer_digest = parsed.answer_digest
        found: list[TimelineEvent] = []
        if created:
            found.append(events.payout_discovered(payout, source=source, actor=actor))
        elif old_status != parsed.status:
            found.append(
                events.payout_status_changed(
                    payout, old_status, parsed.status, source=source, at=parsed.updated_at, actor=actor
                )
            )
        found += _apply_fulfillments(payout, parsed, source, actor)
        payout.is_open = payout_is_open(payout.status, payout.fulfillments.values_list("status", flat=True))
        payout.mark_synced(fetched_at)
        payout.save()
        TimelineEvent.objects.bulk_create(found)
        for order_pk in {old_order_pk, payout.order_id}:  # the order it left, and the one it names
            if order_pk is not None:
                _refresh_order_fulfilment_state(order_pk)
        rollups.apply_payout_change(kpi_before, rollups.payout_facts(payout))  # last locks (see apply_order)
    return SyncResult(payout, created=created, events=found)


def adopt_payouts(merchant: Merchant, orders: list[Order]) -> None:
    """Payment orders newly cached: link the payout orders synced before them whose `payments[]` name them (the
    documented link of `linked_order`). Only unlinked payout orders of the same customers are read (indexed);
    one whose customer id differs is linked at its own next sync, which applies `linked_order` in full."""
    by_juspay_id = {o.juspay_id: o for o in orders if o.juspay_id and o.customer_id}
    if not by_juspay_id:
        return
    customers = {o.customer_id for o in by_juspay_id.values()}
    waiting = PayoutOrder.objects.filter(merchant=merchant, customer_id__in=customers, order__isnull=True)
    adopted: dict[int, list[int]] = {}
    for payout in waiting.only("pk", "raw"):
        items = (payout.raw or {}).get("payments") or []
        named = [
            by_juspay_id[str(i.get("id"))] for i in items if isinstance(i, dict) and str(i.get("id")) in by_juspay_id
        ]
        if named:
            adopted.setdefault(named[0].pk, []).append(payout.pk)
    for order_pk, payout_pks in adopted.items():
        PayoutOrder.objects.filter(pk__in=payout_pks).update(order_id=order_pk)
        _refresh_order_fulfilment_state(order_pk)


def _apply_fulfillments(
    payout: PayoutOrder, parsed: JuspayPayoutOrder, source: str, actor: Actor
) -> list[TimelineEvent]:
    found: list[TimelineEvent] = []
    existing = {f.fulfillment_id: f for f in payout.fulfillments.all()}
    for item in parsed.fulfillments:
        key = text(item.id)
        columns = fulfillment_columns(item)
        row = existing.get(key)
        if row is None:
            row = Fulfillment.objects.create(payout_order=payout, fulfillment_id=key, **columns)
            found.append(events.fulfillment_created(row, source=source, actor=actor))
        else:
            if row.status != columns["status"]:
                found.append(
                    events.fulfillment_status_changed(
                        row, row.status, columns["status"], source=source, at=item.status_updated_at, actor=actor
                    )
                )
            _update(row, columns)
        _apply_payout_transactions(row, item)
    return found


def _apply_payout_transactions(fulfillment: Fulfillment, item: PayoutFulfillment) -> None:
    existing = {t.transaction_ref: t for t in fulfillment.transactions.all()}
    for key, txn in payout_transactions_with_refs(item):
        row = existing.get(key) or PayoutTransaction(fulfillment=fulfillment, transaction_ref=key)
        _update(row, payout_transaction_columns(txn))


def _refresh_order_fulfilment_state(order_pk: int) -> None:
    order = Order.objects.select_for_update().get(pk=order_pk)
    statuses = Fulfillment.objects.filter(payout_order__order_id=order_pk).values_list("status", flat=True)
    order.fulfilment_state = fulfilment_state(statuses)
    order.is_open = order_is_open(order.status, order.refund_state, order.fulfilment_state)
    order.next_sync_at = next_sync_at(order.juspay_created_at, is_open=order.is_open, failures=order.sync_failures)
    order.save(update_fields=["fulfilment_state", "is_open", "next_sync_at"])
