"""Rendered sections of the order page kept in the Django cache, keyed by everything that changes their HTML.

A section's HTML depends on the order's cached rows, on who looks (personal data masked or revealed), in which
time zone and language, and on the template itself. The key holds all of them:

- the order: its primary key, its creation stamp (`first_seen_at`: a new order never meets an old one's entry,
  even where a database reuses primary keys) and its sync stamps. Every write of an order's own rows
  (transactions, refunds, offers, split details) happens in `orders.sync.apply_order`, which stamps
  `last_synced_at` in the same transaction; so a changed order has a new key at once, and an unchanged one
  only ever gets a newer stamp (a miss, never a stale hit);
- `extra`: what a section shows from outside those rows, given by its view (the refunds' requests raised here,
  who made and approved them);
- the viewer: whether personal data is unmasked for them on this order, their time zone, the language;
- a fingerprint of every template file the project can load (`templates_fingerprint`): the page's template and
  everything it includes (`orders/_status.html`, `_copy_actions.html`, ...), so a deploy that changes any of
  them never serves the old HTML.

What varies per request or per person stays out of the cached HTML or is part of the key:

- permissions: a view that caches HTML with permission-dependent buttons puts the set of those permissions
  (never the person) in `extra`;
- the CSRF token is never cached: the HTML is rendered with `CSRF_PLACEHOLDER` as the token and `with_csrf`
  splices the viewer's own token in after the cache read;
- relative times ("5 minutes ago") are rendered as a marker (`LAST_SYNCED_MARKER`) that the view replaces after
  the read; personal data revealed to one person is rendered live, never cached.

Access is checked before the cache is read (the view finds the order through the viewer's merchant scope
first), so an entry is only ever served to someone who may see it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache as memoize
from pathlib import Path

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.utils import get_app_template_dirs
from django.utils import timezone, translation

from orders.models import Order

TTL_SECONDS = 3600  # an entry lives an hour at most: the cache stays small, whatever the number of orders


# The token the cached HTML holds in place of the viewer's CSRF token; `with_csrf` swaps it for theirs. Only the
# whole input the `{% csrf_token %}` tag writes is replaced: order data is escaped, so it cannot forge the quotes.
CSRF_PLACEHOLDER = "cachedcsrftokenplaceholder"
_CSRF_INPUT = f'name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}"'
# Where a cached header shows "Last synced 5 minutes ago": filled per request (escaped data cannot write "<!--").
LAST_SYNCED_MARKER = "<!--order:last-synced-->"


def fingerprint_of_dirs(dirs: list[Path]) -> str:
    """A digest of every file under `dirs`: their paths (relative to their directory) and their contents."""
    digest = hashlib.sha256()
    for base in dirs:
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(base)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def template_dirs() -> list[Path]:
    """The directories the Django template engine loads from: settings' DIRS, then each app's templates/."""
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    return [Path(d) for d in backend.engine.dirs] + [Path(d) for d in get_app_template_dirs("templates")]


@memoize
def templates_fingerprint() -> str:
    """A digest of every template file, read once per process (templates change only with a deploy): a change
    to an included partial changes every key, not only a change to the page's own template."""
    return fingerprint_of_dirs(template_dirs())


# The pages whose first render in a process would otherwise compile them (the cached template loader).
WARM_TEMPLATES = ("base.html", "orders/order_detail.html", "orders/order_list.html", "orders/search.html")


def warm(**kwargs: object) -> None:
    """At a web process's start (dashboard/warmup.py): the fingerprint read and the busiest pages compiled, so
    the first order page a worker serves costs what the next one does (reading every template file took 50-240 ms)."""
    templates_fingerprint()
    backend = engines["django"]
    for name in WARM_TEMPLATES:
        backend.get_template(name)


@memoize
def template_fingerprint(name: str) -> str:
    """The fingerprint a key of HTML rendered from `name` carries: the name and every template's source."""
    return hashlib.sha256(f"{name}\0{templates_fingerprint()}".encode()).hexdigest()[:16]


def with_csrf(html: str, request: HttpRequest) -> str:
    """Cached HTML with the viewer's own CSRF token where it was rendered with `CSRF_PLACEHOLDER`."""
    if _CSRF_INPUT not in html:
        return html
    return html.replace(_CSRF_INPUT, f'name="csrfmiddlewaretoken" value="{get_token(request)}"')


def order_version(order: Order) -> str:
    stamps = (
        order.pk,
        order.first_seen_at,
        order.last_synced_at,
        order.juspay_updated_at,
        order.status,
        order.refund_state,
        order.fulfilment_state,
        order.last_sync_error,  # a failed sync writes it alone (orders.sync), and the header shows it
    )
    return hashlib.sha256(repr(stamps).encode()).hexdigest()[:24]


def key(template: str, section: str, order: Order, *, unmasked: bool, extra: str = "") -> str:
    parts = (
        template_fingerprint(template),
        section,
        order_version(order),
        "unmasked" if unmasked else "masked",
        timezone.get_current_timezone_name(),
        translation.get_language() or "",
        extra,
    )
    return "orders:section:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def rendered(cache_key: str, render: Callable[[], str], *, keep: Callable[[], bool] | None = None) -> str:
    """The cached HTML under `cache_key`, or `render()`'s, kept for the next viewer with the same key (unless
    `keep`, asked after the render, says the HTML turned out to hold something that must not be shared)."""
    html = cache.get(cache_key)
    if html is None:
        html = render()
        if keep is None or keep():
            cache.set(cache_key, html, TTL_SECONDS)
    return str(html)


def rendered_many(renders: dict[str, Callable[[], str]]) -> dict[str, str]:
    """`rendered` for several keys in one cache round trip: key -> HTML."""
    found = cache.get_many(list(renders))
    missing = {k: render() for k, render in renders.items() if k not in found}
    if missing:
        cache.set_many(missing, TTL_SECONDS)
    return {k: str(found[k]) if k in found else missing[k] for k in renders}
