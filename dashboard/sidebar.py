"""The signed-in sidebar (navigation, its counts, who is signed in, log out), rendered once per process for each
distinct content and kept, instead of rendering its template on every full page.

The kept HTML is a pure function of its key, which holds everything the sidebar shows: the script prefix and
URLconf, the person's user name, the entries they may see (from their permissions, read on every request), the
current entry, whether the API tokens page is the current one, and the two counts (fulfilment/nav_counts.py keeps
those a short while per person). So a person never gets another's sidebar, and a role, name or count that changes
shows on the next page, as before. The one per-person secret, the logout form's CSRF token, is never kept: the
kept HTML holds a placeholder, replaced on every page by the viewer's own token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from dashboard.navigation import current_url_name

TEMPLATE = "dashboard/_sidebar.html"
CSRF_PLACEHOLDER = "<!--csrf-token-->"
KEPT = 1024  # distinct sidebars kept per process (people x current entry x counts), least recently used out
APPROVALS, SYNC_HEALTH = "fulfilment:queue", "health:sync"

Entry = tuple[str, str, str]  # (label, url, url_name)


@lru_cache(maxsize=KEPT)
def _kept(
    prefix: str,
    urlconf: Any,
    username: str,
    entries: tuple[Entry, ...],
    current: str,
    tokens_current: bool,
    approvals: int,
    sync: int,
) -> str:
    """`prefix` and `urlconf` (which `{% url %}` reads itself) are only part of the key."""
    items = [{"label": label, "url": url, "url_name": name} for label, url, name in entries]
    context = {
        "nav_items": items,
        "nav_current": current,
        "username": username,
        "tokens_current": tokens_current,
        "approvals_pending": approvals,
        "sync_attention": sync,
        "csrf_field": mark_safe(CSRF_PLACEHOLDER),  # noqa: S308 - a fixed comment, replaced below
    }
    return str(get_template(TEMPLATE).render(context))


Lazy = Callable[[], Any] | Any  # a context processor's callable, or its value


def _value(lazy: Lazy) -> Any:
    return lazy() if callable(lazy) else lazy


def csrf_input(request: HttpRequest) -> SafeString:
    """What `{% csrf_token %}` renders: the viewer's own token."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))


def sidebar_html(request: HttpRequest, *, nav_items: Lazy, approvals: Lazy, sync: Lazy) -> SafeString:
    """The sidebar for this request, from the page's (lazy) `nav_items` and counts; a count is read only when
    its entry shows."""
    user = getattr(request, "user", None)
    items: list[dict[str, str]] = _value(nav_items) or []
    entries = tuple((item["label"], item["url"], item["url_name"]) for item in items)
    names = {entry[2] for entry in entries}
    match = getattr(request, "resolver_match", None)
    html = _kept(
        get_script_prefix(),
        get_urlconf(),
        user.get_username() if user is not None else "",
        entries,
        current_url_name(items, request.path),
        match is not None and match.view_name == "tokens:list",
        int(_value(approvals) or 0) if APPROVALS in names else 0,
        int(_value(sync) or 0) if SYNC_HEALTH in names else 0,
    )
    return mark_safe(html.replace(CSRF_PLACEHOLDER, csrf_input(request), 1))  # noqa: S308 - both parts escaped
