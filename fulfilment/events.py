"""Timeline events of refund and Fulfilment Sync requests, shown on the order's timeline.

orders owns the timeline; fulfilment registers these kinds in `orders.registry` (fulfilment/apps.py) and builds
its rows with `orders.events.event`. In every event, `request` is the ActionRequest id and `action` a short
description ("refund of INR 499.00", "NO_ACTION (SUCCESS, id DLV-1)").
"""

from typing import Any

from django.contrib.auth.models import User

from orders.events import event
from orders.models import Order, SyncSource, TimelineEvent

KINDS: dict[str, str] = {
    "action.raised": "Request raised",
    "action.approved": "Request approved",
    "action.rejected": "Request rejected",
    "action.cancelled": "Request cancelled",
    "action.expired": "Request expired",
    "action.sent": "Request sent to Juspay",
    "action.succeeded": "Juspay accepted the request",
    "action.failed": "Request failed",
    "action.unresolved": "Outcome unknown: a person must check with Juspay",
}


def _action(
    kind: str, order: Order, request: int, action: str, *, actor: User | None = None, **data: Any
) -> TimelineEvent:
    return event(kind, source=SyncSource.DASHBOARD, order=order, actor=actor, request=request, action=action, **data)


def action_raised(
    order: Order, request: int, action: str, *, actor: User | None, approvals_needed: int, comment: str = ""
) -> TimelineEvent:
    return _action(
        "action.raised", order, request, action, actor=actor, approvals_needed=approvals_needed, comment=comment
    )


def action_approved(
    order: Order,
    request: int,
    action: str,
    *,
    actor: User | None,
    approvals: int,
    required: int,
    final: bool,
    comment: str = "",
) -> TimelineEvent:
    return _action(
        "action.approved",
        order,
        request,
        action,
        actor=actor,
        approvals=approvals,
        required=required,
        final=final,
        comment=comment,
    )


def action_rejected(order: Order, request: int, action: str, *, actor: User | None, comment: str) -> TimelineEvent:
    return _action("action.rejected", order, request, action, actor=actor, comment=comment)


def action_cancelled(
    order: Order, request: int, action: str, *, actor: User | None, comment: str = ""
) -> TimelineEvent:
    return _action("action.cancelled", order, request, action, actor=actor, comment=comment)


def action_expired(order: Order, request: int, action: str) -> TimelineEvent:
    return _action("action.expired", order, request, action)


def action_sent(order: Order, request: int, action: str, *, attempt: int, key: str) -> TimelineEvent:
    return _action("action.sent", order, request, action, attempt=attempt, key=key)


def action_succeeded(order: Order, request: int, action: str, *, result: str) -> TimelineEvent:
    return _action("action.succeeded", order, request, action, result=result)


def action_failed(order: Order, request: int, action: str, *, error: str, retry_safe: bool) -> TimelineEvent:
    return _action("action.failed", order, request, action, error=error, retry_safe=retry_safe)


def action_unresolved(order: Order, request: int, action: str, *, reason: str) -> TimelineEvent:
    return _action("action.unresolved", order, request, action, reason=reason)
