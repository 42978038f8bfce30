"""The home page's worklist panels, filled by the apps above the platform at start-up (dashboard imports neither
orders nor fulfilment): each app registers a panel with the roles it is for, a template and a function that
builds the panel's context from the request. The home page shows the panels of the viewer's role in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

Build = Callable[[HttpRequest], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    key: str
    roles: tuple[str, ...]  # the role names (dashboard.roles) whose home shows it
    template: str
    build: Build
    position: dict[str, int]  # role -> position on that role's home (lower first); default 100


@dataclass(frozen=True)
class ShownPanel:
    key: str
    template: str
    data: dict[str, Any]


_panels: dict[str, Panel] = {}


def register_home_panel(
    key: str, *, roles: tuple[str, ...], template: str, build: Build, position: dict[str, int] | None = None
) -> None:
    _panels[key] = Panel(key, roles, template, build, position or {})


def panels_for(request: HttpRequest, role: str) -> list[ShownPanel]:
    """The panels of `role`'s home, built for this request, in their order for that role."""
    chosen = sorted(
        (panel for panel in _panels.values() if role in panel.roles), key=lambda p: (p.position.get(role, 100), p.key)
    )
    return [ShownPanel(panel.key, panel.template, panel.build(request)) for panel in chosen]
