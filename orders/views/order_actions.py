"""What a person does on an order page: refresh it from Juspay, reveal its personal data, add a note."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard import htmx
from dashboard.access import SignedInRequest, requires
from orders import masking, presenters, services
from orders.models import Order
from orders.notes import add_note
from orders.timeline import present_timeline
from orders.views.common import Ambiguous, get_order, order_url, pii_view, say_refreshed
from orders.views.order_detail import PAGE


def _order(request: SignedInRequest, order_id: str) -> Order:
    try:
        return get_order(request, order_id)
    except Ambiguous as many:
        return many.orders[0]


def _header(request: SignedInRequest, order: Order, **extra: Any) -> HttpResponse:
    """The order's header again, and the event that makes every section of the page reload."""
    response = render(
        request, f"{PAGE}#header", {"order": order, "head": presenters.header(order, pii_view(request, order)), **extra}
    )
    response["HX-Trigger"] = htmx.ORDER_CHANGED
    return response


@requires("orders.refresh_order")
@require_POST
def refresh(request: SignedInRequest, order_id: str) -> HttpResponse:
    """Re-sync the order (and its payouts) from Juspay now; on failure the cached copy stays, with a warning."""
    order = _order(request, order_id)
    result = services.refresh_now(order, actor=request.user)
    order.refresh_from_db()
    if not request.htmx:
        say_refreshed(request, result)
        return redirect(order_url(order))
    return _header(request, order, refresh_error=result.error, refreshed=not result.error, changes=len(result.events))


@requires(masking.PERMISSION)
@require_POST
def reveal(request: SignedInRequest, order_id: str) -> HttpResponse:
    """Show this order's personal data unmasked, to this person, for a while; audited."""
    order = _order(request, order_id)
    masking.reveal_order(request.session, order, actor=request.user)
    if not request.htmx:
        return redirect(order_url(order))
    return _header(request, order)


@requires("orders.add_note")
@require_POST
def note(request: SignedInRequest, order_id: str) -> HttpResponse:
    order = _order(request, order_id)
    body = request.POST.get("body", "")
    error = ""
    try:
        add_note(order, body, author=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, "Note added.")
        return redirect(order_url(order))
    return render(
        request,
        f"{PAGE}#timeline",
        {
            "order": order,
            "timeline": present_timeline(order),
            "note_error": error,
            "note_body": body if error else "",
            "note_saved": not error,
        },
    )
