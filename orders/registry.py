"""What orders lets the apps above it add, so that orders never imports them (NetBox's template extensions,
in small).

orders sits below fulfilment in the layers (see `.importlinter`). An app above fills these registries in its
`AppConfig.ready()`:

- timeline event kinds and their labels: `register_event_kinds({"action.raised": "Request raised"})`;
- timeline filter categories: `register_timeline_category("actions", "Actions and approvals", ("action.",))`;
- order-page panels: `register_order_panel("fulfilment/order_actions_slot.html")`, a template included on the
  order page with the page's context (`order`, `request`, ...);
- sections of the API's order detail: `register_order_api_section("fulfilment_commands", build)`, where
  `build(order, user)` returns the section's JSON-ready value (the orders API documents its shape).

orders registers its own event kinds the same way (orders/apps.py), so every kind has one home.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


def register_order_api_section(name: str, build: Callable[[Any, Any], Any]) -> None:
    """Fill a section of the API's order detail with `build(order, user)`; registering again replaces it."""
    _order_api_sections[name] = build


def order_api_section(name: str, order: Any, user: Any, *, default: Any = None) -> Any:
    """The section's value for this order and viewer; `default` when no app registered it."""
    build = _order_api_sections.get(name)
    return default if build is None else build(order, user)
