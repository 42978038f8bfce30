"""The order page's timeline: the order's story, oldest first, filtered by category and source, each line a sentence.

Any kind is shown from its registered label (orders.registry: orders and the apps above it register theirs)
and its data; a kind nobody registered, or a status Juspay's documentation does not have, is shown as it came
and marked unknown, never an error. Events are written by orders.events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

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
from dashboard.money_format import as_decimal, format_money
from orders import registry, story
from orders.json_text import as_json, is_structured
from orders.models import Order, PayoutOrder, SyncSource, TimelineEvent

TIMELINE_LIMIT = 200
# The source of what happened at Juspay itself (read from the cached answer, at Juspay's own times).
AT_JUSPAY = "juspay"
AT_JUSPAY_LABEL = "At Juspay"

_VOCABULARY_BY_PREFIX: dict[str, type[Documented]] = {
    "order.": OrderStatus,
    "refund.": RefundStatus,
    "offer.": OfferStatus,
    "payout.": PayoutOrderStatus,
    "fulfilment.": PayoutFulfillmentStatus,
}
_AMOUNT_KEYS = {"amount", "refund_amount"}
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
    """One line of the timeline: a sentence, when and where it happened, and its detail one click away."""

    at: datetime
    kind: str
    label: str
    known: bool
    category: str
    sentence: str
    summary: str
    details: list[tuple[str, str]]
    text: str  # a note's text
    unknown_values: list[str]
    structured: list[tuple[str, str]] = field(default_factory=list)  # objects and lists, as indented JSON
    source: str = ""  # "At Juspay", "Juspay poll", "Webhook", "Dashboard", "Import"
    actor: str = ""
    link: str = ""
    link_label: str = ""
    at_juspay: bool = False  # happened at Juspay, at Juspay's own time (from the cached answer)
    event: TimelineEvent | None = None


@dataclass
class Timeline:
    events: list[EventView]  # oldest first: the story from the order's creation at Juspay on
    truncated: bool  # more stored events than TIMELINE_LIMIT (the oldest are left out)
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


def _detail_value(key: str, value: object, currency: str) -> str:
    """A detail's value; amounts through the one money formatter."""
    if key in _AMOUNT_KEYS and as_decimal(value) is not None:
        return format_money(value, currency)
    return _scalar(value)


def present_event(event: TimelineEvent, telling: registry.Telling | None = None, *, currency: str = "") -> EventView:
    """Render any kind from its registered label and its data; a kind we do not know is shown as it came.

    The sentence is the teller's (`telling`: orders.story for orders' own kinds, an app's registered teller for
    its kinds), else the label and the summary."""
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
        (k.replace("_", " "), f"#{v}" if k == "request" else _detail_value(k, v, currency))
        for k, v in data.items()
        if k not in skip and v not in (None, "") and not is_structured(v)
    ]
    structured = [
        (k.replace("_", " "), as_json(v)) for k, v in data.items() if k not in skip and is_structured(v) and v
    ]
    summary = " · ".join(parts)
    label = registry.event_label(event.kind)
    return EventView(
        at=event.at,
        kind=event.kind,
        label=label,
        known=known,
        category=category_of(event.kind),
        sentence=telling.sentence if telling else (f"{label}: {summary}" if summary else label),
        summary=summary,
        details=details,
        text=text,
        unknown_values=unknown_values,
        structured=structured,
        source=event.get_source_display() if event.source in SyncSource.values else event.source,
        actor=event.actor.get_username() if event.actor_id and event.actor else "",
        link=telling.link if telling else "",
        link_label=telling.link_label if telling else "",
        event=event,
    )


def _line_view(line: registry.StoryLine) -> EventView:
    return EventView(
        at=line.at,
        kind=line.kind,
        label="At Juspay",
        known=True,
        category=category_of(line.kind),
        sentence=line.sentence,
        summary="",
        details=list(line.details),
        text="",
        unknown_values=[],
        source=AT_JUSPAY_LABEL,
        actor=line.actor,
        link=line.link,
        link_label=line.link_label,
        at_juspay=True,
    )


def present_timeline(
    order: Order | PayoutOrder, *, category: str = "", source: str = "", limit: int = TIMELINE_LIMIT
) -> Timeline:
    """An order's story, oldest first: what happened at Juspay (each at Juspay's time, from the cached answer)
    interleaved with what the dashboard saw and did (seen, synced, approvals, notes) by when it happened.

    A payout order's timeline has its own stored events only (payout, fulfilment, refresh)."""
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
    if source == AT_JUSPAY:
        queryset = queryset.none()
    elif source in SyncSource.values:
        queryset = queryset.filter(source=source)
    newest = list(queryset.order_by("-at", "-id")[: limit + 1])
    stored = newest[:limit]
    refunds = story.order_refunds(order) if isinstance(order, Order) else None  # read once, told twice
    tellings = story.tell(order, stored, refunds)
    currency = order.currency  # a payout order: INR (PayoutOrder.currency)
    views = [present_event(e, tellings.get(e.pk), currency=currency) for e in stored]
    if isinstance(order, Order) and source in ("", AT_JUSPAY):
        lines = [*story.juspay_lines(order, refunds), *registry.juspay_lines(order)]
        views += [view for view in map(_line_view, lines) if not category or view.category == category]
    # Oldest first; at the same moment, what happened at Juspay comes before what the dashboard saw of it.
    views.sort(key=lambda v: (v.at, not v.at_juspay, v.event.pk if v.event else 0))
    return Timeline(
        events=views,
        truncated=len(newest) > limit,
        categories=[(k, v[0]) for k, v in categories.items()] + [("other", "Other")],
        sources=[(AT_JUSPAY, AT_JUSPAY_LABEL), *SyncSource.choices],
        category=category,
        source=source,
    )
