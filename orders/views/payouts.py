"""The payouts list and one page per payout order: the header, then each section as its own htmx fragment, and
what a person does there (refresh it from Juspay, reveal its personal data). Permissions as for orders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dashboard import htmx
from dashboard.access import SignedInRequest, requires
from dashboard.htmx import render_page_or_partial, wants_partial
from dashboard.merchant_scope import visible_merchants
from orders import masking, paging, payout_presenters, search, services
from orders.models import PayoutOrder
from orders.payout_filters import STATUS_SUGGESTIONS, PayoutFilter
from orders.timeline import present_timeline
from orders.views.common import merchant_code, say_refreshed

PAGE = "orders/payout_detail.html"
PAGING_KEYS = ("after", "before")

SECTIONS: list[tuple[str, str, str | None]] = [
    # (name, heading, extra permission)
    ("fulfillments", "Fulfilments", None),
    ("payments", "Payments (expand=payment)", None),
    ("refunds", "Refunds (expand=refund)", None),
    ("related", "Orders of this customer", None),
    ("timeline", "Timeline", None),
    ("raw", "Raw Juspay answer", "orders.view_raw"),
]


def payout_url(payout: PayoutOrder, name: str = "orders:payout_detail") -> str:
    return f"{reverse(name, args=[payout.payout_order_id])}?{urlencode({'merchant': payout.merchant.code})}"


class Ambiguous(Exception):
    def __init__(self, payouts: list[PayoutOrder]) -> None:
        super().__init__(f"{len(payouts)} payout orders")
        self.payouts = payouts


def get_payout(request: HttpRequest, payout_order_id: str) -> PayoutOrder:
    """The cached payout order the URL names (`?merchant=<code>` picks one when several merchants share the id)."""
    payouts = search.find_payouts(payout_order_id, merchant_code(request) or None, viewer=request.user)
    if not payouts:
        raise Http404(f"No cached payout order {payout_order_id}")
    if len(payouts) > 1:
        raise Ambiguous(payouts)
    return payouts[0]


def _payout(request: HttpRequest, payout_order_id: str) -> PayoutOrder:
    try:
        return get_payout(request, payout_order_id)
    except Ambiguous as many:
        return many.payouts[0]  # fragments and actions always carry ?merchant=; a bare URL takes the first


def pii_view(request: SignedInRequest, payout: PayoutOrder) -> masking.PiiView:
    return masking.payout_pii_view(request.user, request.session, payout.pk)


# --- the list ------------------------------------------------------------------------------------------------


@requires("orders.view_order")
def payout_list(request: SignedInRequest) -> HttpResponse:
    filterset = PayoutFilter(request.GET, queryset=PayoutOrder.objects.visible_to(request.user), request=request)
    rows = payout_presenters.with_fulfillment_types(filterset.qs)
    try:
        page = paging.keyset_page(
            rows, filterset.sort_key, after=request.GET.get("after"), before=request.GET.get("before")
        )
    except paging.InvalidCursor as error:
        filterset.form.add_error(None, str(error))
        page = paging.keyset_page(rows, filterset.sort_key)
    query = request.GET.copy()
    for key in PAGING_KEYS:
        query.pop(key, None)
    context = {
        "filter": filterset,
        "page": page,
        "rows": payout_presenters.list_rows(page.rows),
        "query": query.urlencode(),
        "statuses": STATUS_SUGGESTIONS,
    }
    # A filter that does not validate (or a bad cursor) is ignored with its reason: 400.
    # htmx swaps only 2xx answers, so a fragment shows the reason with 200.
    status = 400 if filterset.errors and not wants_partial(request) else 200
    return render_page_or_partial(request, "orders/payout_list.html", "results", context, status=status)


# --- one payout order ----------------------------------------------------------------------------------------


@requires("orders.view_order")
def payout_detail(request: SignedInRequest, payout_order_id: str) -> HttpResponse:
    try:
        payout = get_payout(request, payout_order_id)
    except Ambiguous as many:
        return render(
            request, "orders/payout_choose.html", {"payout_order_id": payout_order_id, "payouts": many.payouts}
        )
    except Http404:
        merchants = list(visible_merchants(request.user).filter(is_active=True).order_by("code"))
        context = {"payout_order_id": payout_order_id, "merchants": merchants}
        return render(request, "orders/payout_missing.html", context, status=404)
    sections = [(name, title) for name, title, perm in SECTIONS if perm is None or request.user.has_perm(perm)]
    head = payout_presenters.header(payout, pii_view(request, payout))
    return render(request, PAGE, {"payout": payout, "head": head, "sections": sections})


Build = Callable[[SignedInRequest, PayoutOrder], dict[str, Any]]
SectionView = Callable[[SignedInRequest, str], HttpResponse]


def section(permission: str = "orders.view_order") -> Callable[[Build], SectionView]:
    """A section fragment: permitted, its payout order found (404 otherwise), rendered from its partial."""

    def decorate(build: Build) -> SectionView:
        @requires(permission)
        @wraps(build)
        def view(request: SignedInRequest, payout_order_id: str) -> HttpResponse:
            payout = _payout(request, payout_order_id)
            return render(request, f"{PAGE}#{build.__name__}", {"payout": payout, **build(request, payout)})

        return view

    return decorate


@section()
def timeline(request: SignedInRequest, payout: PayoutOrder) -> dict[str, Any]:
    return {
        "timeline": present_timeline(
            payout, category=request.GET.get("category", ""), source=request.GET.get("source", "")
        )
    }


@section()
def fulfillments(request: SignedInRequest, payout: PayoutOrder) -> dict[str, Any]:
    pii = pii_view(request, payout)
    return {"fulfillments": payout_presenters.fulfillments(payout, unmasked=pii.unmasked), "pii": pii}


@section()
def payments(request: SignedInRequest, payout: PayoutOrder) -> dict[str, Any]:
    pii = pii_view(request, payout)
    return {"items": payout_presenters.payments_and_refunds(payout, unmasked=pii.unmasked), "pii": pii}


@section()
def refunds(request: SignedInRequest, payout: PayoutOrder) -> dict[str, Any]:
    return {"items": payout_presenters.payments_and_refunds(payout, unmasked=False)}  # refunds carry no PII


@section()
def related(request: SignedInRequest, payout: PayoutOrder) -> dict[str, Any]:
    return {"related": payout_presenters.related(payout)}


@section("orders.view_raw")
def raw(request: SignedInRequest, payout: PayoutOrder) -> dict[str, Any]:
    pii = pii_view(request, payout)
    return {"raw": payout_presenters.raw_text(payout, unmasked=pii.unmasked), "pii": pii}


# --- actions -------------------------------------------------------------------------------------------------


def _header(request: SignedInRequest, payout: PayoutOrder, **extra: Any) -> HttpResponse:
    """The header again, and the event that makes every section of the page reload."""
    context = {"payout": payout, "head": payout_presenters.header(payout, pii_view(request, payout)), **extra}
    response = render(request, f"{PAGE}#header", context)
    response["HX-Trigger"] = htmx.ORDER_CHANGED
    return response


@requires("orders.refresh_order")
@require_POST
def refresh(request: SignedInRequest, payout_order_id: str) -> HttpResponse:
    """Re-fetch the payout order from Juspay now; on failure the cached copy stays, with a warning."""
    payout = _payout(request, payout_order_id)
    result = services.refresh_payout_now(payout, actor=request.user)
    payout.refresh_from_db()
    if not request.htmx:
        say_refreshed(request, result)
        return redirect(payout_url(payout))
    return _header(request, payout, refresh_error=result.error, refreshed=not result.error, changes=len(result.events))


@requires(masking.PERMISSION)
@require_POST
def reveal(request: SignedInRequest, payout_order_id: str) -> HttpResponse:
    """Show this payout order's beneficiary and payer details unmasked, to this person, for a while; audited."""
    payout = _payout(request, payout_order_id)
    masking.reveal_payout(request.session, payout, actor=request.user)
    if not request.htmx:
        return redirect(payout_url(payout))
    return _header(request, payout)
