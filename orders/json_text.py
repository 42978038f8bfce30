"""Juspay values as the pages print them: objects and lists as indented JSON text, never a Python repr.

A template escapes the text (autoescape), so a value Juspay sent cannot inject markup; `<pre>` keeps the
indentation. Scalars print as themselves (flags as yes/no), None as "".
"""

from __future__ import annotations

import json
from collections.abc import Mapping


def is_structured(value: object) -> bool:
    return isinstance(value, Mapping | list | tuple)


def as_json(value: object) -> str:
    """Indented JSON, keys sorted, non-ASCII kept; values JSON cannot hold (a Decimal, a date) as their text."""
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def as_text(value: object) -> str:
    """One value for a "label: value" line: JSON for objects and lists, yes/no for flags, else its text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    if is_structured(value):
        return as_json(value)
    return str(value)
