"""The order's story in sentences: what happened at Juspay, read from the cached answer at Juspay's own times,
and how the dashboard tells its own stored events ("Refund RF-1 of ₹500.00 went from PENDING to SUCCESS").

orders.timeline interleaves both with what the apps above orders add (orders.registry: Fulfilment Sync
commands at Juspay, and the approvals' sentences). Amounts are shown by dashboard.money_format. Every function
here reads a fixed number of queries, whatever the number of payments, refunds or events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.juspay.enums import OrderStatus
from dashboard.money_format import format_money
from orders import registry
from orders.models import Order, PayoutOrder, Refund, TimelineEvent
from orders.statuses import refund_status, status

_METHOD_SEPARATOR = " "


def _money(order: Order | PayoutOrder, value: object, currency: str = "") -> str:
    return format_money(value, currency or order.currency)


def _payment_sentence(order: Order, txn: Any) -> str:
    how = _METHOD_SEPARATOR.join(v for v in (txn.payment_method_type, txn.payment_method) if v)
    via = f" via {txn.gateway}" if txn.gateway else ""
    by = f" by {how}" if how else ""
    amount = _money(order, txn.amount, txn.currency)
    shown = status(OrderStatus, txn.status)
    if txn.status == OrderStatus.CHARGED:
        return f"Payment of {amount}{by}{via} charged"
    if shown.outcome == "failure":
        error = " ".join(v for v in (txn.error_code, txn.error_message) if v)
        return f"Payment attempt of {amount}{by}{via} failed: {txn.status}" + (f" ({error})" if error else "")
    return f"Payment attempt of {amount}{by}{via}: {txn.status or 'no status'} ({shown.meaning.lower()})"


def _refund_name(refund: Refund) -> str:
    return f"Refund of {format_money(refund.amount, refund.order.currency)} ({refund.unique_request_id})"


def order_refunds(order: Order) -> list[Refund]:
    """The order's refunds, oldest first, for the story (one query; their stored answers left out)."""
    refunds = list(order.refunds.defer("raw").order_by("created", "pk"))
    for refund in refunds:
        refund.order = order  # the story names amounts in the order's currency: no second read of the order
    return refunds


def juspay_lines(order: Order, refunds: list[Refund] | None = None) -> list[registry.StoryLine]:
    """What happened at Juspay, each at Juspay's own time: the order created, each payment attempt charged or
    failed, each refund raised and settled (or failed). Two queries (one when `refunds`, from
    `order_refunds`, are given)."""
    lines: list[registry.StoryLine] = []
    if order.juspay_created_at:
        lines.append(
            registry.StoryLine(
                order.juspay_created_at,
                "juspay.order",
                f"Order created at Juspay for {_money(order, order.amount)}",
                details=(("Juspay order id", order.juspay_id),) if order.juspay_id else (),
            )
        )
    for txn in order.transactions.defer("raw").order_by("created", "pk"):
        if txn.created is None:
            continue
        attempt = (("Transaction", txn.txn_id),) + ((("RRN", txn.rrn),) if txn.rrn else ())
        lines.append(registry.StoryLine(txn.created, "juspay.payment", _payment_sentence(order, txn), attempt))
    for refund in order_refunds(order) if refunds is None else refunds:
        name = _refund_name(refund)
        details = tuple(
            (label, value)
            for label, value in (
                ("Juspay refund id", refund.juspay_refund_id),
                ("ARN", refund.arn),
                ("Ref", refund.ref),
            )
            if value
        )
        if refund.created:
            lines.append(registry.StoryLine(refund.created, "juspay.refund", f"{name} raised at Juspay", details))
        settled = refund_status(refund.status)
        if refund.processed_at and refund.status in ("SUCCESS", "FAILURE"):
            verb = "settled" if refund.status == "SUCCESS" else "failed"
            error = " ".join(v for v in (refund.error_code, refund.error_message) if v)
            sentence = f"{name} {verb}" + (f": {error}" if error and refund.status == "FAILURE" else "")
            lines.append(registry.StoryLine(refund.processed_at, "juspay.refund", sentence, details))
        elif refund.processed_at and settled.value:
            lines.append(
                registry.StoryLine(refund.processed_at, "juspay.refund", f"{name} processed: {refund.status}", details)
            )
    return lines


def _data(event: TimelineEvent) -> Mapping[str, Any]:
    return event.data if isinstance(event.data, Mapping) else {}


def _who(event: TimelineEvent) -> str:
    return event.actor.get_username() if event.actor_id and event.actor else ""


def _change(data: Mapping[str, Any]) -> str:
    return f"from {data.get('from') or '—'} to {data.get('to') or '—'}"


def _orders_sentence(order: Order | PayoutOrder, event: TimelineEvent, refunds: Mapping[str, Refund]) -> str | None:
    data, who = _data(event), _who(event)
    kind = event.kind
    key = str(data.get("unique_request_id") or "")
    refund = refunds.get(key)
    refund_name = _refund_name(refund) if refund else f"Refund {key}"
    seen = "First seen here" if event.source != "webhook" else "First seen through a webhook"
    if kind == "order.discovered":
        return f"{seen}: {data.get('status') or 'no status'}, {_money(order, data.get('amount'))}"
    if kind == "order.status_changed":
        return f"Status changed {_change(data)}"
    if kind == "refund.created":
        amount = _money(order, data.get("amount"))
        return f"Refund of {amount} ({key}) seen here, {data.get('status') or 'no status'}"
    if kind == "refund.sent_to_gateway":
        return f"{refund_name} sent to the gateway"
    if kind == "refund.status_changed":
        return f"{refund_name} went {_change(data)}"
    if kind == "offer.added":
        return f"Offer {data.get('offer_code') or ''} applied ({data.get('status') or 'no status'})"
    if kind == "offer.status_changed":
        return f"Offer {data.get('offer_code') or ''} went {_change(data)}"
    if kind == "split.changed":
        return "Split settlement changed"
    if kind == "payout.discovered":
        return f"Payout order {data.get('payout_order_id') or ''} seen ({data.get('status') or 'no status'})"
    if kind == "payout.status_changed":
        return f"Payout order {data.get('payout_order_id') or ''} went {_change(data)}"
    if kind == "fulfilment.created":
        amount = format_money(data.get("amount"), "INR")  # payouts pay out in INR (PayoutOrder.currency)
        return f"Payout fulfilment {data.get('fulfillment_id') or ''} of {amount} seen ({data.get('status') or ''})"
    if kind == "fulfilment.status_changed":
        return f"Payout fulfilment {data.get('fulfillment_id') or ''} went {_change(data)}"
    if kind == "sync.refreshed":
        return f"Refresh from Juspay asked for by {who}" if who else "Refresh from Juspay asked for"
    if kind == "note.added":
        return f"Note by {who}" if who else "Note"
    return None


def tell(
    order: Order | PayoutOrder, events: list[TimelineEvent], refunds: list[Refund] | None = None
) -> dict[int, registry.Telling]:
    """Sentences for stored events: orders' own kinds here, the others (on an order) by the app that registered
    them. A payout order's events are orders' own. `refunds`: the order's, from `order_refunds`, if at hand."""
    if isinstance(order, PayoutOrder):
        return {e.pk: registry.Telling(s) for e in events if (s := _orders_sentence(order, e, {})) is not None}
    if refunds is None and events:
        refunds = order_refunds(order)
    by_request = {r.unique_request_id: r for r in refunds or []} if events else {}
    told: dict[int, registry.Telling] = {}
    for event in events:
        sentence = _orders_sentence(order, event, by_request)
        if sentence is not None:
            told[event.pk] = registry.Telling(sentence)
    for prefix, teller in registry.tellers().items():
        mine = [e for e in events if e.kind.startswith(prefix)]
        if mine:
            told.update(teller(order, mine))
    return told
