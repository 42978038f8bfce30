"""The orders list's filter bar, rendered once per query and merchant scope and kept a short while per process.

Its ~25 widgets render through Django's form templates (~14 ms of CPU a page, a query for the merchant choices
on top), and the bar is the same for everyone who asks the same query string and may see the same merchants:
it shows the values typed (from the URL), the choices and the merchants the viewer may see, nothing else
about them. So the HTML is kept for `TTL` seconds in a small per-process table keyed by both; a merchant added
or renamed shows in the picker within that time. htmx swaps of the results never render the bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from threading import Lock

from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from dashboard.merchant_scope import allowed_merchant_ids
from orders.filters import STATUS_SUGGESTIONS

TTL = 60.0
MAX_ENTRIES = 256
TEMPLATE = "orders/_list_filters.html"
PAGING = ("after", "before")
ARGS = {
    "list_url": "/orders/",
    "label": "Filter orders",
    "primary": "q status period payment_method_type",
    "datalist": "order-statuses",
    "extra_trigger": ", search from:find input[type=search]",
}

_entries: dict[tuple[object, ...], tuple[float, SafeString]] = {}
_lock = Lock()


def _key(request: HttpRequest) -> tuple[object, ...]:
    query: QueryDict = request.GET
    values = tuple(sorted((k, tuple(query.getlist(k))) for k in query if k not in PAGING))
    return (request.path, values, allowed_merchant_ids(request.user))


def clear() -> None:
    with _lock:
        _entries.clear()


def lazy_html(request: HttpRequest, filterset: object, list_url: str) -> Callable[[], SafeString]:
    """The bar's HTML as a callable the template calls only when it shows the bar (never for htmx swaps)."""

    def html() -> SafeString:
        key = _key(request)
        now = time.monotonic()
        hit = _entries.get(key)
        if hit is not None and now - hit[0] < TTL:
            return hit[1]
        context = {**ARGS, "list_url": list_url, "filter": filterset, "request": request}
        rendered = SafeString(render_to_string(TEMPLATE, {**context, "statuses": STATUS_SUGGESTIONS}))
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now, rendered)
        return rendered

    return html
