from collections.abc import Iterator

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboard import audit
from dashboard.csv_export import csv_lines
from dashboard.filters import AuditEventFilter
from dashboard.models import AuditEvent

PAGE_SIZE = 50
CSV_COLUMNS = [
    "sequence",
    "created_at",
    "actor_username",
    "role",
    "ip",
    "request_id",
    "verb",
    "object_type",
    "object_id",
    "summary",
    "before",
    "after",
    "hash",
]


def _rows(events: Iterator[AuditEvent]) -> Iterator[list]:
    return ([getattr(event, column) for column in CSV_COLUMNS] for event in events)


def _filtered(request: HttpRequest) -> AuditEventFilter:
    return AuditEventFilter(request.GET, queryset=AuditEvent.objects.order_by("-sequence"))


@login_required
@permission_required("dashboard.view_auditevent", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    template = "dashboard/audit_list.html#results" if request.htmx else "dashboard/audit_list.html"
    return render(request, template, context)


@login_required
@permission_required("dashboard.view_auditevent", raise_exception=True)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    filterset = _filtered(request)
    if not filterset.is_valid():
        return HttpResponse(f"Invalid filter: {filterset.errors.as_text()}", status=400, content_type="text/plain")
    audit.record(
        "audit.export",
        actor=request.user,
        object_type="dashboard.auditevent",
        summary=f"exported audit rows matching {request.GET.urlencode() or 'everything'}",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        csv_lines(CSV_COLUMNS, _rows(filterset.qs.iterator(chunk_size=2000))), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
