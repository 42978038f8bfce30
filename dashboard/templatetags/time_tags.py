"""`{{ moment|when }}`, `{{ moment|when_s }}` and `{{ moment|ago }}`: the one way a template shows a time.

A builtin (settings TEMPLATES). Each gives `<time datetime="…" title="2026-12-01 10:05:14 UTC">…</time>` in the
viewer's zone (dashboard/user_time_zone.py): `when` to the minute, `when_s` to the second, `ago` relative
("5 minutes ago", for freshness, queue ages and the timeline). A missing time shows "—". Accepts datetimes and
Juspay's ISO text.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from dashboard.time_display import time_html

register = template.Library()


@register.filter
def when(value: object) -> SafeString | str:
    return time_html(value)


@register.filter
def when_s(value: object) -> SafeString | str:
    return time_html(value, seconds=True)


@register.filter
def ago(value: object) -> SafeString | str:
    return time_html(value, relative=True)
