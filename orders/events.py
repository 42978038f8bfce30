"""Timeline events: a closed list of kinds, one small constructor per kind.

Constructors return unsaved rows; the caller saves them in the same transaction as the change they
describe (the sync service bulk-creates them). `KINDS` holds each kind's label for display; orders/apps.py
registers them in `orders.registry`, where the apps above orders register theirs.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils import timezone

from orders import registry
from orders.models import Fulfillment, Note, Order, PayoutOrder, SyncSource, TimelineEvent
from orders.normalisers import amount_text

# Who did it: a signed-in person, or nobody (a sweep, a webhook, an import). Anonymous counts as nobody.
# As wide as dashboard.audit.record's actor, so one value serves both.
Actor = AbstractBaseUser | AnonymousUser | None

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
    # Stored kinds of payout fulfillments: rows already carry this spelling, so the strings stay as they are.
    "fulfilment.created": "Fulfilment created",
    "fulfilment.status_changed": "Fulfilment status changed",
    "sync.refreshed": "Refresh asked for",
    "note.added": "Internal note",
}


# The order timeline's filters, in display order: (name, title, kind prefixes). Apps above orders add theirs
# through orders.registry.
TIMELINE_CATEGORIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("payment", "Payment status", ("order.", "offer.", "split.", "juspay.order", "juspay.payment")),
    ("refunds", "Refunds", ("refund.", "juspay.refund")),
    ("payouts", "Payouts and fulfilments", ("payout.", "fulfilment.")),
    ("notes", "Notes", ("note.",)),
    ("sync", "Sync", ("sync.",)),
]


def event(
    kind: str,
    *,
    source: str,
    order: Order | None = None,
    payout_order: PayoutOrder | None = None,
    at: datetime | None = None,
    actor: Actor = None,
    **data: Any,
) -> TimelineEvent:
    assert registry.is_known_kind(kind), f"unknown timeline kind {kind!r}: register it in orders.registry"
    user = actor if isinstance(actor, User) else None  # a User is always authenticated; AnonymousUser is not one
    return TimelineEvent(
        order=order, payout_order=payout_order, at=at or timezone.now(), kind=kind, source=source, actor=user, data=data
    )


def _from_to(old: object, new: object) -> dict[str, Any]:
    """A change's before and after, under the keys the timeline shows ("from" is a keyword in Python)."""
    return {"from": old, "to": new}


def order_discovered(order: Order, *, source: str, actor: Actor = None) -> TimelineEvent:
    return event(
        "order.discovered",
        source=source,
        order=order,
        actor=actor,
        status=order.status,
        amount=amount_text(order.amount),
    )


def order_status_changed(
    order: Order, old: str, new: str, *, source: str, at: datetime | None = None, actor: Actor = None
) -> TimelineEvent:
    return event("order.status_changed", source=source, order=order, at=at, actor=actor, **_from_to(old, new))


def refund_created(
    order: Order,
    unique_request_id: str,
    amount: str | None,
    status: str,
    *,
    source: str,
    at: datetime | None = None,
    actor: Actor = None,
) -> TimelineEvent:
    return event(
        "refund.created",
        source=source,
        order=order,
        at=at,
        actor=actor,
        unique_request_id=unique_request_id,
        amount=amount,
        status=status,
    )


def refund_sent_to_gateway(order: Order, unique_request_id: str, *, source: str, actor: Actor = None) -> TimelineEvent:
    return event("refund.sent_to_gateway", source=source, order=order, actor=actor, unique_request_id=unique_request_id)


def refund_status_changed(
    order: Order,
    unique_request_id: str,
    old: str,
    new: str,
    *,
    source: str,
    at: datetime | None = None,
    actor: Actor = None,
) -> TimelineEvent:
    return event(
        "refund.status_changed",
        source=source,
        order=order,
        at=at,
        actor=actor,
        unique_request_id=unique_request_id,
        **_from_to(old, new),
    )


def offer_added(order: Order, offer_code: str, status: str, *, source: str, actor: Actor = None) -> TimelineEvent:
    return event("offer.added", source=source, order=order, actor=actor, offer_code=offer_code, status=status)


def offer_status_changed(
    order: Order, offer_code: str, old: str, new: str, *, source: str, actor: Actor = None
) -> TimelineEvent:
    return event(
        "offer.status_changed",
        source=source,
        order=order,
        actor=actor,
        offer_code=offer_code,
        **_from_to(old, new),
    )


def split_changed(
    order: Order, old: dict[str, str | None], new: dict[str, str | None], *, source: str, actor: Actor = None
) -> TimelineEvent:
    return event("split.changed", source=source, order=order, actor=actor, **_from_to(old, new))


def payout_discovered(payout: PayoutOrder, *, source: str, actor: Actor = None) -> TimelineEvent:
    return event(
        "payout.discovered",
        source=source,
        order=payout.order,
        payout_order=payout,
        actor=actor,
        payout_order_id=payout.payout_order_id,
        status=payout.status,
    )


def payout_status_changed(
    payout: PayoutOrder, old: str, new: str, *, source: str, at: datetime | None = None, actor: Actor = None
) -> TimelineEvent:
    return event(
        "payout.status_changed",
        source=source,
        order=payout.order,
        payout_order=payout,
        at=at,
        actor=actor,
        payout_order_id=payout.payout_order_id,
        **_from_to(old, new),
    )


def fulfillment_created(fulfillment: Fulfillment, *, source: str, actor: Actor = None) -> TimelineEvent:
    payout = fulfillment.payout_order
    return event(
        "fulfilment.created",
        source=source,
        order=payout.order,
        payout_order=payout,
        actor=actor,
        fulfillment_id=fulfillment.fulfillment_id,
        status=fulfillment.status,
        amount=amount_text(fulfillment.amount),
    )


def fulfillment_status_changed(
    fulfillment: Fulfillment, old: str, new: str, *, source: str, at: datetime | None = None, actor: Actor = None
) -> TimelineEvent:
    payout = fulfillment.payout_order
    return event(
        "fulfilment.status_changed",
        source=source,
        order=payout.order,
        payout_order=payout,
        at=at,
        actor=actor,
        fulfillment_id=fulfillment.fulfillment_id,
        **_from_to(old, new),
    )


def refresh_requested(order: Order, *, actor: Actor) -> TimelineEvent:
    return event("sync.refreshed", source=SyncSource.DASHBOARD, order=order, actor=actor)


def payout_refresh_requested(payout: PayoutOrder, *, actor: Actor) -> TimelineEvent:
    return event(
        "sync.refreshed",
        source=SyncSource.DASHBOARD,
        payout_order=payout,
        actor=actor,
        payout_order_id=payout.payout_order_id,
    )


def note_added(note: Note) -> TimelineEvent:
    """An internal note shown in the order's timeline; the text is copied for display."""
    return event(
        "note.added",
        source=SyncSource.DASHBOARD,
        order=note.order,
        at=note.created_at,
        actor=note.author,
        note_id=note.pk,
        text=note.body,
    )
