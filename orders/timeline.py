"""The order page's timeline: its events, newest first, filtered by category and source, each one presented.

Any kind is shown from its registered label (orders.registry: orders and the apps above it register theirs)
and its data; a kind nobody registered, or a status Juspay's documentation does not have, is shown as it came
and marked unknown, never an error. Events are written by orders.events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q

from dashboard.juspay.enums import (
    Documented,
    FulfillmentCommand,
    OfferStatus,
    OrderStatus,
    PayoutFulfillmentStatus,
    PayoutOrderStatus,
    RefundStatus,
)
from orders import registry
from orders.json_text import as_json, is_structured
from orders.models import Order, PayoutOrder, SyncSource, TimelineEvent

TIMELINE_LIMIT = 200

_VOCABULARY_BY_PREFIX: dict[str, type[Documented]] = {
    "order.": OrderStatus,
    "refund.": RefundStatus,
    "offer.": OfferStatus,
    "payout.": PayoutOrderStatus,
    "fulfilment.": PayoutFulfillmentStatus,
}
# Data keys that name what an event is about; shown first, in this order.
_IDENTIFIERS = (
    "unique_request_id",
    "offer_code",
    "payout_order_id",
    "fulfillment_id",
    "request_id",
    "command",
    "action",
)


@dataclass
class EventView:
    event: TimelineEvent
    label: str
    known: bool
    category: str
    summary: str
    details: list[tuple[str, str]]
    text: str  # a note's text
    unknown_values: list[str]
    structured: list[tuple[str, str]] = field(default_factory=list)  # objects and lists, as indented JSON


@dataclass
class Timeline:
    events: list[EventView]
    truncated: bool  # more events than TIMELINE_LIMIT
    categories: list[tuple[str, str]]  # the filter's choices: (name, title)
    sources: list[tuple[str, str]]
    category: str  # the filter applied
    source: str


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return "" if value is None else str(value)


def category_of(kind: str) -> str:
    for name, (_, prefixes) in registry.timeline_categories().items():
        if kind.startswith(prefixes):
            return name
    return "other"


def present_event(event: TimelineEvent) -> EventView:
    """Render any kind from its registered label and its data; a kind we do not know is shown as it came."""
    data = dict(event.data or {}) if isinstance(event.data, Mapping) else {"data": event.data}
    known = registry.is_known_kind(event.kind)
    vocabulary = next((v for p, v in _VOCABULARY_BY_PREFIX.items() if event.kind.startswith(p)), None)
    parts: list[str] = []
    unknown_values: list[str] = []
    for key in _IDENTIFIERS:
        if data.get(key) not in (None, ""):
            parts.append(_scalar(data[key]))
            if key == "command" and not FulfillmentCommand.known(data[key]):
                unknown_values.append(f"command {data[key]}")
    if "from" in data or "to" in data:
        parts.append(f"{_scalar(data.get('from')) or '—'} → {_scalar(data.get('to')) or '—'}")
    for key in ("to", "status"):
        value = data.get(key)
        if vocabulary and isinstance(value, str) and value and not vocabulary.known(value):
            unknown_values.append(f"status {value}")
    text = str(data.pop("text", "") or "") if event.kind == "note.added" else ""
    skip = {*_IDENTIFIERS, "from", "to", "note_id"}
    details = [
        (k.replace("_", " "), f"#{v}" if k == "request" else _scalar(v))
        for k, v in data.items()
        if k not in skip and v not in (None, "") and not is_structured(v)
    ]
    structured = [
        (k.replace("_", " "), as_json(v)) for k, v in data.items() if k not in skip and is_structured(v) and v
    ]
    return EventView(
        event,
        registry.event_label(event.kind),
        known,
        category_of(event.kind),
        " · ".join(parts),
        details,
        text,
        unknown_values,
        structured,
    )


def present_timeline(
    order: Order | PayoutOrder, *, category: str = "", source: str = "", limit: int = TIMELINE_LIMIT
) -> Timeline:
    """An order's timeline, or a payout order's (its own events: payout, fulfilment, refresh)."""
    categories = registry.timeline_categories()
    mine = {"payout_order": order} if isinstance(order, PayoutOrder) else {"order": order}
    queryset = TimelineEvent.objects.filter(**mine).select_related("actor")
    if category in categories:
        prefixes = categories[category][1]
        match = Q()
        for prefix in prefixes:
            match |= Q(kind__startswith=prefix)
        queryset = queryset.filter(match)
    elif category == "other":
        for _, prefixes in categories.values():
            for prefix in prefixes:
                queryset = queryset.exclude(kind__startswith=prefix)
    if source in SyncSource.values:
        queryset = queryset.filter(source=source)
    events = list(queryset.order_by("-at", "-id")[: limit + 1])
    return Timeline(
        events=[present_event(e) for e in events[:limit]],
        truncated=len(events) > limit,
        categories=[(k, v[0]) for k, v in categories.items()] + [("other", "Other")],
        sources=SyncSource.choices,
        category=category,
        source=source,
    )
