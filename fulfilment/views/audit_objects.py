"""What the audit page needs from fulfilment (dashboard.audit_registry): its verbs, the requests an id people
know names (#12, 12, its idempotency key or fulfilment id, or the order it is on), and links to their pages."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from dashboard.audit_registry import Viewer
from dashboard.merchant_scope import is_limited
from fulfilment.models import ActionRequest

VERBS = {
    "action.raised": "Request raised",
    "action.approved": "Request approved",
    "action.rejected": "Request rejected",
    "action.cancelled": "Request cancelled",
    "action.expired": "Request expired",
    "action.sent": "Request sent to Juspay",
    "action.succeeded": "Juspay accepted the request",
    "action.failed": "Request failed",
    "action.outcome_unknown": "Request outcome unknown",
    "action.unresolved": "Request waiting to be settled",
    "action.resolved": "Request settled",
    "action.retried": "Request retried",
    "policy.proposed": "Approval policy proposed",
    "policy.changed": "Approval policy in force",
    "policy.rejected": "Approval policy rejected",
    "policy.withdrawn": "Approval policy withdrawn",
    "policy.command_added": "Fulfilment command added",
    "policy.command_removed": "Fulfilment command removed",
}
FINDS = 200  # requests on one order, newest first


def find(text: str) -> list[tuple[str, str]]:
    """Requests the text names: `#12` or `12`, an idempotency key or fulfilment id, or every request on the
    order whose merchant order id it is (so an order id shows the approvals on it too). Indexed lookups."""
    number = text.removeprefix("#")
    match = Q(idempotency_key=text) | Q(fulfillment_id=text) | Q(order__order_id=text)
    if number.isdigit() and len(number) < 18:
        match |= Q(pk=int(number))
    pks = ActionRequest.objects.filter(match).order_by("-pk").values_list("pk", flat=True)[:FINDS]
    return [("fulfilment.actionrequest", str(pk)) for pk in pks]


def request_links(ids: list[str], viewer: Viewer) -> dict[str, str]:
    """Links to the requests `viewer` may open: another merchant's request has none (its page answers 404)."""
    wanted = [int(pk) for pk in ids if pk.isdigit() and len(pk) < 18]
    if not is_limited(viewer):  # every request is theirs to open: no query
        return {str(pk): reverse("fulfilment:detail", args=[pk]) for pk in wanted}
    pks = ActionRequest.objects.visible_to(viewer).filter(pk__in=wanted).values_list("pk", flat=True)
    return {str(pk): reverse("fulfilment:detail", args=[pk]) for pk in pks}


def policy_links(ids: list[str], viewer: Viewer) -> dict[str, str]:
    return dict.fromkeys(ids, reverse("fulfilment:policy"))
