"""What the order views share: finding the order a URL names, and what its viewer may see of it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.urls import reverse

from dashboard.access import SignedInRequest
from orders import masking, search
from orders.models import Order, PayoutOrder
from orders.sync import SyncResult


class Ambiguous(Exception):
    """Several merchants have an order with this id; the person must choose."""

    def __init__(self, orders: list[Order]) -> None:
        super().__init__(f"{len(orders)} orders")
        self.orders = orders


def merchant_code(request: HttpRequest) -> str:
    return (request.GET.get("merchant") or request.POST.get("merchant") or "").strip()


def get_order(request: HttpRequest, order_id: str) -> Order:
    """The cached order the URL names (`?merchant=<code>` picks one when several merchants share the id)."""
    orders = search.find_orders(order_id, merchant_code(request) or None, viewer=request.user)
    if not orders:
        raise Http404(f"No cached order {order_id}")
    if len(orders) > 1:
        raise Ambiguous(orders)
    return orders[0]


def order_url(order: Order, name: str = "orders:detail") -> str:
    return f"{reverse(name, args=[order.order_id])}?{urlencode({'merchant': order.merchant.code})}"


def pii_view(request: SignedInRequest, order: Order) -> masking.PiiView:
    return masking.pii_view(request.user, request.session, order.pk)


def say_refreshed(request: HttpRequest, result: SyncResult[Order] | SyncResult[PayoutOrder]) -> None:
    """The flash message after a full-page (no htmx) "Refresh now" of an order or a payout order: a
    sync result with its `error` and `events`."""
    if result.error:
        messages.error(request, f"Juspay could not be reached; showing the cached copy. ({result.error})")
    else:
        messages.success(request, f"Refreshed from Juspay: {len(result.events)} change(s).")
