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
- a fingerprint of the page's template source, so a deploy that changes it never serves the old HTML.

Only sections whose HTML holds nothing else are cached: none holds a CSRF token, a permission-dependent
button or a relative time ("5 minutes ago"). Access is checked before the cache is read (the view finds the
order through the viewer's merchant scope first), so an entry is only ever served to someone who may see it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache as memoize

from django.core.cache import cache
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.utils import timezone, translation

from orders.models import Order

TTL_SECONDS = 3600  # an entry lives an hour at most: the cache stays small, whatever the number of orders


@memoize
def template_fingerprint(name: str) -> str:
    """A digest of the template's source, read once per process (templates change only with a deploy)."""
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)
    return hashlib.sha256(backend.engine.get_template(name).source.encode()).hexdigest()[:16]


def order_version(order: Order) -> str:
    stamps = (
        order.pk,
        order.first_seen_at,
        order.last_synced_at,
        order.juspay_updated_at,
        order.status,
        order.refund_state,
        order.fulfilment_state,
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


def rendered(cache_key: str, render: Callable[[], str]) -> str:
    """The cached HTML under `cache_key`, or `render()`'s, kept for the next viewer with the same key."""
    html = cache.get(cache_key)
    if html is None:
        html = render()
        cache.set(cache_key, html, TTL_SECONDS)
    return str(html)
