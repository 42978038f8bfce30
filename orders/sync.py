"""Keep the cache equal to Juspay: fetch, then upsert idempotently and record one event per real change.

`sync_order` / `sync_payout_order` fetch outside any transaction, then `apply_order` / `apply_payout_order`
write under a row lock on the order, so two workers syncing one order at once serialise: the second sees
the first's result, finds nothing new, and writes nothing. An answer fetched before the one already
stored is ignored (`stale`), so a slow worker never rolls an order back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dashboard.juspay.enums import OrderStatus, PayoutFulfillmentStatus, PayoutOrderStatus, RefundStatus
from dashboard.juspay.errors import JuspayError
from dashboard.juspay.types_base import JuspayModel
from dashboard.juspay.types_order import Order as JuspayOrder
from dashboard.juspay.types_order import PaymentGatewayResponse, TxnDetail
from dashboard.juspay.types_order import Refund as JuspayRefund
from dashboard.juspay.types_payout import PayoutFulfillment
from dashboard.juspay.types_payout import PayoutOrder as JuspayPayoutOrder
from dashboard.models import Merchant
from orders import events
from orders.freshness import next_sync_at
from orders.models import (
    Fulfillment,
    FulfilmentState,
    Offer,
    Order,
    PayoutOrder,
    PayoutTransaction,
    Refund,
    RefundState,
    SplitDetail,
    TimelineEvent,
    Transaction,
)


@dataclass
class SyncResult:
    obj: Order | PayoutOrder | None
    created: bool = False
    stale: bool = False
    events: list[TimelineEvent] = field(default_factory=list)
    error: str = ""

    @property
    def changes(self) -> list[str]:
        return [f"{e.kind} {_describe(e.data)}".strip() for e in self.events]


def _describe(data: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in data.items() if v not in (None, ""))


# --- small field helpers --------------------------------------------------------------------------


def normalize_email(value: str | None) -> str:
    return (value or "").strip().lower()


def normalize_phone(value: str | None) -> str:
    """Digits only, the last ten (Indian mobile numbers come with or without +91 / 0)."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-10:]


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _unknown(parsed: JuspayModel) -> list[str]:
    return [*parsed.unknown_fields(), *(f"{u.path}={u.value}" for u in parsed.unknown_values())]


# --- locking ------------------------------------------------------------------------------------


def _is_stale(row: Order | PayoutOrder, fetched_at: datetime) -> bool:
    """Was this answer fetched before the one already applied?"""
    return bool(row.last_fetch_started_at and fetched_at < row.last_fetch_started_at)


def _lock_or_create(model: type, lookup: dict[str, Any], defaults: dict[str, Any]) -> tuple[Any, bool]:
    """The row locked for update, created first when missing (a concurrent creator makes us wait, then lock)."""
    row = model.objects.select_for_update().filter(**lookup).first()
    if row is not None:
        return row, False
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **defaults), True
    except IntegrityError:
        return model.objects.select_for_update().get(**lookup), False


# --- orders -------------------------------------------------------------------------------------


def refund_state(refunds: list[Refund], order_amount: Decimal | None) -> str:
    if not refunds:
        return RefundState.NONE
    statuses = {r.status for r in refunds}
    if RefundStatus.MANUAL_REVIEW in statuses:
        return RefundState.REVIEW
    if RefundStatus.PENDING in statuses or not statuses <= set(RefundStatus):
        return RefundState.PENDING
    succeeded = sum((r.amount or Decimal(0) for r in refunds if r.status == RefundStatus.SUCCESS), Decimal(0))
    if succeeded == 0:
        return RefundState.FAILED
    if order_amount is not None and succeeded >= order_amount:
        return RefundState.FULL
    return RefundState.PARTIAL


def order_is_open(status: str, refund_st: str, fulfilment_st: str) -> bool:
    info = OrderStatus.lookup(status)
    payment_moving = info is None or info.terminal is not True
    return (
        payment_moving
        or refund_st in {RefundState.PENDING, RefundState.REVIEW}
        or fulfilment_st in {FulfilmentState.OPEN, FulfilmentState.REVIEW}
    )


def _order_fields(parsed: JuspayOrder) -> dict[str, Any]:
    detail = parsed.txn_detail or (parsed.txn_list[0].txn_detail if parsed.txn_list else None)
    split = parsed.split_settlement_response
    return {
        "juspay_id": _s(parsed.id),
        "status": parsed.status,
        "status_id": parsed.status_id,
        "amount": parsed.amount,
        "effective_amount": parsed.effective_amount,
        "currency": _s(parsed.currency),
        "customer_id": _s(parsed.customer_id),
        "customer_email": _s(parsed.customer_email),
        "customer_phone": _s(parsed.customer_phone),
        "email_normalized": normalize_email(parsed.customer_email),
        "phone_normalized": normalize_phone(parsed.customer_phone),
        "payment_method_type": _s(parsed.payment_method_type),
        "payment_method": _s(parsed.payment_method),
        "gateway": _s(detail.gateway if detail else ""),
        "txn_id": _s(parsed.txn_id),
        "txn_uuid": _s(parsed.txn_uuid),
        "juspay_created_at": parsed.date_created,
        "juspay_updated_at": parsed.last_updated,
        "refunded": bool(parsed.refunded),
        "amount_refunded": parsed.amount_refunded,
        "max_eligible_refund": parsed.maximum_eligible_refund_amount,
        "udfs": {f"udf{i}": v for i in range(1, 11) if (v := getattr(parsed, f"udf{i}"))},
        "split_applied": split.split_applied if split else None,
        "raw": parsed.raw,
        "unknown": _unknown(parsed),
    }


def _transactions(parsed: JuspayOrder) -> list[dict[str, Any]]:
    """One row per transaction: each split-payment leg, or the order's single transaction."""
    legs: list[tuple[Any, TxnDetail | None, PaymentGatewayResponse | None]] = (
        [(t, t.txn_detail, t.payment_gateway_response) for t in parsed.txn_list]
        if parsed.txn_list
        else [(parsed, parsed.txn_detail, parsed.payment_gateway_response)]
    )
    rows = []
    for source, detail, pgr in legs:
        txn_id = _s(getattr(source, "txn_id", None) or (detail.txn_id if detail else ""))
        if not txn_id:
            continue
        rows.append(
            {
                "txn_id": txn_id,
                "txn_uuid": _s(getattr(source, "txn_uuid", None) or (detail.txn_uuid if detail else "")),
                "status": _s(detail.status if detail and detail.status else getattr(source, "status", "")),
                "gateway": _s(detail.gateway if detail else ""),
                "gateway_id": detail.gateway_id if detail else None,
                "amount": detail.txn_amount if detail else None,
                "net_amount": detail.net_amount if detail else None,
                "currency": _s(detail.currency if detail else ""),
                "payment_method_type": _s(getattr(source, "payment_method_type", "")),
                "payment_method": _s(getattr(source, "payment_method", "")),
                "rrn": _s(pgr.rrn if pgr else ""),
                "epg_txn_id": _s(pgr.epg_txn_id if pgr else ""),
                "error_code": _s(detail.error_code if detail else ""),
                "error_message": _s(detail.error_message if detail else ""),
                "created": detail.created if detail else None,
                "raw": {
                    "txn_detail": detail.model_dump(mode="json") if detail else None,
                    "payment_gateway_response": pgr.model_dump(mode="json") if pgr else None,
                },
            }
        )
    return rows


def _refund_key(refund: JuspayRefund, index: int) -> str:
    return _s(refund.unique_request_id or refund.id or (f"ref:{refund.ref}" if refund.ref else f"index:{index}"))


def _refunds_by_key(parsed: JuspayOrder) -> dict[str, JuspayRefund]:
    return {_refund_key(refund, index): refund for index, refund in enumerate(parsed.all_refunds)}


def _refund_values(refund: JuspayRefund) -> dict[str, Any]:
    return {
        "juspay_refund_id": _s(refund.id),
        "ref": _s(refund.ref),
        "amount": refund.amount,
        "status": _s(refund.status),
        "sent_to_gateway": refund.sent_to_gateway,
        "refund_type": _s(refund.refund_type),
        "error_code": _s(refund.error_code),
        "error_message": _s(refund.error_message),
        "arn": _s(refund.arn),
        "created": refund.created,
        "processed_at": refund.pg_processed_at,
        "raw": refund.model_dump(mode="json"),
    }


def _offers_by_key(parsed: JuspayOrder) -> dict[str, Any]:
    return {_s(offer.offer_id or offer.offer_code): offer for offer in parsed.offers}


def _offer_values(offer: Any) -> dict[str, Any]:
    return {
        "offer_code": _s(offer.offer_code),
        "status": _s(offer.status),
        "benefits": [b.model_dump(mode="json") for b in offer.benefits],
        "raw": offer.model_dump(mode="json"),
    }


def _apply_refunds(order: Order, parsed: JuspayOrder, source: str, actor: Any, created: bool) -> list[TimelineEvent]:
    found: list[TimelineEvent] = []
    existing = {} if created else {r.unique_request_id: r for r in order.refunds.all()}
    for key, refund in _refunds_by_key(parsed).items():
        values = _refund_values(refund)
        row = existing.get(key)
        if row is None:
            Refund.objects.create(order=order, unique_request_id=key, **values)
            found.append(
                events.refund_created(
                    order, key, _money(refund.amount), values["status"], source=source, at=refund.created, actor=actor
                )
            )
            continue
        if refund.sent_to_gateway and not row.sent_to_gateway:
            found.append(events.refund_sent_to_gateway(order, key, source=source, actor=actor))
        if row.status != values["status"]:
            found.append(
                events.refund_status_changed(
                    order, key, row.status, values["status"], source=source, at=refund.pg_processed_at, actor=actor
                )
            )
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    return found


def _apply_transactions(order: Order, parsed: JuspayOrder, created: bool) -> None:
    rows = _transactions(parsed)
    if created:
        Transaction.objects.bulk_create([Transaction(order=order, **values) for values in rows])
        return
    existing = {t.txn_id: t for t in order.transactions.all()}
    for values in rows:
        row = existing.get(values["txn_id"]) or Transaction(order=order)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()


def _apply_offers(order: Order, parsed: JuspayOrder, source: str, actor: Any, created: bool) -> list[TimelineEvent]:
    found: list[TimelineEvent] = []
    if not parsed.offers:
        return found
    existing = {} if created else {o.offer_id: o for o in order.offers.all()}
    for key, offer in _offers_by_key(parsed).items():
        values = _offer_values(offer)
        row = existing.get(key)
        if row is None:
            Offer.objects.create(order=order, offer_id=key, **values)
            found.append(events.offer_added(order, values["offer_code"], values["status"], source=source, actor=actor))
            continue
        if row.status != values["status"]:
            found.append(
                events.offer_status_changed(
                    order, values["offer_code"], row.status, values["status"], source=source, actor=actor
                )
            )
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    return found


def _apply_splits(order: Order, parsed: JuspayOrder, source: str, actor: Any, created: bool) -> list[TimelineEvent]:
    split = parsed.split_settlement_response
    wanted = {_s(d.sub_vendor_id): d for d in (split.split_details if split else [])}
    if created and not wanted:
        return []
    existing = {} if created else {s.sub_vendor_id: s for s in order.split_details.all()}
    before = {k: _money(s.amount) for k, s in existing.items()}
    after = {k: _money(d.amount) for k, d in wanted.items()}
    if before == after and all(existing[k].raw == d.model_dump(mode="json") for k, d in wanted.items()):
        return []
    order.split_details.exclude(sub_vendor_id__in=list(wanted)).delete()
    for key, detail in wanted.items():
        SplitDetail.objects.update_or_create(
            order=order,
            sub_vendor_id=key,
            defaults={
                "amount": detail.amount,
                "merchant_commission": detail.merchant_commission,
                "raw": detail.model_dump(mode="json"),
            },
        )
    if created or before == after:
        return []
    return [events.split_changed(order, before, after, source=source, actor=actor)]


def apply_order(
    merchant: Merchant, parsed: JuspayOrder, *, source: str, fetched_at: datetime, actor: Any = None
) -> SyncResult:
    """Upsert one parsed Order Status answer; returns what changed. Idempotent."""
    with transaction.atomic():
        order, created = _lock_or_create(
            Order, {"merchant": merchant, "order_id": parsed.order_id}, {"status": parsed.status}
        )
        if not created and _is_stale(order, fetched_at):
            return SyncResult(order, stale=True)
        if not created and order.raw == parsed.raw:
            _mark_fresh(order, fetched_at)  # the common case of a sweep: Juspay says what it said before
            return SyncResult(order)
        old_status = order.status
        for name, value in _order_fields(parsed).items():
            setattr(order, name, value)
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
        found += _apply_refunds(order, parsed, source, actor, created)
        found += _apply_offers(order, parsed, source, actor, created)
        found += _apply_splits(order, parsed, source, actor, created)
        _finish(order, fetched_at)
        order.refund_state = refund_state(_refund_rows(parsed), order.amount)
        order.is_open = order_is_open(order.status, order.refund_state, order.fulfilment_state)
        order.next_sync_at = next_sync_at(order.juspay_created_at, is_open=order.is_open, failures=0)
        order.save()
        TimelineEvent.objects.bulk_create(found)
    return SyncResult(order, created=created, events=found)


Answers = list[tuple[JuspayOrder, datetime]]


def mark_unchanged(merchant: Merchant, answers: Answers) -> tuple[Answers, Answers]:
    """Stamp "last synced" on every cached order whose answer is what we already hold, in one transaction.
    Returns (changed, new): answers that need `apply_order`, and orders the cache does not have yet. Each
    stamp is a conditional UPDATE, so an answer fetched before one already applied never moves marks back."""
    if not answers:
        return [], []
    ids = [parsed.order_id for parsed, _ in answers]
    rows = {
        o.order_id: o
        for o in Order.objects.filter(merchant=merchant, order_id__in=ids).only(
            "id", "order_id", "raw", "juspay_created_at", "is_open"
        )
    }
    changed, new, now = [], [], timezone.now()
    with transaction.atomic():
        for parsed, fetched_at in answers:
            row = rows.get(parsed.order_id)
            if row is None or row.raw != parsed.raw:
                (changed if row else new).append((parsed, fetched_at))
                continue
            Order.objects.filter(pk=row.pk).filter(
                Q(last_fetch_started_at__isnull=True) | Q(last_fetch_started_at__lte=fetched_at)
            ).update(
                last_synced_at=now,
                last_fetch_started_at=fetched_at,
                last_sync_error="",
                sync_failures=0,
                next_sync_at=next_sync_at(row.juspay_created_at, is_open=row.is_open, failures=0, now=now),
            )
    return changed, new


def create_orders(merchant: Merchant, answers: Answers, *, source: str) -> int:
    """Insert orders the cache has never seen, with their children and timeline events, in a handful of
    statements (bulk sync's first import). Raises IntegrityError, inserting nothing, when one of them
    appeared meanwhile; the caller then falls back to `apply_order`. Returns the number of events."""
    orders: list[Order] = []
    children: dict[type, list[Any]] = {Transaction: [], Refund: [], Offer: [], SplitDetail: [], TimelineEvent: []}
    for parsed, fetched_at in answers:
        order = Order(merchant=merchant, order_id=parsed.order_id, **_order_fields(parsed))
        _finish(order, fetched_at)
        order.refund_state = refund_state(_refund_rows(parsed), order.amount)
        order.is_open = order_is_open(order.status, order.refund_state, order.fulfilment_state)
        order.next_sync_at = next_sync_at(order.juspay_created_at, is_open=order.is_open, failures=0)
        orders.append(order)
        children[TimelineEvent].append(events.order_discovered(order, source=source))
        txns = {values["txn_id"]: values for values in _transactions(parsed)}
        children[Transaction] += [Transaction(order=order, **values) for values in txns.values()]
        for key, refund in _refunds_by_key(parsed).items():
            children[Refund].append(Refund(order=order, unique_request_id=key, **_refund_values(refund)))
            children[TimelineEvent].append(
                events.refund_created(
                    order, key, _money(refund.amount), _s(refund.status), source=source, at=refund.created
                )
            )
        for key, offer in _offers_by_key(parsed).items():
            children[Offer].append(Offer(order=order, offer_id=key, **_offer_values(offer)))
            children[TimelineEvent].append(
                events.offer_added(order, _s(offer.offer_code), _s(offer.status), source=source)
            )
        split = parsed.split_settlement_response
        for key, detail in {_s(d.sub_vendor_id): d for d in (split.split_details if split else [])}.items():
            children[SplitDetail].append(
                SplitDetail(
                    order=order,
                    sub_vendor_id=key,
                    amount=detail.amount,
                    merchant_commission=detail.merchant_commission,
                    raw=detail.model_dump(mode="json"),
                )
            )
    with transaction.atomic():
        Order.objects.bulk_create(orders)
        for model, rows in children.items():
            model.objects.bulk_create(rows, batch_size=500)
    return len(children[TimelineEvent])


def _refund_rows(parsed: JuspayOrder) -> list[Refund]:
    return [Refund(status=_s(r.status), amount=r.amount) for r in parsed.all_refunds]


def _mark_fresh(order: Order, fetched_at: datetime) -> None:
    _finish(order, fetched_at)
    order.next_sync_at = next_sync_at(order.juspay_created_at, is_open=order.is_open, failures=0)
    order.save(
        update_fields=["last_synced_at", "last_fetch_started_at", "last_sync_error", "sync_failures", "next_sync_at"]
    )


def _finish(obj: Order | PayoutOrder, fetched_at: datetime) -> None:
    obj.last_synced_at = timezone.now()
    obj.last_fetch_started_at = fetched_at
    obj.last_sync_error = ""
    obj.sync_failures = 0


def record_failure(model: type, merchant: Merchant, key_field: str, key: str, error: JuspayError) -> str:
    """Note a failed sync on a cached row (if any) and push its next try back. Returns the message."""
    message = f"{type(error).__name__}: {error}"
    with transaction.atomic():
        row = model.objects.select_for_update().filter(merchant=merchant, **{key_field: key}).first()
        if row is not None:
            row.last_sync_error = message[:2000]
            row.sync_failures += 1
            created = getattr(row, "juspay_created_at", None)
            row.next_sync_at = next_sync_at(created, is_open=row.is_open, failures=row.sync_failures)
            row.save(update_fields=["last_sync_error", "sync_failures", "next_sync_at"])
    return message


# --- payout orders ------------------------------------------------------------------------------


def fulfilment_state(statuses: list[str]) -> str:
    if not statuses:
        return FulfilmentState.NONE
    s = set(statuses)
    if PayoutFulfillmentStatus.MANUAL_REVIEW in s:
        return FulfilmentState.REVIEW
    done = {PayoutFulfillmentStatus.SUCCESS}
    closed = done | {
        PayoutFulfillmentStatus.FAILURE,
        PayoutFulfillmentStatus.CANCELLED,
        PayoutFulfillmentStatus.DISCARDED,
    }
    if not s <= closed:
        return FulfilmentState.OPEN
    return FulfilmentState.DONE if s & done else FulfilmentState.FAILED


def _linked_order(merchant: Merchant, parsed: JuspayPayoutOrder) -> Order | None:
    """The payment order a payout belongs to: named by a payment item or udf1, or sharing the order id."""
    candidates = [p.order_id for p in parsed.payments if p.order_id] + [parsed.order_id]
    if parsed.raw.get("udf1"):
        candidates.append(str(parsed.raw["udf1"]))
    return Order.objects.filter(merchant=merchant, order_id__in=candidates).first()


def apply_payout_order(
    merchant: Merchant, parsed: JuspayPayoutOrder, *, source: str, fetched_at: datetime, actor: Any = None
) -> SyncResult:
    with transaction.atomic():
        payout, created = _lock_or_create(
            PayoutOrder, {"merchant": merchant, "payout_order_id": parsed.order_id}, {"status": parsed.status}
        )
        if not created and _is_stale(payout, fetched_at):
            return SyncResult(payout, stale=True)
        old_status = payout.status
        payout.order = payout.order or _linked_order(merchant, parsed)
        payout.status = parsed.status
        payout.type = _s(parsed.type)
        payout.amount = parsed.amount
        payout.customer_id = _s(parsed.customer_id)
        payout.juspay_created_at, payout.juspay_updated_at = parsed.created_at, parsed.updated_at
        payout.udfs = {k: v for k, v in parsed.raw.items() if k.startswith("udf") and v}
        payout.raw, payout.unknown = parsed.raw, _unknown(parsed)
        found: list[TimelineEvent] = []
        if created:
            found.append(events.payout_discovered(payout, source=source, actor=actor))
        elif old_status != parsed.status:
            found.append(
                events.payout_status_changed(
                    payout, old_status, parsed.status, source=source, at=parsed.updated_at, actor=actor
                )
            )
        found += _apply_fulfilments(payout, parsed, source, actor)
        statuses = list(payout.fulfillments.values_list("status", flat=True))
        info = PayoutOrderStatus.lookup(payout.status)
        payout.is_open = (
            info is None
            or info.outcome == "pending"
            or fulfilment_state(statuses) in {FulfilmentState.OPEN, FulfilmentState.REVIEW}
        )
        _finish(payout, fetched_at)
        payout.next_sync_at = next_sync_at(payout.juspay_created_at, is_open=payout.is_open, failures=0)
        payout.save()
        TimelineEvent.objects.bulk_create(found)
        if payout.order_id:
            _refresh_order_fulfilment_state(payout.order_id)
    return SyncResult(payout, created=created, events=found)


def _apply_fulfilments(payout: PayoutOrder, parsed: JuspayPayoutOrder, source: str, actor: Any) -> list[TimelineEvent]:
    found: list[TimelineEvent] = []
    existing = {f.fulfillment_id: f for f in payout.fulfillments.all()}
    for item in parsed.fulfillments:
        key = _s(item.id)
        beneficiary = item.beneficiary_details
        values = {
            "status": _s(item.status),
            "amount": item.amount,
            "beneficiary_type": _s(beneficiary.type if beneficiary else ""),
            "beneficiary": beneficiary.model_dump(mode="json") if beneficiary else {},
            "method": _s(item.transactions[-1].fulfillment_method if item.transactions else ""),
            "juspay_created_at": item.created_at,
            "status_updated_at": item.status_updated_at,
            "raw": item.model_dump(mode="json"),
        }
        row = existing.get(key)
        if row is None:
            row = Fulfillment.objects.create(payout_order=payout, fulfillment_id=key, **values)
            found.append(events.fulfilment_created(row, source=source, actor=actor))
        else:
            if row.status != values["status"]:
                found.append(
                    events.fulfilment_status_changed(
                        row, row.status, values["status"], source=source, at=item.status_updated_at, actor=actor
                    )
                )
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
        _apply_payout_transactions(row, item)
    return found


def _apply_payout_transactions(fulfilment: Fulfillment, item: PayoutFulfillment) -> None:
    existing = {t.transaction_ref: t for t in fulfilment.transactions.all()}
    for index, txn in enumerate(item.transactions):
        key = _s(txn.transaction_ref) or f"index:{index}"
        row = existing.get(key) or PayoutTransaction(fulfillment=fulfilment, transaction_ref=key)
        row.status, row.amount, row.method = _s(txn.status), txn.amount, _s(txn.fulfillment_method)
        row.gateway_ref_id, row.response_code = _s(txn.gateway_ref_id), _s(txn.response_code)
        row.response_message = _s(txn.response_message)
        row.created, row.raw = txn.created_at, txn.model_dump(mode="json")
        row.save()


def _refresh_order_fulfilment_state(order_pk: int) -> None:
    order = Order.objects.select_for_update().get(pk=order_pk)
    statuses = list(Fulfillment.objects.filter(payout_order__order_id=order_pk).values_list("status", flat=True))
    order.fulfilment_state = fulfilment_state(statuses)
    order.is_open = order_is_open(order.status, order.refund_state, order.fulfilment_state)
    order.next_sync_at = next_sync_at(order.juspay_created_at, is_open=order.is_open, failures=order.sync_failures)
    order.save(update_fields=["fulfilment_state", "is_open", "next_sync_at"])
