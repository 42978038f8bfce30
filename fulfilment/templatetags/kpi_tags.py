"""`{{ value|kpi:"unit" }}`, `{{ figure|kpi_delta }}` and `{{ series|kpi_json }}` for the KPI page."""

from __future__ import annotations

import json

from django import template

from orders.kpi_figures import Figure, delta_text, value_text

register = template.Library()


@register.filter
def kpi(value: float | None, unit: str) -> str:
    return value_text(value, unit)


@register.filter
def kpi_delta(figure: Figure) -> str:
    return delta_text(figure)


@register.filter
def kpi_json(values: object) -> str:
    """A series as JSON for a data attribute (the template escapes it)."""
    return json.dumps(values)
