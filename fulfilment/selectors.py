"""What the pages show: requests with what the viewer may do with each (display only; services decide)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    ("unresolved", "Outcome unknown"),
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
    can_resolve: bool = False

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
        can_resolve=permissions.why_not_resolve(viewer, req) is None,
    )


def _with_decisions(qs: QuerySet[ActionRequest]) -> QuerySet[ActionRequest]:
    return qs.select_related("order__merchant", "maker").prefetch_related("decisions__approver")


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

    @property
    def result_json(self) -> str:
        return json.dumps(self.req.result, indent=2, ensure_ascii=False, sort_keys=True, default=str)

    @property
    def answer_json(self) -> str:
        """Juspay's whole Fulfillment Sync answer as received, formatted (never a Python repr)."""
        if self.req.juspay_answer is None:
            return ""
        return json.dumps(self.req.juspay_answer, indent=2, ensure_ascii=False, sort_keys=True)


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
class SyncCommand:
    """One entry of `commands[]` in Juspay's Fulfillment Sync answer, as the order page shows it."""

    command: str
    status: str
    fulfillment_id: str
    date_created: str
    error_message: str
    data: str  # `metadata`, the echoed `fulfillment_data`: free-form text, shown as text
    other: list[tuple[str, str]]  # fields Juspay sent that we do not name, kept and shown
    not_final: bool  # NO_ACTION: "SUCCESS is a terminal status for all fulfillment commands except NO_ACTION"


NAMED_COMMAND_FIELDS = ("command", "status", "fulfillment_id", "date_created", "error_message", "metadata")
NAMED_ANSWER_FIELDS = ("status", "order_id", "merchant_id", "commands")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class SyncAnswer:
    """Juspay's latest Fulfillment Sync answer for the order: it lists every command executed on it."""

    request_pk: int
    status: str
    order_id: str
    merchant_id: str
    commands: list[SyncCommand]
    other: list[tuple[str, str]]


def sync_answer(req: ActionRequest) -> SyncAnswer | None:
    """The request's stored answer (`juspay_answer`), read leniently: unknown fields are kept, odd ones shown."""
    raw = req.juspay_answer
    if not isinstance(raw, dict):
        return None
    commands = []
    for item in raw.get("commands") or []:
        if not isinstance(item, dict):
            commands.append(SyncCommand("", "", "", "", "", _text(item), [], False))
            continue
        command = _text(item.get("command"))
        status = _text(item.get("status"))
        commands.append(
            SyncCommand(
                command=command,
                status=status,
                fulfillment_id=_text(item.get("fulfillment_id")),
                date_created=_text(item.get("date_created")),
                error_message=_text(item.get("error_message")),
                data=_text(item.get("metadata")),
                other=[(k, _text(v)) for k, v in item.items() if k not in NAMED_COMMAND_FIELDS],
                not_final=command == "NO_ACTION" and status == "SUCCESS",
            )
        )
    return SyncAnswer(
        request_pk=req.pk,
        status=_text(raw.get("status")),
        order_id=_text(raw.get("order_id")),
        merchant_id=_text(raw.get("merchant_id")),
        commands=commands,
        other=[(k, _text(v)) for k, v in raw.items() if k not in NAMED_ANSWER_FIELDS],
    )


@dataclass(frozen=True)
class RefundRaisedHere:
    """A refund (or money-moving command) raised on this dashboard: Juspay's ids, the maker, the approvers."""

    req: ActionRequest
    unique_request_id: str  # our key for a refund; a command's key is its fulfillment_id
    juspay_id: str  # Juspay's refund `id` (the gateway's reference, or the unique_request_id), once known
    approvers: list[str]


def refund_raised_here(req: ActionRequest) -> RefundRaisedHere:
    refund = req.result.get("refund") if isinstance(req.result, dict) else None
    return RefundRaisedHere(
        req=req,
        unique_request_id=req.idempotency_key if req.kind == ActionKind.REFUND else "",
        juspay_id=_text(refund.get("id")) if isinstance(refund, dict) else "",
        approvers=[d.approver.get_username() for d in req.decisions.all() if d.verdict == Verdict.APPROVE],
    )


@dataclass(frozen=True)
class OrderActions:
    """The order page's slot: entry points, the order's latest requests, its refunds raised here and
    Juspay's latest Fulfillment Sync answer (every command on the order, with its outcome)."""

    order: Order
    rows: list[Row]
    can_raise: bool
    can_view: bool
    still_refundable: Decimal  # what a person may still ask to refund (services.still_refundable)
    refunds: list[RefundRaisedHere]
    sync: SyncAnswer | None

    @property
    def moving(self) -> bool:
        """A request is on its way to Juspay: the slot refreshes itself until it lands."""
        return any(r.req.state in (ActionState.APPROVED, ActionState.SENDING) for r in self.rows)


def order_actions(order: Order, user: User | AnonymousUser) -> OrderActions:
    viewer = Viewer.of(user)
    requests = list(_with_decisions(ActionRequest.objects.filter(order=order)).order_by("-created_at", "-id")[:20])
    answered = (
        ActionRequest.objects.filter(order=order, kind=ActionKind.FULFILMENT, juspay_answer__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )
    return OrderActions(
        order=order,
        rows=[row_for(r, viewer) for r in requests],
        can_raise=viewer.can_raise,
        can_view=viewer.can_view,
        still_refundable=services.still_refundable(order),
        refunds=[refund_raised_here(r) for r in requests if r.moves_money or r.kind == ActionKind.REFUND],
        sync=sync_answer(answered) if answered is not None else None,
    )


def order_url(order: Order) -> str:
    """The order page (`orders:detail`, with `?merchant=` since order ids are unique per merchant only)."""
    try:
        return f"{reverse('orders:detail', args=[order.order_id])}?{urlencode({'merchant': order.merchant.code})}"
    except NoReverseMatch:
        return ""


def order_sync_commands(order: Order, user: User | AnonymousUser) -> list[dict[str, object]]:
    """The commands of Juspay's latest Fulfillment Sync answer for the order, as the order page's panel lists
    them, for the API's order detail (orders.registry section "fulfilment_commands"); [] for a viewer who may not
    see requests."""
    if not user.has_perm(permissions.VIEW):
        return []
    answered = (
        ActionRequest.objects.filter(order=order, kind=ActionKind.FULFILMENT, juspay_answer__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )
    answer = sync_answer(answered) if answered is not None else None
    if answer is None:
        return []
    return [
        {
            "command": c.command,
            "status": c.status,
            "fulfillment_id": c.fulfillment_id,
            "date_created": c.date_created,
            "error_message": c.error_message,
            "data": c.data,
            "not_final": c.not_final,
        }
        for c in answer.commands
    ]
