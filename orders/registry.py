"""What orders lets the apps above it add, so that orders never imports them (NetBox's template extensions,
in small).

orders sits below fulfilment in the layers (see `.importlinter`). An app above fills these registries in its
`AppConfig.ready()`:

- timeline event kinds and their labels: `register_event_kinds({"action.raised": "Request raised"})`;
- timeline filter categories: `register_timeline_category("actions", "Actions and approvals", ("action.",))`;
- order-page panels: `register_order_panel("fulfilment/order_actions_slot.html")`, a template included on the
  order page with the page's context (`order`, `request`, ...);
- the timeline's story: `register_juspay_lines(fn)` adds what happened at Juspay that only the app knows (the
  Fulfilment Sync commands), `register_teller("action.", fn)` tells the app's stored events as sentences, and
  `register_refund_origins(fn)` names the maker and approvers of refunds raised on the dashboard.
- sections of the API's order detail: `register_order_api_section("fulfilment_commands", build)`, where
  `build(order, user)` returns the section's JSON-ready value (the orders API documents its shape).

orders registers its own event kinds the same way (orders/apps.py), so every kind has one home.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_event_kinds: dict[str, str] = {}
_order_panels: list[OrderPanel] = []
_categories: list[TimelineCategory] = []
# name -> build(order, user): what an app above adds to the API's order detail (e.g. "fulfilment_commands").
_order_api_sections: dict[str, Callable[[Any, Any], Any]] = {}


@dataclass(frozen=True)
class OrderPanel:
    template: str
    position: int


@dataclass(frozen=True)
class TimelineCategory:
    name: str
    title: str
    prefixes: tuple[str, ...]
    position: int


def register_event_kinds(kinds: Mapping[str, str]) -> None:
    """Add timeline event kinds (kind -> label). A kind has one owner: registering it twice is a mistake."""
    clash = sorted(kind for kind, label in kinds.items() if _event_kinds.get(kind, label) != label)
    if clash:
        raise ValueError(f"timeline kinds registered twice with different labels: {', '.join(clash)}")
    _event_kinds.update(kinds)


def is_known_kind(kind: str) -> bool:
    return kind in _event_kinds


def event_label(kind: str) -> str:
    """The label of a kind; a kind nobody registered (an old row, a removed app) shows as it is stored."""
    return _event_kinds.get(kind, kind)


def event_kinds() -> dict[str, str]:
    return dict(_event_kinds)


def register_order_panel(template: str, *, position: int = 100) -> None:
    """Include `template` on every order page, below the summary; lower positions come first."""
    if any(panel.template == template for panel in _order_panels):
        return
    _order_panels.append(OrderPanel(template, position))
    _order_panels.sort(key=lambda panel: panel.position)


def order_panels() -> list[str]:
    return [panel.template for panel in _order_panels]


def register_timeline_category(name: str, title: str, prefixes: tuple[str, ...], *, position: int = 100) -> None:
    """A filter of the order timeline: events whose kind starts with one of `prefixes`; lower positions first."""
    _categories[:] = [c for c in _categories if c.name != name]
    _categories.append(TimelineCategory(name, title, tuple(prefixes), position))
    _categories.sort(key=lambda category: category.position)


def timeline_categories() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Category name -> (title, kind prefixes), in display order."""
    return {c.name: (c.title, c.prefixes) for c in _categories}


# --- The order page's story: what apps above orders add to the timeline and the refunds section ------------


@dataclass(frozen=True)
class StoryLine:
    """One line of an order's timeline told as a sentence ("Refund of ₹50.00 approved by finance").

    `at` is when it happened (Juspay's own time for what happened at Juspay); `kind` names it for the
    category filter (e.g. "juspay.command"); `link` opens what it is about (a request page), if anything."""

    at: Any  # an aware datetime
    kind: str
    sentence: str
    details: tuple[tuple[str, str], ...] = ()
    link: str = ""
    link_label: str = ""
    actor: str = ""


@dataclass(frozen=True)
class Telling:
    """How an app tells one of its stored events: the sentence, and a link to what it is about."""

    sentence: str
    link: str = ""
    link_label: str = ""


@dataclass(frozen=True)
class RefundOrigin:
    """A refund raised on this dashboard: who asked, who approved, and the request's page."""

    maker: str
    approvers: tuple[str, ...]
    link: str
    label: str  # "request #12"


# (order) -> lines that happened at Juspay, known only to an app above orders (Fulfilment Sync commands).
JuspayLines = Callable[[Any], list[StoryLine]]
# (order, events of the app's kinds) -> {event pk: Telling}, read in a fixed number of queries.
Teller = Callable[[Any, list[Any]], dict[int, Telling]]
# (order) -> {unique_request_id: RefundOrigin}
RefundOrigins = Callable[[Any], dict[str, RefundOrigin]]

_juspay_lines: list[JuspayLines] = []
_tellers: dict[str, Teller] = {}
_refund_origins: list[RefundOrigins] = []


def register_juspay_lines(source: JuspayLines) -> None:
    if source not in _juspay_lines:
        _juspay_lines.append(source)


def juspay_lines(order: Any) -> list[StoryLine]:
    return [line for source in _juspay_lines for line in source(order)]


def register_teller(prefix: str, teller: Teller) -> None:
    """Tell the stored events whose kind starts with `prefix` (e.g. "action.")."""
    _tellers[prefix] = teller


def tellers() -> dict[str, Teller]:
    return dict(_tellers)


def register_refund_origins(source: RefundOrigins) -> None:
    if source not in _refund_origins:
        _refund_origins.append(source)


def refund_origins(order: Any) -> dict[str, RefundOrigin]:
    found: dict[str, RefundOrigin] = {}
    for source in _refund_origins:
        found.update(source(order))
    return found


# --- the KPIs' first fulfilment of an order ---------------------------------------------------------------
# orders.rollups keeps one ChargedOrder row per CHARGED order; when an order becomes CHARGED (again), the row
# needs the time of the order's first successful Fulfilment Sync command, which only fulfilment knows. It
# registers the reader here (fulfilment/apps.py); without one, no order has been fulfilled.

FirstFulfilment = Callable[[int], datetime | None]
_first_fulfilment: list[FirstFulfilment] = []


def register_first_fulfilment(reader: FirstFulfilment) -> None:
    """Set the reader of an order's first fulfilment time (by order pk). One owner."""
    if _first_fulfilment and _first_fulfilment[0] is not reader:
        raise ValueError("the first-fulfilment reader is registered already")
    _first_fulfilment[:] = [reader]


def first_fulfilment(order_pk: int) -> datetime | None:
    return _first_fulfilment[0](order_pk) if _first_fulfilment else None


def register_order_api_section(name: str, build: Callable[[Any, Any], Any]) -> None:
    """Fill a section of the API's order detail with `build(order, user)`; registering again replaces it."""
    _order_api_sections[name] = build


def order_api_section(name: str, order: Any, user: Any, *, default: Any = None) -> Any:
    """The section's value for this order and viewer; `default` when no app registered it."""
    build = _order_api_sections.get(name)
    return default if build is None else build(order, user)
