"""The search box on every page (suggestions as one types) and the live lookup at Juspay on a miss."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dashboard.access import SignedInRequest, requires
from dashboard.htmx import redirect_or_htmx
from dashboard.juspay.errors import JuspayNotFound
from dashboard.merchant_scope import visible_merchants
from dashboard.models import Merchant
from orders import list_table, presenters, search, services
from orders.views.common import order_url
from orders.views.payouts import payout_url

SUGGESTIONS = 8


@requires("orders.view_order")
def suggestions(request: SignedInRequest) -> HttpResponse:
    """What the header box shows while one types; without htmx, the full results list."""
    query = search.clean(request.GET.get("q"))
    if not request.htmx:
        return HttpResponseRedirect(f"{reverse('orders:list')}?{urlencode({'q': query})}")
    result = search.search(query, viewer=request.user, limit=SUGGESTIONS)
    rows = presenters.list_rows(
        [h.order for h in result.hits], reasons={h.order.pk: (h.exact, h.reasons) for h in result.hits}
    )
    return render(
        request,
        "orders/search.html#suggestions",
        {
            "result": result,
            "query": query,
            "rows": rows,
            "rows_html": list_table.suggestion_items(rows),
            "merchants": functools.cache(
                functools.partial(_merchants, request)
            ),  # read only when the live lookup is offered
            "exact": search.target_of(result, viewer=request.user),  # from what the search read
        },
    )


def _merchants(request: SignedInRequest) -> list[Merchant]:
    return list(visible_merchants(request.user).filter(is_active=True).order_by("-is_default", "code"))


@requires("orders.refresh_order")
@require_POST
def lookup(request: SignedInRequest) -> HttpResponse:
    """Ask Juspay for an order the cache does not have; cache it and open it when Juspay knows it."""
    order_id = search.clean(request.POST.get("order_id"))
    merchants = _merchants(request)
    code = request.POST.get("merchant", "")
    merchant = next((m for m in merchants if m.code == code), merchants[0] if merchants else None)
    error = ""
    if not search.looks_like_order_id(order_id):
        error = f"“{order_id}” does not look like an order id."
    elif merchant is None:
        error = "No active Juspay merchant account is configured."
    elif cached := search.find_payouts(order_id, merchant.code, viewer=request.user):
        return redirect_or_htmx(request, payout_url(cached[0]))
    else:
        result = services.lookup_live(merchant, order_id, actor=request.user)
        if result.obj is not None and not result.error:
            return redirect_or_htmx(request, order_url(result.obj))
        if isinstance(result.failure, JuspayNotFound):
            # Not a payment order: it may be a payout order (Juspay's payout Order Status answers for those).
            payout = services.lookup_live_payout(merchant, order_id, actor=request.user)
            if payout.obj is not None and not payout.error:
                return redirect_or_htmx(request, payout_url(payout.obj))
            error = f"Juspay has no order or payout order “{order_id}” for {merchant.name}."
        else:
            error = f"Juspay could not be reached, so “{order_id}” could not be looked up. ({result.error})"
    if request.htmx:
        return render(request, "orders/search.html#lookup_result", {"error": error, "order_id": order_id})
    messages.error(request, error)
    return HttpResponseRedirect(f"{reverse('orders:list')}?{urlencode({'q': order_id})}")
