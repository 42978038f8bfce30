"""What a person does on an order page: refresh it from Juspay, reveal its personal data, add a note."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from dashboard import audit
from orders import masking, presenters, services
from orders.notes import add_note
from orders.timeline import present_timeline
from orders.views.common import Ambiguous, get_order, order_url, pii_view, redirect_or_htmx
from orders.views.order_detail import PAGE

CHANGED = "order-changed"  # sections listen for it and reload


def _order(request: HttpRequest, order_id: str):
    try:
        return get_order(request, order_id)
    except Ambiguous as many:
        return many.orders[0]


def _header(request: HttpRequest, order, **extra) -> HttpResponse:
    response = render(
        request, f"{PAGE}#header", {"order": order, "head": presenters.header(order, pii_view(request, order)), **extra}
    )
    response["HX-Trigger"] = CHANGED
    return response


@login_required
@permission_required("orders.refresh_order", raise_exception=True)
@require_POST
def refresh(request: HttpRequest, order_id: str) -> HttpResponse:
    """Re-sync the order (and its payouts) from Juspay now; on failure the cached copy stays, with a warning."""
    order = _order(request, order_id)
    result = services.refresh_now(order, actor=request.user)
    audit.record(
        "order.refresh",
        actor=request.user,
        obj=order,
        after={"error": result.error or None},
        summary=f"refresh of order {order.order_id} asked for"
        + (" (Juspay failed)" if result.error else f": {len(result.events)} change(s)"),
    )
    order.refresh_from_db()
    if not request.htmx:
        if result.error:
            messages.error(request, f"Juspay could not be reached; showing the cached copy. ({result.error})")
        else:
            messages.success(request, f"Refreshed from Juspay: {len(result.events)} change(s).")
        return redirect_or_htmx(request, order_url(order))
    return _header(request, order, refresh_error=result.error, refreshed=not result.error, changes=len(result.events))


@login_required
@permission_required(masking.PERMISSION, raise_exception=True)
@require_POST
def reveal(request: HttpRequest, order_id: str) -> HttpResponse:
    """Show this order's personal data unmasked, to this person, for a while; audited."""
    order = _order(request, order_id)
    until = masking.reveal(request.session, order.pk)
    audit.record(
        "order.pii_revealed",
        actor=request.user,
        obj=order,
        after={"until": until.isoformat()},
        summary=f"customer details of order {order.order_id} revealed for {masking.REVEAL_SECONDS // 60} minutes",
    )
    if not request.htmx:
        return redirect_or_htmx(request, order_url(order))
    return _header(request, order)


@login_required
@permission_required("orders.add_note", raise_exception=True)
@require_POST
def note(request: HttpRequest, order_id: str) -> HttpResponse:
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
        return redirect_or_htmx(request, order_url(order))
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
