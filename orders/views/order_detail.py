"""One page per order: the header, then each section as its own htmx fragment (its own URL)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from dashboard.access import SignedInRequest, requires
from dashboard.merchant_scope import visible_merchants
from dashboard.time_display import time_html
from orders import masking, payout_presenters, presenters, registry, search, section_cache, worklist
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
    pii = pii_view(request, order)
    sections = [(name, title) for name, title, perm in SECTIONS if perm is None or request.user.has_perm(perm)]
    header, placeholders = cached_parts(request, order, pii, sections)
    context = {
        "order": order,
        "header_html": mark_safe(header),  # noqa: S308 - rendered by the template (autoescaped)
        "sections_html": mark_safe(placeholders),  # noqa: S308 - likewise
        "panels": registry.order_panels(),
    }
    return render(request, PAGE, context)


# The permissions the header's buttons depend on (orders/_copy_actions.html): part of its cache key.
HEADER_PERMISSIONS = ("orders.refresh_order", masking.PERMISSION)


def cached_parts(
    request: SignedInRequest, order: Order, pii: masking.PiiView, sections: list[tuple[str, str]]
) -> tuple[str, str]:
    """The page's header (`{% partialdef header %}`) and its section placeholders (orders/_sections.html), read
    from the cache in one round trip (orders/section_cache.py).

    The header's copy is keyed by the order's version, the viewer's time zone and language, its merchant's name,
    and the set of permissions its buttons depend on (never the person). It holds no CSRF token (the viewer's is
    spliced in after the read) and no relative time (the "Last synced" age is filled in per request). A header
    with personal data revealed to this viewer (and the reveal's expiry) is rendered live, never cached. The
    placeholders' URLs depend only on the order and which sections this viewer may open (in their key)."""
    perms = "".join("1" if request.user.has_perm(p) else "0" for p in HEADER_PERMISSIONS) + str(int(pii.can_reveal))
    header_key = section_cache.key(
        PAGE, "header", order, unmasked=False, extra=f"perms={perms}:{order.merchant.code}:{order.merchant.name}"
    )
    names = ",".join(name for name, _ in sections)
    sections_key = section_cache.key(PAGE, "sections", order, unmasked=False, extra=f"sections={names}")

    def header() -> str:
        context = {
            "order": order,
            "head": presenters.header(order, pii),
            "csrf_token": section_cache.CSRF_PLACEHOLDER,
            "last_synced_marker": mark_safe(section_cache.LAST_SYNCED_MARKER),  # noqa: S308 - a constant
        }
        return render_to_string(f"{PAGE}#header", context, request)

    def placeholders() -> str:
        return render_to_string(f"{PAGE}#sections", {"order": order, "sections": sections}, request)

    renders = {sections_key: placeholders}
    if not pii.unmasked:
        renders[header_key] = header
    html = section_cache.rendered_many(renders)
    if pii.unmasked:
        live = render_to_string(f"{PAGE}#header", {"order": order, "head": presenters.header(order, pii)}, request)
        return live, html[sections_key]
    shown = section_cache.with_csrf(html[header_key], request)
    if order.last_synced_at is not None:
        shown = shown.replace(section_cache.LAST_SYNCED_MARKER, str(time_html(order.last_synced_at, relative=True)))
    return shown, html[sections_key]


Build = Callable[[SignedInRequest, Order], dict[str, Any]]
SectionView = Callable[[SignedInRequest, str], HttpResponse]
# What a cached section's HTML depends on beyond the order's rows (orders/section_cache.py): whether personal
# data is unmasked for this viewer, and anything the section shows from outside the order (e.g. requests).
CacheBy = Callable[[SignedInRequest, Order], tuple[bool, str]]


def section(permission: str = "orders.view_order", *, cached: CacheBy | None = None) -> Callable[[Build], SectionView]:
    """A section fragment: permitted, its order found (404 otherwise), rendered from its partial. With `cached`,
    the HTML is kept in the cache under a key of everything that changes it (orders/section_cache.py); the
    permission and the order's merchant scope are checked first, on every request."""

    def decorate(build: Build) -> SectionView:
        partial = f"{PAGE}#{build.__name__}"

        @requires(permission)
        @wraps(build)
        def view(request: SignedInRequest, order_id: str) -> HttpResponse:
            try:
                order = get_order(request, order_id)
            except Ambiguous as many:
                order = many.orders[0]  # fragments always carry ?merchant=; a bare URL shows the first

            def html() -> str:
                return render_to_string(partial, {"order": order, **build(request, order)}, request)

            if cached is None:
                return HttpResponse(html())
            unmasked, extra = cached(request, order)
            key = section_cache.key(PAGE, build.__name__, order, unmasked=unmasked, extra=extra)
            return HttpResponse(section_cache.rendered(key, html))

        return view

    return decorate


def _by_pii(request: SignedInRequest, order: Order) -> tuple[bool, str]:
    return pii_view(request, order).unmasked, ""


def _by_nothing(request: SignedInRequest, order: Order) -> tuple[bool, str]:
    return False, ""  # the section shows no personal data


def _by_refund_origins(request: SignedInRequest, order: Order) -> tuple[bool, str]:
    """The requests raised here for this order's refunds (who made and approved them) are part of the HTML.
    Kept on the request, so a miss builds the section from the same answer."""
    origins = registry.refund_origins(order)
    request._order_refund_origins = origins  # type: ignore[attr-defined]
    return False, hashlib.sha256(repr(sorted(origins.items())).encode()).hexdigest()


@section()
def timeline(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {
        "timeline": present_timeline(
            order, category=request.GET.get("category", ""), source=request.GET.get("source", "")
        )
    }


@section(cached=_by_pii)
def payment(request: SignedInRequest, order: Order) -> dict[str, Any]:
    pii = pii_view(request, order)
    return {"payment": presenters.payment(order, unmasked=pii.unmasked), "pii": pii}


@section(cached=_by_refund_origins)
def refunds(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {"refunds": presenters.refunds(order, getattr(request, "_order_refund_origins", None))}


@section(cached=_by_nothing)
def splits(request: SignedInRequest, order: Order) -> dict[str, Any]:
    return {"splits": presenters.splits(order)}


@section(cached=_by_nothing)
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
