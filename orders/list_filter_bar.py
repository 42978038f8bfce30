"""The orders list's filter bar, rendered once per query and merchant scope and kept a short while in the cache.

Its ~25 widgets render through Django's form templates (~14 ms of CPU a page, plus a query for the merchant
choices), and the bar is the same for everyone who asks the same query string and may see the same merchants:
it shows the values typed (from the URL), the fixed choices and the merchants the viewer may see, nothing else
about them. So its HTML is kept `TTL` seconds in the Django cache (per process, or Redis with CACHE_URL) under
a key made of both; a merchant added or renamed shows in the picker within that time. htmx swaps of the
results never render the bar.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from dashboard.merchant_scope import allowed_merchant_ids
from orders.filters import STATUS_SUGGESTIONS

TTL = 60
TEMPLATE = "orders/_list_filters.html"
PAGING = ("after", "before")
ARGS = {
    "label": "Filter orders",
    "primary": "q status period payment_method_type",
    "datalist": "order-statuses",
    "extra_trigger": ", search from:find input[type=search]",
    "statuses": STATUS_SUGGESTIONS,
}


def cache_key(request: HttpRequest) -> str:
    """The query string (paging aside, in a stable order) and the merchants the viewer may see (None: all)."""
    query = request.GET
    values = sorted((name, query.getlist(name)) for name in query if name not in PAGING)
    merchants = allowed_merchant_ids(request.user)
    scope = "all" if merchants is None else sorted(merchants)
    digest = hashlib.sha256(repr((request.path, values, scope)).encode()).hexdigest()
    return f"orders-filter-bar:{digest}"


def lazy_html(request: HttpRequest, filterset: object, list_url: str) -> Callable[[], SafeString]:
    """The bar's HTML as a callable the template calls only when it shows the bar (never for htmx swaps)."""

    def html() -> SafeString:
        key = cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            return SafeString(cached)
        context = {**ARGS, "list_url": list_url, "filter": filterset, "request": request}
        rendered = render_to_string(TEMPLATE, context)
        cache.set(key, str(rendered), TTL)
        return SafeString(rendered)

    return html
