"""The managers' KPI page at /kpis/: the page, one fragment per section (loaded in parallel), the home page's
headline tiles, and every table as CSV. Manager and Admin (`orders.view_kpis`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from dashboard.access import SignedInRequest, requires
from dashboard.csv_export import csv_lines
from fulfilment import kpi_page


@requires("orders.view_kpis")
def page(request: SignedInRequest) -> HttpResponse:
    state = kpi_page.read_state(request.GET, request.user)
    return render(request, "kpis/kpis.html", {"state": state, "sections": kpi_page.SECTIONS})


@requires("orders.view_kpis")
def section(request: SignedInRequest, name: str) -> HttpResponse:
    if name not in kpi_page.SECTIONS:
        raise Http404("No such section")
    state = kpi_page.read_state(request.GET, request.user)
    return render(request, "kpis/kpis.html#section", {"state": state, "sec": kpi_page.section(name, state)})


@requires("orders.view_kpis")
def headline(request: SignedInRequest) -> HttpResponse:
    state = kpi_page.read_state(request.GET, request.user)
    return render(request, "kpis/kpis.html#headline", {"state": state, "figures": kpi_page.headline(state)})


@requires("orders.view_kpis")
def export(request: SignedInRequest, name: str, table: str) -> StreamingHttpResponse:
    if name not in kpi_page.SECTIONS:
        raise Http404("No such section")
    state = kpi_page.read_state(request.GET, request.user)
    rows: Iterable[list[Any]]
    try:
        if (name, table) == ("fulfilment", "overdue"):
            header, rows = kpi_page.overdue_csv(state)  # all of them, streamed
        else:
            header, rows = kpi_page.csv_table(kpi_page.section(name, state), table)
    except KeyError:
        raise Http404("No such table") from None
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    period = state.period
    response["Content-Disposition"] = f'attachment; filename="kpis-{name}-{table}-{period.first}-{period.last}.csv"'
    return response
