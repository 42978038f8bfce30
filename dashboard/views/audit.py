from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from dashboard import audit, audit_registry
from dashboard.access import SignedInRequest, requires
from dashboard.csv_export import csv_lines
from dashboard.filters import AuditEventFilter
from dashboard.htmx import render_page_or_partial
from dashboard.merchant_scope import is_limited, visible_merchants
from dashboard.models import AuditEvent

PAGE_SIZE = 50

# The platform's own verbs (orders and fulfilment register theirs in their AppConfig.ready).
VERBS = {
    "auth.login": "Signed in",
    "auth.login_failed": "Failed sign-in",
    "auth.login_locked_out": "Sign-in locked out",
    "auth.login_address_throttled": "Sign-ins from an address throttled",
    "auth.logout": "Signed out",
    "sso.login": "Signed in by single sign-on",
    "sso.user_created": "User created by single sign-on",
    "sso.linked": "User linked to single sign-on",
    "sso.role_synced": "Role set from single sign-on groups",
    "sso.logout": "Signed out of single sign-on",
    "account.time_zone": "Time zone changed",
    "user.role_changed": "Role changed",
    "user.merchants_limited": "Merchant access changed",
    "merchant.created": "Merchant added",
    "merchant.changed": "Merchant changed",
    "merchant.base_url_proposed": "Merchant base URL proposed",
    "merchant.base_url_changed": "Merchant base URL changed",
    "merchant.base_url_rejected": "Merchant base URL rejected",
    "merchant.base_url_withdrawn": "Merchant base URL withdrawn",
    "audit.export": "Audit log exported",
    "api_token.create": "API token created",
    "api_token.revoke": "API token revoked",
    "demo.users_reset": "Demo users reset",
    "system.heartbeat": "Worker heartbeat",
}


def _people_links(ids: list[str], viewer: audit_registry.Viewer) -> dict[str, str]:
    """A person's row on the people page (failed sign-ins name a username, not a person: no link)."""
    return {pk: f"{reverse('people:list')}#person-{pk}" for pk in ids if pk.isdigit()}


def _merchant_links(ids: list[str], viewer: audit_registry.Viewer) -> dict[str, str]:
    """A merchant's edit page, for the merchants the viewer may see (another one's page answers 404)."""
    wanted = [int(pk) for pk in ids if pk.isdigit()]
    pks = (
        wanted
        if not is_limited(viewer)
        else visible_merchants(viewer).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    return {str(pk): reverse("merchants:edit", args=[pk]) for pk in pks}


OBJECT_KINDS = [
    ("auth.user", "Person", "dashboard.manage_roles", _people_links),
    ("dashboard.merchant", "Merchant", "dashboard.change_merchant", _merchant_links),
]


def _filtered(request: SignedInRequest) -> AuditEventFilter:
    return AuditEventFilter(request.GET, queryset=AuditEvent.objects.order_by("-sequence"))


@requires("dashboard.view_auditevent")
def audit_list(request: SignedInRequest) -> HttpResponse:
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    events = list(page)
    links = audit_registry.links_for(((e.object_type, e.object_id) for e in events), request.user)
    rows = [(event, links.get((event.object_type, event.object_id), ""), _actor_link(event)) for event in events]
    context = {"filter": filterset, "page": page, "rows": rows, "query": query.urlencode()}
    return render_page_or_partial(request, "dashboard/audit_list.html", "results", context)


def _actor_link(event: AuditEvent) -> str:
    """The events of the same actor, in this log."""
    if not event.actor_username:
        return ""
    return f"{reverse('audit:list')}?{urlencode({'actor': event.actor_username})}"


@requires("dashboard.view_auditevent")
def audit_export(request: SignedInRequest) -> HttpResponseBase:
    filterset = _filtered(request)
    if not filterset.is_valid():
        return HttpResponse(f"Invalid filter: {filterset.errors.as_text()}", status=400, content_type="text/plain")
    rows = audit.export(filterset.qs, actor=request.user, query=request.GET.urlencode())
    response = StreamingHttpResponse(csv_lines(audit.EXPORT_COLUMNS, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    return response
