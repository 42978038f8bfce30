"""The page shell's tags (templates/base.html): the kept sidebar, and static file URLs looked up once per process.

`{% static %}` asks the manifest storage on every page for each of the shell's half-dozen files; the manifest does
not change while a process runs, so `{% asset %}` keeps each URL (dropped when the static settings change, as in
tests)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils.safestring import SafeString

from dashboard.sidebar import sidebar_html

register = template.Library()


@lru_cache(maxsize=64)
def _static_url(path: str) -> str:
    return static(path)


@receiver(setting_changed)
def _static_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS", "DEBUG"}:
        _static_url.cache_clear()


@register.simple_tag
def asset(path: str) -> str:
    """`{% static path %}`, kept per process (autoescaped in the template, as `{% static %}` is)."""
    return _static_url(path)


@register.simple_tag(takes_context=True)
def sidebar(context: template.Context) -> SafeString:
    return sidebar_html(
        context["request"],
        nav_items=context.get("nav_items", []),
        approvals=context.get("approvals_pending", 0),
        sync=context.get("sync_attention", 0),
    )
