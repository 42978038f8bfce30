"""What the pages show: requests with what the viewer may do with each (display only; services decide)."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from dashboard.money_format import format_money
from fulfilment import history as request_history
from fulfilment import permissions, policy, services
from fulfilment.models import ActionKind, ActionRequest, ActionState, Decision, Verdict
from orders import masking
from orders.models import Order, RefundState, TimelineEvent

QUEUE_LIMIT = 200
FOR_ME = "for_me"  # pending requests the viewer could decide on now (their nav badge counts these)
STATE_FILTERS = [
    (FOR_ME, "Waiting for me"),
    ("pending", "Waiting for approval"),
    ("open", "Open"),
    ("unresolved", "Outcome unknown"),
    ("failed", "Failed"),
    ("succeeded", "Succeeded"),
    ("all", "All"),
]


# The pages call the person looking at them the viewer.
Viewer = permissions.Person
Session = MutableMapping[str, Any]


@dataclass(frozen=True)
class OrderFacts:
    """What an approver needs to know about the order a request is on, beside the request itself."""

    status: str
    amount: Decimal | None
    currency: str
    refunded: Decimal | None  # what Juspay says was refunded already
    refundable: Decimal  # what may still be asked for (services.still_refundable: open requests hold theirs)
    customer: masking.Customer  # masked unless the viewer revealed this order (as the order page does)


def order_facts(
    orders: list[Order], viewer: Viewer, session: Session | None, refundable: dict[int, Decimal] | None = None
) -> dict[int, OrderFacts]:
    """OrderFacts per order pk, for many orders in one query (the refundable sums)."""
    left = refundable if refundable is not None else services.still_refundable_many(orders)
    facts = {}
    for order in orders:
        unmasked = session is not None and masking.pii_view(viewer.user, session, order.pk).unmasked
        facts[order.pk] = OrderFacts(
            status=order.status,
            amount=order.amount,
            currency=order.currency,
            refunded=order.amount_refunded,
            refundable=left.get(order.pk, Decimal(0)),
            customer=masking.customer(order, unmasked=unmasked),
        )
    return facts


def is_high_value(req: ActionRequest, above: Decimal | None) -> bool:
    """Whether the request moves more money than the policy's high-value amount (policy.high_value_above)."""
    return above is not None and req.amount is not None and req.amount > above


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
    facts: OrderFacts | None = None  # the order's status, amount, refunded, refundable and customer
    high_value: bool = False

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


def queue_rows(
    viewer: Viewer,
    *,
    state: str = "pending",
    mine: bool = False,
    session: Session | None = None,
    limit: int = QUEUE_LIMIT,
) -> tuple[list[Row], bool]:
    """The queue's rows with the facts of their orders, in a fixed number of queries however many rows."""
    maker = viewer.user if mine and isinstance(viewer.user, User) else None
    if state == FOR_ME:
        qs = waiting_for(viewer)
        if maker is not None:
            qs = qs.filter(maker=maker)
    else:
        qs = services.queue(viewer=viewer.user, state=state, mine_of=maker)
    items = list(_with_decisions(qs)[: limit + 1])
    rows = [row_for(r, viewer) for r in items[:limit]]
    if state == FOR_ME:
        rows = [row for row in rows if row.can_decide]  # also holds a role the request's policy names
    _add_facts(rows, viewer, session)
    return rows, len(items) > limit


def drilled_rows(
    viewer: Viewer, qs: QuerySet[ActionRequest], *, session: Session | None = None
) -> tuple[list[Row], bool, int]:
    """The requests behind a KPI figure (fulfilment.filters), latest first: the first QUEUE_LIMIT, and how many."""
    qs = qs.order_by("-created_at", "-id")
    items = list(_with_decisions(qs)[: QUEUE_LIMIT + 1])
    count = len(items) if len(items) <= QUEUE_LIMIT else qs.count()
    rows = [row_for(r, viewer) for r in items[:QUEUE_LIMIT]]
    _add_facts(rows, viewer, session)
    return rows, len(items) > QUEUE_LIMIT, count


def waiting_for(viewer: Viewer) -> QuerySet[ActionRequest]:
    """Pending requests the viewer could decide on now, oldest first: not theirs, not decided by them, not
    expired. Empty for someone who may not approve. The nav badge counts the same set."""
    if not viewer.can_approve or not isinstance(viewer.user, User):
        return ActionRequest.objects.none()
    return services.pending_for(viewer.user).order_by("created_at", "id")


def _add_facts(rows: list[Row], viewer: Viewer, session: Session | None) -> None:
    orders = list({row.req.order_id: row.req.order for row in rows}.values())
    facts = order_facts(orders, viewer, session)
    above = policy.active_policy().high_value_above
    for row in rows:
        row.facts = facts[row.req.order_id]
        row.high_value = is_high_value(row.req, above)


def request_row(pk: int, viewer: Viewer, *, problem: str = "", session: Session | None = None) -> Row:
    req = _with_decisions(ActionRequest.objects.filter(pk=pk)).get()
    row = row_for(req, viewer, problem=problem)
    _add_facts([row], viewer, session)
    return row


@dataclass(frozen=True)
class BulkSelection:
    """What "Approve selected" would approve, shown before it is confirmed: the requests the viewer may decide
    on among those selected, the money per currency, and the ones left out with why."""

    rows: list[Row]
    totals: list[tuple[str, Decimal]]  # (currency, total), for requests with an amount
    without_amount: int  # commands that move no stated amount
    left_out: list[tuple[int, str]]  # (pk, why not)

    @property
    def pks(self) -> list[int]:
        return [row.req.pk for row in self.rows]

    @property
    def fingerprint(self) -> str:
        """The selection and its totals as one string: the confirm step posts it back, and a selection whose
        money changed in between is shown again instead of approved."""
        money = ";".join(f"{currency}:{total}" for currency, total in self.totals)
        return f"{','.join(map(str, sorted(self.pks)))}|{money}"


def bulk_selection(pks: list[int], viewer: Viewer) -> BulkSelection:
    items = list(_with_decisions(ActionRequest.objects.filter(pk__in=pks)).order_by("created_at", "id"))
    rows, left_out = [], []
    for req in items:
        refusal = permissions.why_not_decide(viewer, req)
        if refusal is None:
            rows.append(row_for(req, viewer))
        else:
            left_out.append((req.pk, refusal.message))
    totals: dict[str, Decimal] = {}
    for row in rows:
        if row.req.amount is not None:
            currency = row.req.currency or "?"
            totals[currency] = totals.get(currency, Decimal(0)) + row.req.amount
    return BulkSelection(
        rows=rows,
        totals=sorted((currency, total.quantize(services.CENT)) for currency, total in totals.items()),
        without_amount=sum(1 for row in rows if row.req.amount is None),
        left_out=left_out,
    )


@dataclass(frozen=True)
class RequestDetail:
    """The request page: the request, its row, its decisions, its history and what is sent to Juspay."""

    req: ActionRequest
    row: Row
    decisions: list[Decision]
    history: list[TimelineEvent]
    payload: list[tuple[str, str, str]]  # (field, as sent, as people read an amount)
    order_url: str
    facts: OrderFacts | None = None
    high_value: bool = False

    @property
    def history_lines(self) -> list[request_history.HistoryLine]:
        """The history as sentences about this request (fulfilment.history)."""
        return request_history.lines(self.req, self.history)

    @property
    def result_json(self) -> str:
        return json.dumps(self.req.result, indent=2, ensure_ascii=False, sort_keys=True, default=str)

    @property
    def answer_json(self) -> str:
        """Juspay's whole Fulfillment Sync answer as received, formatted (never a Python repr)."""
        if self.req.juspay_answer is None:
            return ""
        return json.dumps(self.req.juspay_answer, indent=2, ensure_ascii=False, sort_keys=True)


def request_detail(pk: int, viewer: Viewer, session: Session | None = None) -> RequestDetail:
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
        facts=order_facts([req.order], viewer, session)[req.order_id],
        high_value=is_high_value(req, policy.active_policy().high_value_above),
    )


def payload_lines(req: ActionRequest) -> list[tuple[str, str, str]]:
    """What is sent to Juspay, field by field: (field, the value as sent, the amount as people read it or "")."""
    payload = req.payload
    money: set[str] = set()  # the labels whose value is an amount
    if req.kind == ActionKind.REFUND:
        refund = [("unique_request_id", payload.get("unique_request_id", "")), ("amount", payload.get("amount", ""))]
        money.add("amount")
        allocation = payload.get("split_settlement_details")
        if allocation:
            refund.append(("from the marketplace", allocation.get("marketplace", {}).get("refund_amount")))
            refund += [
                (f"from vendor {share.get('sub_mid')}", share.get("refund_amount"))
                for share in allocation.get("vendor", {}).get("split", [])
            ]
            money.update(label for label, _ in refund[2:])
        return _shown(refund, money, req.currency)
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
        money.add("marketplace share")
        lines.append(("mdr_borne_by", split.get("mdr_borne_by")))
        for share in split.get("vendor", {}).get("split", []):
            commission = share.get("merchant_commission")
            label = f"vendor {share.get('sub_mid')}"
            lines.append(
                (label, f"{share.get('amount')}" + (f" (commission {commission})" if commission is not None else ""))
            )
            money.add(label)
    return _shown(lines, money, req.currency)


def _shown(lines: list[tuple[str, Any]], money: set[str], currency: str) -> list[tuple[str, str, str]]:
    """Each line with its value as sent and, for amounts, as people read it ("100.00" -> "₹100.00")."""
    shown = []
    for label, value in lines:
        raw = "" if value is None else str(value)
        readable = ""
        if label in money and raw:
            amount, _, rest = raw.partition(" (commission ")
            readable = format_money(amount, currency)
            if rest:
                readable += f" (commission {format_money(rest.rstrip(')'), currency)})"
        shown.append((label, raw, readable))
    return shown


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
    why_no_refund: str = ""  # why "Raise a refund" is not offered (nothing refundable), or ""

    @property
    def moving(self) -> bool:
        """A request is on its way to Juspay: the slot refreshes itself until it lands."""
        return any(r.req.state in (ActionState.APPROVED, ActionState.SENDING) for r in self.rows)


ORDER_PANEL_REQUESTS = 20  # the order page's panel lists the latest requests of the order, at most this many


def order_actions(order: Order, user: User | AnonymousUser) -> OrderActions:
    requests = list(
        _with_decisions(ActionRequest.objects.filter(order=order)).order_by("-created_at", "-id")[:ORDER_PANEL_REQUESTS]
    )
    # The person's roles matter only for deciding on a request: an order without any costs no query for them.
    viewer = Viewer.of(user) if requests else Viewer.without_roles(user)
    if len(requests) < ORDER_PANEL_REQUESTS:  # every request of the order is here: no query for the rest
        still = services.still_refundable_of(order, requests)
        answered = _latest_answered(requests)
    else:
        still = services.still_refundable(order)
        answered = _latest_answered_query(order)
    return OrderActions(
        order=order,
        rows=[row_for(r, viewer) for r in requests],
        can_raise=viewer.can_raise,
        can_view=viewer.can_view,
        still_refundable=still,
        refunds=[refund_raised_here(r) for r in requests if r.moves_money or r.kind == ActionKind.REFUND],
        sync=sync_answer(answered) if answered is not None else None,
        why_no_refund=why_no_refund(order, still) if viewer.can_raise else "",
    )


def _latest_answered_query(order: Order) -> ActionRequest | None:
    return (
        ActionRequest.objects.filter(order=order, kind=ActionKind.FULFILMENT, juspay_answer__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )


def _latest_answered(every_request: list[ActionRequest]) -> ActionRequest | None:
    """The Fulfilment Sync request with Juspay's latest answer among every request of an order (loaded)."""
    answered = [r for r in every_request if r.kind == ActionKind.FULFILMENT and r.juspay_answer is not None]
    if not answered:
        return None
    if any(r.finished_at is None for r in answered):  # where NULL sorts differs by database: ask it
        return _latest_answered_query(answered[0].order)
    return max(answered, key=lambda r: (r.finished_at, r.id))


def why_no_refund(order: Order, still_refundable: Decimal) -> str:
    """Why nothing can be refunded on the order, in words; "" when something can."""
    if still_refundable > 0:
        return ""
    if not order.has_charged_transaction():
        return f"Nothing to refund: the order is not charged (status {order.status or 'unknown'})."
    paid = order.effective_amount if order.effective_amount is not None else order.amount
    refunded = order.amount_refunded
    if order.refund_state == RefundState.FULL or (refunded is not None and paid is not None and refunded >= paid):
        shown = format_money(refunded if refunded is not None else paid, order.currency)
        return f"Nothing left to refund: the order is fully refunded ({shown})."
    if order.juspay_refund_limit > 0:
        held = format_money(order.juspay_refund_limit, order.currency)
        return f"Nothing left to refund: requests waiting for approval or on their way to Juspay hold the last {held}."
    if order.max_eligible_refund is None:
        return "Nothing to refund yet: Juspay has not said how much of this order may be refunded; refresh the order."
    return "Nothing left to refund: Juspay allows no further refund on this order."


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
