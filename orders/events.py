"""Timeline events: a closed list of kinds, one small constructor per kind.

Constructors return unsaved rows; the caller saves them in the same transaction as the change they
describe (the sync service bulk-creates them). `KINDS` holds each kind's label for display.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone

from orders.models import Fulfillment, Order, PayoutOrder, SyncSource, TimelineEvent

KINDS: dict[str, str] = {
    "order.discovered": "Order first seen",
    "order.status_changed": "Order status changed",
    "refund.created": "Refund raised",
    "refund.sent_to_gateway": "Refund sent to the gateway",
    "refund.status_changed": "Refund status changed",
    "offer.added": "Offer applied",
    "offer.status_changed": "Offer status changed",
    "split.changed": "Split settlement changed",
    "payout.discovered": "Payout order first seen",
    "payout.status_changed": "Payout status changed",
    "fulfilment.created": "Fulfilment created",
    "fulfilment.status_changed": "Fulfilment status changed",
    "sync.refreshed": "Refresh asked for",
    "note.added": "Internal note",
    "action.raised": "Request raised",
    "action.approved": "Request approved",
    "action.rejected": "Request rejected",
    "action.cancelled": "Request cancelled",
    "action.expired": "Request expired",
    "action.sent": "Request sent to Juspay",
    "action.succeeded": "Juspay accepted the request",
    "action.failed": "Request failed",
}


def _event(
    kind: str,
    *,
    source: str,
    order: Order | None = None,
    payout_order: PayoutOrder | None = None,
    at: datetime | None = None,
    actor: Any = None,
    **data: Any,
) -> TimelineEvent:
    assert kind in KINDS, f"unknown timeline kind {kind!r}: add it to orders.events.KINDS"
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return TimelineEvent(
        order=order, payout_order=payout_order, at=at or timezone.now(), kind=kind, source=source, actor=user, data=data
    )


def order_discovered(order: Order, *, source: str, actor: Any = None) -> TimelineEvent:
    return _event(
        "order.discovered",
        source=source,
        order=order,
        actor=actor,
        status=order.status,
        amount=str(order.amount) if order.amount is not None else None,
    )


def order_status_changed(
    order: Order, old: str, new: str, *, source: str, at: datetime | None = None, actor: Any = None
) -> TimelineEvent:
    return _event("order.status_changed", source=source, order=order, at=at, actor=actor, **{"from": old, "to": new})


def refund_created(
    order: Order,
    unique_request_id: str,
    amount: str | None,
    status: str,
    *,
    source: str,
    at: datetime | None = None,
    actor: Any = None,
) -> TimelineEvent:
    return _event(
        "refund.created",
        source=source,
        order=order,
        at=at,
        actor=actor,
        unique_request_id=unique_request_id,
        amount=amount,
        status=status,
    )


def refund_sent_to_gateway(order: Order, unique_request_id: str, *, source: str, actor: Any = None) -> TimelineEvent:
    return _event(
        "refund.sent_to_gateway", source=source, order=order, actor=actor, unique_request_id=unique_request_id
    )


def refund_status_changed(
    order: Order,
    unique_request_id: str,
    old: str,
    new: str,
    *,
    source: str,
    at: datetime | None = None,
    actor: Any = None,
) -> TimelineEvent:
    return _event(
        "refund.status_changed",
        source=source,
        order=order,
        at=at,
        actor=actor,
        unique_request_id=unique_request_id,
        **{"from": old, "to": new},
    )


def offer_added(order: Order, offer_code: str, status: str, *, source: str, actor: Any = None) -> TimelineEvent:
    return _event("offer.added", source=source, order=order, actor=actor, offer_code=offer_code, status=status)


def offer_status_changed(
    order: Order, offer_code: str, old: str, new: str, *, source: str, actor: Any = None
) -> TimelineEvent:
    return _event(
        "offer.status_changed",
        source=source,
        order=order,
        actor=actor,
        offer_code=offer_code,
        **{"from": old, "to": new},
    )


def split_changed(
    order: Order, old: dict[str, str], new: dict[str, str], *, source: str, actor: Any = None
) -> TimelineEvent:
    return _event("split.changed", source=source, order=order, actor=actor, **{"from": old, "to": new})


def payout_discovered(payout: PayoutOrder, *, source: str, actor: Any = None) -> TimelineEvent:
    return _event(
        "payout.discovered",
        source=source,
        order=payout.order,
        payout_order=payout,
        actor=actor,
        payout_order_id=payout.payout_order_id,
        status=payout.status,
    )


def payout_status_changed(
    payout: PayoutOrder, old: str, new: str, *, source: str, at: datetime | None = None, actor: Any = None
) -> TimelineEvent:
    return _event(
        "payout.status_changed",
        source=source,
        order=payout.order,
        payout_order=payout,
        at=at,
        actor=actor,
        payout_order_id=payout.payout_order_id,
        **{"from": old, "to": new},
    )


def fulfilment_created(fulfilment: Fulfillment, *, source: str, actor: Any = None) -> TimelineEvent:
    payout = fulfilment.payout_order
    return _event(
        "fulfilment.created",
        source=source,
        order=payout.order,
        payout_order=payout,
        actor=actor,
        fulfillment_id=fulfilment.fulfillment_id,
        status=fulfilment.status,
        amount=str(fulfilment.amount) if fulfilment.amount is not None else None,
    )


def fulfilment_status_changed(
    fulfilment: Fulfillment, old: str, new: str, *, source: str, at: datetime | None = None, actor: Any = None
) -> TimelineEvent:
    payout = fulfilment.payout_order
    return _event(
        "fulfilment.status_changed",
        source=source,
        order=payout.order,
        payout_order=payout,
        at=at,
        actor=actor,
        fulfillment_id=fulfilment.fulfillment_id,
        **{"from": old, "to": new},
    )


def refresh_requested(order: Order, *, actor: Any) -> TimelineEvent:
    return _event("sync.refreshed", source=SyncSource.DASHBOARD, order=order, actor=actor)


def note_added(note: Any) -> TimelineEvent:
    """An internal note (orders.models.Note) shown in the order's timeline; the text is copied for display."""
    return _event(
        "note.added",
        source=SyncSource.DASHBOARD,
        order=note.order,
        at=note.created_at,
        actor=note.author,
        note_id=note.pk,
        text=note.body,
    )


# --- Refund and Fulfilment Sync requests (fulfilment app): `request` is the ActionRequest id, `action`
# a short description ("refund of INR 499.00", "NO_ACTION (SUCCESS, id DLV-1)").


def _action(kind: str, order: Order, request: int, action: str, *, actor: Any = None, **data: Any) -> TimelineEvent:
    return _event(kind, source=SyncSource.DASHBOARD, order=order, actor=actor, request=request, action=action, **data)


def action_raised(
    order: Order, request: int, action: str, *, actor: Any, approvals_needed: int, comment: str = ""
) -> TimelineEvent:
    return _action(
        "action.raised", order, request, action, actor=actor, approvals_needed=approvals_needed, comment=comment
    )


def action_approved(
    order: Order,
    request: int,
    action: str,
    *,
    actor: Any,
    approvals: int,
    required: int,
    final: bool,
    comment: str = "",
) -> TimelineEvent:
    return _action(
        "action.approved",
        order,
        request,
        action,
        actor=actor,
        approvals=approvals,
        required=required,
        final=final,
        comment=comment,
    )


def action_rejected(order: Order, request: int, action: str, *, actor: Any, comment: str) -> TimelineEvent:
    return _action("action.rejected", order, request, action, actor=actor, comment=comment)


def action_cancelled(order: Order, request: int, action: str, *, actor: Any, comment: str = "") -> TimelineEvent:
    return _action("action.cancelled", order, request, action, actor=actor, comment=comment)


def action_expired(order: Order, request: int, action: str) -> TimelineEvent:
    return _action("action.expired", order, request, action)


def action_sent(order: Order, request: int, action: str, *, attempt: int, key: str) -> TimelineEvent:
    return _action("action.sent", order, request, action, attempt=attempt, key=key)


def action_succeeded(order: Order, request: int, action: str, *, result: str) -> TimelineEvent:
    return _action("action.succeeded", order, request, action, result=result)


def action_failed(order: Order, request: int, action: str, *, error: str, retry_safe: bool) -> TimelineEvent:
    return _action("action.failed", order, request, action, error=error, retry_safe=retry_safe)
