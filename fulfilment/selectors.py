"""What the pages show: requests with what the viewer may do with each (display only; services decide)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from fulfilment import services
from fulfilment.models import ActionKind, ActionRequest, ActionState, Verdict
from orders.models import Order, TimelineEvent

QUEUE_LIMIT = 200
STATE_FILTERS = [
    ("pending", "Waiting for approval"),
    ("open", "Open"),
    ("failed", "Failed"),
    ("succeeded", "Succeeded"),
    ("all", "All"),
]


@dataclass(frozen=True)
class Viewer:
    """The viewer's standing, read once per page."""

    user: Any
    roles: frozenset[str]
    can_approve: bool
    can_raise: bool

    @classmethod
    def of(cls, user: Any) -> Viewer:
        roles = frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        return cls(
            user,
            roles,
            user.has_perm("fulfilment.approve_actionrequest"),
            user.has_perm("fulfilment.raise_actionrequest"),
        )

    def holds(self, roles: list[str]) -> bool:
        return self.user.is_superuser or bool(self.roles & set(roles))


@dataclass
class Row:
    req: ActionRequest
    approvals: int
    decided_by_me: bool
    can_decide: bool
    can_cancel: bool
    can_retry: bool
    why_not: str
    show_select: bool
    problem: str = ""

    @property
    def summary(self) -> str:
        return services.describe(self.req)

    @property
    def expired(self) -> bool:
        return self.req.state == ActionState.PENDING and self.req.expires_at <= timezone.now()


def row_for(req: ActionRequest, viewer: Viewer, *, problem: str = "") -> Row:
    decisions = list(req.decisions.all())
    approvals = sum(1 for d in decisions if d.verdict == Verdict.APPROVE)
    decided = any(d.approver_id == viewer.user.pk for d in decisions)
    pending = req.state == ActionState.PENDING and req.expires_at > timezone.now()
    why_not = ""
    if not viewer.can_approve:
        why_not = ""
    elif req.maker_id == viewer.user.pk:
        why_not = "You raised it"
    elif decided:
        why_not = "You already decided"
    elif not viewer.holds(req.approver_roles):
        why_not = f"Needs {' or '.join(req.approver_roles)}"
    can_decide = pending and viewer.can_approve and not why_not
    return Row(
        req=req,
        approvals=approvals,
        decided_by_me=decided,
        can_decide=can_decide,
        can_cancel=req.state == ActionState.PENDING and req.maker_id == viewer.user.pk,
        can_retry=req.can_retry
        and viewer.can_approve
        and req.maker_id != viewer.user.pk
        and viewer.holds(req.approver_roles),
        why_not=why_not if pending else "",
        show_select=viewer.can_approve,
        problem=problem,
    )


def _with_decisions(qs: QuerySet[ActionRequest]) -> QuerySet[ActionRequest]:
    return qs.select_related("order__merchant", "maker").prefetch_related("decisions")


def queue_rows(viewer: Viewer, *, state: str = "pending", mine: bool = False) -> tuple[list[Row], bool]:
    qs = services.queue(state=state, mine_of=viewer.user if mine else None)
    items = list(_with_decisions(qs)[: QUEUE_LIMIT + 1])
    return [row_for(r, viewer) for r in items[:QUEUE_LIMIT]], len(items) > QUEUE_LIMIT


def request_row(pk: int, viewer: Viewer, *, problem: str = "") -> Row:
    req = _with_decisions(ActionRequest.objects.filter(pk=pk)).get()
    return row_for(req, viewer, problem=problem)


def request_detail(pk: int, viewer: Viewer) -> dict[str, Any]:
    req = (
        ActionRequest.objects.select_related("order__merchant", "maker", "merchant")
        .prefetch_related("decisions__approver")
        .get(pk=pk)
    )
    history = (
        TimelineEvent.objects.filter(order=req.order, kind__startswith="action.", data__request=req.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
    return {
        "row": row_for(req, viewer),
        "req": req,
        "decisions": req.decisions.all(),
        "history": history,
        "payload": payload_lines(req),
    }


def payload_lines(req: ActionRequest) -> list[tuple[str, str]]:
    payload = req.payload
    if req.kind == ActionKind.REFUND:
        return [("unique_request_id", payload.get("unique_request_id", "")), ("amount", payload.get("amount", ""))]
    lines = [
        (key, payload.get(key))
        for key in (
            "fulfillment_command",
            "fulfillment_status",
            "fulfillment_id",
            "fulfillment_time",
            "fulfillment_data",
        )
    ]
    split = payload.get("split_settlement_details")
    if split:
        lines.append(("marketplace share", split.get("marketplace", {}).get("amount")))
        lines.append(("mdr_borne_by", split.get("mdr_borne_by")))
        for share in split.get("vendor", {}).get("split", []):
            commission = share.get("merchant_commission")
            lines.append(
                (
                    f"vendor {share.get('sub_mid')}",
                    f"{share.get('amount')}" + (f" (commission {commission})" if commission is not None else ""),
                )
            )
    return [(k, "" if v is None else str(v)) for k, v in lines]


def order_actions(order: Order, user: Any) -> dict[str, Any]:
    """Context of the order page's slot: entry points and the order's requests."""
    viewer = Viewer.of(user)
    requests = list(_with_decisions(ActionRequest.objects.filter(order=order)).order_by("-created_at", "-id")[:20])
    rows = [row_for(r, viewer) for r in requests]
    return {
        "order": order,
        "rows": rows,
        "can_raise": viewer.can_raise,
        "can_view": user.has_perm("fulfilment.view_actionrequest"),
        "still_refundable": services.still_refundable(order),
        "moving": any(r.req.state in (ActionState.APPROVED, ActionState.SENDING) for r in rows),
    }


def order_url(order: Order) -> str:
    """The order page (`orders:detail`, with `?merchant=` since order ids are unique per merchant only)."""
    try:
        return f"{reverse('orders:detail', args=[order.order_id])}?{urlencode({'merchant': order.merchant.code})}"
    except NoReverseMatch:
        return ""
