"""How the views answer htmx: the typed request, page-or-partial rendering, redirects and event names.

Pages are built from Django template partials (`{% partialdef %}`): a view renders the whole page for a
normal request and only the partial htmx swaps in when htmx asks (https://htmx.org/docs/#requests).
Events that one answer sends (`HX-Trigger`) and other elements listen to (`hx-trigger="… from:body"`) are
named here once; templates read them from the `htmx_events` context variable.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

ORDER_CHANGED = "order-changed"
"""Something changed an order (refresh, reveal, a new request): every section of its page reloads."""


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's HtmxMiddleware (every request does: see settings)."""

    htmx: HtmxDetails


def wants_partial(request: HtmxHttpRequest) -> bool:
    """htmx asked for a piece of the page; a boosted link or form wants the whole page."""
    return bool(request.htmx) and not request.htmx.boosted


def render_page_or_partial(
    request: HtmxHttpRequest, page: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render `page`, or only its `{% partialdef partial %}` when htmx asks for it."""
    template = f"{page}#{partial}" if wants_partial(request) else page
    return render(request, template, context, status=status)


def redirect_or_htmx(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: a plain redirect, or HX-Redirect (htmx then loads the whole page)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def events(request: HttpRequest) -> dict[str, dict[str, str]]:
    """Context processor: the event names, so templates never spell them (`{{ htmx_events.order_changed }}`)."""
    return {"htmx_events": {"order_changed": ORDER_CHANGED}}
