"""`/api/v1/` endpoints of the fulfilment app (action requests and the rest), mounted by dashboard/api/urls.py.

Also the audit log and the KPIs: the KPIs are composed in fulfilment (`kpi_page`), and the audit view lives in
dashboard (`dashboard/views/api_audit.py`) but is mounted here, so the API's foundation (dashboard/api/urls.py)
needs no change.
"""

from django.urls import URLPattern, path

from dashboard.views.api_audit import AuditEventList
from fulfilment import api_kpis, api_views

urlpatterns: list[URLPattern] = [
    path("action-requests/", api_views.ActionRequestList.as_view(), name="action_requests"),
    path("action-requests/refunds/", api_views.RaiseRefund.as_view(), name="action_request_raise_refund"),
    path("action-requests/fulfilments/", api_views.RaiseFulfilment.as_view(), name="action_request_raise_fulfilment"),
    path("action-requests/<int:pk>/", api_views.ActionRequestDetail.as_view(), name="action_request"),
    path("action-requests/<int:pk>/approve/", api_views.Approve.as_view(), name="action_request_approve"),
    path("action-requests/<int:pk>/reject/", api_views.Reject.as_view(), name="action_request_reject"),
    path("action-requests/<int:pk>/cancel/", api_views.Cancel.as_view(), name="action_request_cancel"),
    path("action-requests/<int:pk>/retry/", api_views.Retry.as_view(), name="action_request_retry"),
    path("action-requests/<int:pk>/resolve/", api_views.Resolve.as_view(), name="action_request_resolve"),
    path("audit-events/", AuditEventList.as_view(), name="audit_events"),
    path("kpis/", api_kpis.Kpis.as_view(), name="kpis"),
]
