from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from dashboard import audit
from dashboard.access import SignedInRequest, requires
from dashboard.csv_export import csv_lines
from dashboard.filters import AuditEventFilter
from dashboard.htmx import render_page_or_partial
from dashboard.models import AuditEvent

PAGE_SIZE = 50


def _filtered(request: SignedInRequest) -> AuditEventFilter:
    return AuditEventFilter(request.GET, queryset=AuditEvent.objects.order_by("-sequence"))


@requires("dashboard.view_auditevent")
def audit_list(request: SignedInRequest) -> HttpResponse:
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    return render_page_or_partial(request, "dashboard/audit_list.html", "results", context)


@requires("dashboard.view_auditevent")
def audit_export(request: SignedInRequest) -> HttpResponseBase:
    filterset = _filtered(request)
    if not filterset.is_valid():
        return HttpResponse(f"Invalid filter: {filterset.errors.as_text()}", status=400, content_type="text/plain")
    rows = audit.export(filterset.qs, actor=request.user, query=request.GET.urlencode())
    response = StreamingHttpResponse(csv_lines(audit.EXPORT_COLUMNS, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    return response
