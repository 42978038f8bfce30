"""What the pages show: requests with what the viewer may do with each (display only; services decide)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from fulfilment import permissions, services
from fulfilment.models import ActionKind, ActionRequest, ActionState, Decision, Verdict
from orders.models import Order, TimelineEvent

QUEUE_LIMIT = 200
STATE_FILTERS = [
    ("pending", "Waiting for approval"),
    ("open", "Open"),
    ("failed", "Failed"),
    ("succeeded", "Succeeded"),
    ("all", "All"),
]


# The pages call the person looking at them the viewer.
Viewer = permissions.Person


@dataclass
class Row:
    """One request as a queue or order-page row: what it is, and what the viewer may do with it."""

    req: ActionRequest
    approvals: int
    can_decide: bool
    can_cancel: bool
    can_retry: bool
    why_not: str  # why the viewer may not decide on a waiting request ("You raised it"), or ""
    show_select: bool
    problem: str = ""

    @property
    def summary(self) -> str:
        return services.describe(self.req)

    @property
    def expired(self) -> bool:
        return self.req.state == ActionState.PENDING and self.req.expires_at <= timezone.now()


def row_for(req: ActionRequest, viewer: Viewer, *, problem: str = "") -> Row:
    """The row, with the same rules the services enforce (fulfilment.permissions); reads prefetched decisions."""
    refusal = permissions.why_not_decide(viewer, req)
    return Row(
        req=req,
        approvals=sum(1 for d in req.decisions.all() if d.verdict == Verdict.APPROVE),
        can_decide=refusal is None,
        can_cancel=permissions.why_not_cancel(viewer, req) is None,
        can_retry=permissions.why_not_retry(viewer, req) is None,
        why_not=refusal.short if refusal is not None else "",
        show_select=viewer.can_approve,
        problem=problem,
    )


def _with_decisions(qs: QuerySet[ActionRequest]) -> QuerySet[ActionRequest]:
    return qs.select_related("order__merchant", "maker").prefetch_related("decisions")


def queue_rows(viewer: Viewer, *, state: str = "pending", mine: bool = False) -> tuple[list[Row], bool]:
    maker = viewer.user if mine and isinstance(viewer.user, User) else None
    qs = services.queue(state=state, mine_of=maker)
    items = list(_with_decisions(qs)[: QUEUE_LIMIT + 1])
    return [row_for(r, viewer) for r in items[:QUEUE_LIMIT]], len(items) > QUEUE_LIMIT


def request_row(pk: int, viewer: Viewer, *, problem: str = "") -> Row:
    req = _with_decisions(ActionRequest.objects.filter(pk=pk)).get()
    return row_for(req, viewer, problem=problem)


@dataclass(frozen=True)
class RequestDetail:
    """The request page: the request, its row, its decisions, its history and what is sent to Juspay."""

    req: ActionRequest
    row: Row
    decisions: list[Decision]
    history: list[TimelineEvent]
    payload: list[tuple[str, str]]
    order_url: str


def request_detail(pk: int, viewer: Viewer) -> RequestDetail:
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
    return RequestDetail(
        req=req,
        row=row_for(req, viewer),
        decisions=list(req.decisions.all()),
        history=list(history),
        payload=payload_lines(req),
        order_url=order_url(req.order),
    )


def payload_lines(req: ActionRequest) -> list[tuple[str, str]]:
    payload = req.payload
    if req.kind == ActionKind.REFUND:
        refund = [("unique_request_id", payload.get("unique_request_id", "")), ("amount", payload.get("amount", ""))]
        allocation = payload.get("split_settlement_details")
        if allocation:
            refund.append(("from the marketplace", allocation.get("marketplace", {}).get("refund_amount")))
            refund += [
                (f"from vendor {share.get('sub_mid')}", share.get("refund_amount"))
                for share in allocation.get("vendor", {}).get("split", [])
            ]
        return [(k, "" if v is None else str(v)) for k, v in refund]
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


@dataclass(frozen=True)
class OrderActions:
    """The order page's slot: entry points, and the order's latest requests."""

    order: Order
    rows: list[Row]
    can_raise: bool
    can_view: bool
    still_refundable: Decimal  # what a person may still ask to refund (services.still_refundable)

    @property
    def moving(self) -> bool:
        """A request is on its way to Juspay: the slot refreshes itself until it lands."""
        return any(r.req.state in (ActionState.APPROVED, ActionState.SENDING) for r in self.rows)


def order_actions(order: Order, user: User | AnonymousUser) -> OrderActions:
    viewer = Viewer.of(user)
    requests = _with_decisions(ActionRequest.objects.filter(order=order)).order_by("-created_at", "-id")[:20]
    return OrderActions(
        order=order,
        rows=[row_for(r, viewer) for r in requests],
        can_raise=viewer.can_raise,
        can_view=viewer.can_view,
        still_refundable=services.still_refundable(order),
    )


def order_url(order: Order) -> str:
    """The order page (`orders:detail`, with `?merchant=` since order ids are unique per merchant only)."""
    try:
        return f"{reverse('orders:detail', args=[order.order_id])}?{urlencode({'merchant': order.merchant.code})}"
    except NoReverseMatch:
        return ""
