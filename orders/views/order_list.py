"""The orders list (filters, keyset pages, htmx with the URL in sync) and its CSV export."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from dashboard.access import SignedInRequest, requires
from dashboard.htmx import render_page_or_partial, wants_partial
from orders import exports, list_filter_bar, list_table, paging, presenters, search
from orders.filters import STATUS_SUGGESTIONS, OrderFilter
from orders.models import Order, OrderExport
from orders.views.common import order_url
from orders.views.payouts import payout_url

PAGING_KEYS = ("after", "before")
IGNORED_WITH_Q = ("q", "sort")  # search results come ranked, whatever the sort


def _base_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in PAGING_KEYS:
        query.pop(key, None)
    return query.urlencode()


def exact_page(request: SignedInRequest) -> str:
    """The page an exact order, payout or refund id typed in the search box opens (Enter in the header box
    submits here), or "" to show the list: a list asked for with other filters, `all=1` (the suggestions'
    "All results" link) or an htmx swap while typing stays a list."""
    if request.htmx or set(request.GET) - {"q"}:
        return ""
    target = search.exact_target(request.GET.get("q"), viewer=request.user)
    if target is not None and target.order is not None:
        return order_url(target.order)
    if target is not None and target.payout is not None:
        return payout_url(target.payout)
    return ""


def _narrowed(filterset: OrderFilter) -> bool:
    """Whether a filter besides the search itself is set (then the search's matches are filtered again)."""
    data = getattr(filterset.form, "cleaned_data", {})
    set_filters = (name for name, value in data.items() if value not in (None, "") and name not in IGNORED_WITH_Q)
    return bool(filterset.errors) or any(True for _ in set_filters)


@requires("orders.view_order")
def order_list(request: SignedInRequest) -> HttpResponse:
    if page_url := exact_page(request):
        return HttpResponseRedirect(page_url)
    filterset = OrderFilter(request.GET, queryset=Order.objects.visible_to(request.user), request=request)
    queryset = filterset.qs.only(*search.ROW_COLUMNS)  # runs the search when there is a `q`
    result = None
    if filterset.query:
        result = getattr(filterset, "search_result", None)
        if result is not None and not _narrowed(filterset):
            orders = [hit.order for hit in result.hits]  # the search loaded them, ranked, of the viewer's merchants
        else:
            rank = {pk: i for i, pk in enumerate(result.order_pks)} if result else {}
            orders = sorted(queryset.select_related("merchant"), key=lambda o: rank.get(o.pk, len(rank)))
        page = paging.ListPage(orders)
        reasons = {h.order.pk: (h.exact, h.reasons) for h in result.hits} if result else {}
    else:
        try:
            page = paging.keyset_page(
                queryset, filterset.sort_key, after=request.GET.get("after"), before=request.GET.get("before")
            )
        except paging.InvalidCursor as error:
            filterset.form.add_error(None, str(error))
            page = paging.keyset_page(queryset, filterset.sort_key)
        reasons = {}
    rows = presenters.list_rows(page.rows, reasons=reasons)
    context = {
        "filter": filterset,
        "filter_bar": list_filter_bar.lazy_html(request, filterset, reverse("orders:list")),
        "page": page,
        "rows": rows,
        "rows_html": list_table.table_rows(rows, matched_on=bool(result)),
        "result": result,
        "query": _base_query(request),
        "statuses": STATUS_SUGGESTIONS,
        "export_limit": exports.inline_limit(),
    }
    # A filter that does not validate (a date past the calendar, a bad cursor) is ignored with its reason: 400.
    # htmx swaps only 2xx answers, so a fragment shows the reason with 200.
    status = 400 if filterset.errors and not wants_partial(request) else 200
    return render_page_or_partial(request, "orders/order_list.html", "results", context, status=status)


@requires("orders.view_order")
def order_export(request: SignedInRequest) -> HttpResponseBase:
    """The filtered rows as CSV: streamed when small, else a background job whose page says when it is ready."""
    query = request.GET.copy()
    for key in PAGING_KEYS:
        query.pop(key, None)
    queryset = exports.selected(query, viewer=request.user)
    if exports.is_large(queryset):
        job = exports.start_background(request.user, query.urlencode())
        return HttpResponseRedirect(reverse("orders:export_status", args=[job.pk]))
    exports.record(request.user, query.urlencode(), mode="stream")
    response = StreamingHttpResponse(exports.stream(queryset.iterator(chunk_size=2000)), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="orders-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    return response


def _own_export(request: SignedInRequest, pk: UUID) -> OrderExport:
    return get_object_or_404(OrderExport, pk=pk, user=request.user)  # someone else's export does not exist


@requires("orders.view_order")
def export_list(request: SignedInRequest) -> HttpResponse:
    jobs = OrderExport.objects.filter(user=request.user)[:20]
    return render(request, "orders/exports.html", {"jobs": jobs, "export_limit": exports.inline_limit()})


@requires("orders.view_order")
def export_status(request: SignedInRequest, pk: UUID) -> HttpResponse:
    return render_page_or_partial(request, "orders/export_status.html", "job", {"job": _own_export(request, pk)})


@requires("orders.view_order")
def export_download(request: SignedInRequest, pk: UUID) -> FileResponse:
    job = _own_export(request, pk)
    handle = exports.file_of(job)
    if handle is None:
        raise Http404("This export is not ready (or its file is gone).")
    return FileResponse(handle, as_attachment=True, filename=job.file_name or f"{job.pk}.csv", content_type="text/csv")
