"""What fulfilment tells on the order's timeline (orders.registry): its requests' events as sentences
("Refund of ₹50.00 approved by finance"), the Fulfilment Sync commands Juspay lists for the order, each at
Juspay's time, and the maker and approvers of refunds raised here. Each reads a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from dashboard.time_display import as_datetime
from fulfilment import services
from fulfilment.events import KINDS
from fulfilment.models import ActionKind, ActionRequest, Verdict
from orders import registry
from orders.models import Order, TimelineEvent


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _request_of(data: Mapping[str, Any]) -> int | None:
    value = data.get("request")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _link(pk: int) -> tuple[str, str]:
    return reverse("fulfilment:detail", args=[pk]), f"request #{pk}"


def _sentence(kind: str, what: str, who: str, data: Mapping[str, Any]) -> str:
    by = f" by {who}" if who else ""
    comment = str(data.get("comment") or "")
    quoted = f": “{comment}”" if comment else ""
    if kind == "action.raised":
        needed = data.get("approvals_needed")
        approvals = (
            "no approval needed"
            if needed == 0
            else f"{needed} approval{'s' if needed != 1 else ''} needed"
            if isinstance(needed, int)
            else ""
        )
        return f"{_first_upper(what)} asked for{by}" + (f" ({approvals})" if approvals else "") + quoted
    if kind == "action.approved":
        count = f" ({data.get('approvals')} of {data.get('required')})" if data.get("required") else ""
        return f"{_first_upper(what)} approved{by}{count}{quoted}"
    if kind == "action.rejected":
        return f"{_first_upper(what)} rejected{by}{quoted}"
    if kind == "action.cancelled":
        return f"{_first_upper(what)} cancelled{by}{quoted}"
    if kind == "action.expired":
        return f"{_first_upper(what)} expired before anyone approved it"
    if kind == "action.sent":
        return f"{_first_upper(what)} sent to Juspay (attempt {data.get('attempt') or 1})"
    if kind == "action.succeeded":
        return f"Juspay accepted the {what}"
    if kind == "action.failed":
        error = str(data.get("error") or "")
        return f"{_first_upper(what)} failed" + (f": {error}" if error else "")
    if kind == "action.unresolved":
        return f"{_first_upper(what)}: outcome unknown, a person must check with Juspay"
    return _first_upper(what)


def tell(order: Order, events: list[TimelineEvent]) -> dict[int, registry.Telling]:
    """Sentences for action.* events, with the amount formatted from the request itself (one query)."""
    ids = {pk for e in events if (pk := _request_of(e.data if isinstance(e.data, Mapping) else {})) is not None}
    requests = {r.pk: r for r in ActionRequest.objects.filter(pk__in=ids, order=order)}
    told: dict[int, registry.Telling] = {}
    for event in events:
        if event.kind not in KINDS:
            continue  # a kind we no longer know: the timeline shows it as it came
        data = event.data if isinstance(event.data, Mapping) else {}
        pk = _request_of(data)
        req = requests.get(pk) if pk is not None else None
        what = services.describe(req) if req is not None else str(data.get("action") or "request")
        who = event.actor.get_username() if event.actor_id and event.actor else ""
        link, label = _link(pk) if pk is not None else ("", "")
        told[event.pk] = registry.Telling(_sentence(event.kind, what, who, data), link, label)
    return told


def juspay_lines(order: Order) -> list[registry.StoryLine]:
    """The Fulfilment Sync commands Juspay's latest answer lists for the order, each at its `date_created`."""
    answered = (
        ActionRequest.objects.filter(order=order, kind=ActionKind.FULFILMENT, juspay_answer__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )
    raw = answered.juspay_answer if answered is not None else None
    if not isinstance(raw, dict):
        return []
    lines = []
    link, label = _link(answered.pk) if answered is not None else ("", "")
    for item in raw.get("commands") or []:
        if not isinstance(item, dict):
            continue
        at = as_datetime(item.get("date_created"))
        if at is None:
            continue
        command, state = str(item.get("command") or "command"), str(item.get("status") or "no status")
        details = [("Fulfilment id", str(item.get("fulfillment_id") or "—"))]
        if item.get("error_message"):
            details.append(("Message", str(item["error_message"])))
        lines.append(
            registry.StoryLine(
                at,
                "juspay.command",
                f"Fulfilment Sync command {command} recorded at Juspay: {state}",
                tuple(details),
                link,
                label,
            )
        )
    return lines


def refund_origins(order: Order) -> dict[str, registry.RefundOrigin]:
    """Refunds raised here, by their unique_request_id (the request's idempotency key)."""
    found: dict[str, registry.RefundOrigin] = {}
    requests = (
        ActionRequest.objects.filter(order=order, kind=ActionKind.REFUND)
        .select_related("maker")
        .prefetch_related("decisions__approver")
    )
    for req in requests:
        approvers = tuple(d.approver.get_username() for d in req.decisions.all() if d.verdict == Verdict.APPROVE)
        link, label = _link(req.pk)
        found[req.idempotency_key] = registry.RefundOrigin(req.maker.get_username(), approvers, link, label)
    return found
