"""One page per order: the header, then each section as its own htmx fragment (its own URL)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render

from dashboard.access import SignedInRequest, requires
from dashboard.merchant_scope import visible_merchants
from orders import payout_presenters, presenters, registry, search, worklist
from orders.models import Order
from orders.timeline import present_timeline
from orders.views.common import Ambiguous, get_order, pii_view

PAGE = "orders/order_detail.html"

SECTIONS: list[tuple[str, str, str | None]] = [
    # (name, heading, extra permission)
    ("timeline", "Timeline", None),
    ("payment", "Payment", None),
    ("refunds", "Refunds", None),
    ("splits", "Split settlement", None),
    ("offers", "Offers", None),
    ("payouts", "Payouts and fulfilments", None),
    ("raw", "Raw Juspay answers", "orders.view_raw"),
]


@requires("orders.view_order")
def order_detail(request: SignedInRequest, order_id: str) -> HttpResponse:
    try:
        order = get_order(request, order_id)
    except Ambiguous as many:
        return render(request, "orders/order_choose.html", {"order_id": order_id, "orders": many.orders})
    except Http404:
        return render(
            request,
            "orders/order_missing.html",
            {
                "order_id": order_id,
                "offers_lookup": search.looks_like_order_id(order_id),
                "merchants": list(visible_merchants(request.user).filter(is_active=True).order_by("code")),
            },
            status=404,
        )
    worklist.record_visit(request.user, order)  # for the person's home: orders they worked on
    sections = [(name, title) for name, title, perm in SECTIONS if perm is None or request.user.has_perm(perm)]
    context = {
        "order": order,
        "head": presenters.header(order, pii_view(request, order)),
        "sections": sections,
        "panels": registry.order_panels(),
    }
    return render(request, PAGE, context)


Build = Callable[[SignedInRequest, Order], dict[str, Any]]
SectionView = Callable[[SignedInRequest, str], HttpResponse]


def section(permission: str = "orders.view_order") -> Callable[[Build], SectionView]:
    """A section fragment: permitted, its order found (404 otherwise), rendered from its partial."""

    def decorate(build: Build) -> SectionView:
        @requires(permission)
        @wraps(build)
        def view(request: SignedInRequest, order_id: str) -> HttpResponse:
            try:
                order = get_order(request, order_id)
            except Ambiguous as many:
                order = many.orders[0]  # fragments always carry ?merchant=; a bare URL shows the first
            context = {"order": order, **build(request, order)}
            return render(request, f"{PAGE}#{build.__name__}", context)

        return view

    return decorate


@section()
def timeline(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {
        "timeline": present_timeline(
            order, category=request.GET.get("category", ""), source=request.GET.get("source", "")
        )
    }


@section()
def payment(request: SignedInRequest, order: Order) -> dict[str, Any]:
    pii = pii_view(request, order)
    return {"payment": presenters.payment(order, unmasked=pii.unmasked), "pii": pii}


@section()
def refunds(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {"refunds": presenters.refunds(order)}


@section()
def splits(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {"splits": presenters.splits(order)}


@section()
def offers(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {"offers": presenters.offers(order)}


@section()
def payouts(request: SignedInRequest, order: Order) -> dict[str, Any]:
    pii = pii_view(request, order)
    return {"payouts": payout_presenters.order_payouts(order, unmasked=pii.unmasked), "pii": pii}


@section("orders.view_raw")
def raw(request: SignedInRequest, order: Order) -> dict[str, Any]:
    pii = pii_view(request, order)
    return {"raw": presenters.raw(order, unmasked=pii.unmasked), "pii": pii}
