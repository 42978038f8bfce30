"""Raise, approve, reject, cancel, expire and retry requests: the only code that moves a request for a person.

Views, tasks and any future API call these functions; none re-implements a rule. Each function runs in
one transaction that locks the request row, moves its state with a conditional UPDATE (so two clicks,
or an approval and a cancel, cannot both win), writes the audit event and the order's timeline event,
and, when the last approval lands, announces the request ready to send once the transaction commits
(`fulfilment.signals`; the tasks layer queues the executor).

Who may do what (maker ≠ checker for everyone, superusers included) is in `fulfilment.permissions`,
which the pages read too; these functions enforce it.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from dashboard import audit
from dashboard.juspay.enums import FulfillmentCommand, FulfillmentStatus
from dashboard.juspay.forms import SplitRefundDetails, SplitSettlementDetails
from dashboard.money_format import format_money
from fulfilment import events, kpi_rollups, nav_counts, permissions, policy, signals

# Callers catch the errors from here, with the functions that raise them.
from fulfilment.errors import ActionError as ActionError
from fulfilment.errors import AlreadyDecided as AlreadyDecided
from fulfilment.errors import InvalidRequest as InvalidRequest
from fulfilment.errors import NotAllowed as NotAllowed
from fulfilment.errors import SelfApprovalError as SelfApprovalError
from fulfilment.errors import StateConflict as StateConflict
from fulfilment.models import (
    HOLDING_STATES,
    LIVE_STATES,
    ActionKind,
    ActionRequest,
    ActionState,
    Decision,
    Verdict,
)
from fulfilment.permissions import Person
from orders import split_rule
from orders.models import Order, TimelineEvent

CENT = Decimal("0.01")

REFUND_REASONS: list[tuple[str, str]] = [
    ("CUSTOMER_REQUEST", "Customer asked for it"),
    ("ORDER_CANCELLED", "Order cancelled"),
    ("NOT_DELIVERED", "Not delivered"),
    ("DAMAGED_OR_WRONG", "Damaged or wrong item"),
    ("DUPLICATE_PAYMENT", "Duplicate payment"),
    ("PRICE_ADJUSTMENT", "Price adjustment"),
    ("GOODWILL", "Goodwill gesture"),
    ("OTHER", "Other (say why in the comment)"),
]


@dataclass(frozen=True)
class Raised:
    request: ActionRequest
    created: bool  # False: the same form was submitted before, and this is that request


@dataclass(frozen=True)
class Decided:
    request: ActionRequest
    final: bool  # True when this decision approved (and queued) or rejected the request


# --- Small shared pieces ----------------------------------------------------------------------------


def snapshot(req: ActionRequest) -> dict[str, object]:
    """What the audit log keeps of a request (no customer data: ids, amounts, states)."""
    return {
        "state": req.state,
        "kind": req.kind,
        "order_id": req.order.order_id,
        "amount": req.amount,
        "command": req.command,
        "idempotency_key": req.idempotency_key,
        "attempts": req.attempts,
        "required_approvals": req.required_approvals,
    }


def describe(req: ActionRequest) -> str:
    if req.kind == ActionKind.REFUND:
        return f"refund of {format_money(req.amount, req.currency)}"
    if req.moves_money and req.amount is not None:
        return f"{req.command} of {format_money(req.amount, req.currency)} (id {req.fulfillment_id})"
    return f"{req.command} ({req.payload.get('fulfillment_status', '')}, id {req.fulfillment_id})"


def _locked(request_pk: int) -> ActionRequest:
    try:
        return ActionRequest.objects.select_for_update().select_related("order").get(pk=request_pk)
    except ActionRequest.DoesNotExist:
        raise InvalidRequest("No such request.") from None


def _refuse(refusal: ActionError | None) -> None:
    """Raise what a `permissions.why_not_*` rule returned, if anything."""
    if refusal is not None:
        raise refusal


def _move(req: ActionRequest, from_state: str, to_state: str, **fields: object) -> None:
    """The conditional UPDATE: moves the row only if it is still in `from_state`."""
    fields["updated_at"] = timezone.now()
    updated = ActionRequest.objects.filter(pk=req.pk, state=from_state).update(state=to_state, **fields)
    if not updated:
        raise StateConflict("Someone else changed this request a moment ago; reload to see it.")
    kpi_rollups.track(req.pk)
    if from_state == ActionState.PENDING:
        nav_counts.approvals_changed()
    req.state = to_state
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(req, name, value)


def _token(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise InvalidRequest("The form is out of date; reload the page and try again.") from None


def still_refundable(order: Order, *, excluding: ActionRequest | None = None) -> Decimal:
    """What a person may still ask to refund: Juspay's limit minus the money-moving requests still open.

    The one reservation for every request that moves money: refunds, and Fulfilment Sync commands the
    policy flags as moving money (INITIATE_REFUND). A request holds its amount from raise until it ends
    (waiting, approved, sending, or unresolved after an unknown outcome), so two people cannot each ask
    for the last 500 of an order. The raise forms, the order page, `raise_refund` and `raise_fulfilment`
    use this figure; the executor uses it with `excluding=` the request it is about to send.
    """
    holding = _holding().filter(order=order)
    if excluding is not None:
        holding = holding.exclude(pk=excluding.pk)
    held: Decimal | None = holding.aggregate(total=Sum("amount"))["total"]
    return _left(order, held)


def holds_money(req: ActionRequest) -> bool:
    """Whether the request holds money of its order (the rule of `_holding`, for requests already loaded)."""
    return req.state in HOLDING_STATES and (req.kind == ActionKind.REFUND or req.moves_money)


def still_refundable_of(order: Order, every_request: Iterable[ActionRequest]) -> Decimal:
    """`still_refundable` from every request of the order, already loaded (the order page has them): no query."""
    held = sum((req.amount for req in every_request if holds_money(req) and req.amount is not None), Decimal(0))
    return _left(order, held)


def still_refundable_many(orders: Iterable[Order]) -> dict[int, Decimal]:
    """`still_refundable` for many orders in one query (the queue shows it on every row): order pk -> amount."""
    by_pk = {order.pk: order for order in orders}
    sums = _holding().filter(order__in=list(by_pk)).values("order").annotate(total=Sum("amount"))
    held: dict[int, Decimal | None] = {int(row["order"]): row["total"] for row in sums}
    return {pk: _left(order, held.get(pk)) for pk, order in by_pk.items()}


def _holding() -> QuerySet[ActionRequest]:
    """The requests that hold money of their order (see still_refundable)."""
    holding = ActionRequest.objects.filter(state__in=HOLDING_STATES)
    return holding.filter(Q(kind=ActionKind.REFUND) | Q(moves_money=True))


def _left(order: Order, held: Decimal | None) -> Decimal:
    return max(Decimal(0), order.juspay_refund_limit - (held or Decimal(0))).quantize(CENT)


def _existing_for_token(token: uuid.UUID, maker: User) -> Raised | None:
    existing = ActionRequest.objects.select_related("order").filter(form_token=token).first()
    if existing is None:
        return None
    if existing.maker_id != maker.pk:
        raise InvalidRequest("The form is out of date; reload the page and try again.")
    return Raised(existing, created=False)


def _create(
    order: Order,
    *,
    maker: User,
    kind: str,
    token: uuid.UUID,
    payload: dict[str, object],
    idempotency_key: str,
    amount: Decimal | None,
    command: str = "",
    fulfillment_id: str = "",
    reason_code: str = "",
    comment: str = "",
    moves_money: bool = False,
) -> Raised:
    """Insert the request (pending, or approved at once when the policy needs nobody), audit, timeline."""
    need = policy.active_policy().requirement(kind, amount=amount, command=command)
    required = need.approvals
    if kind == ActionKind.REFUND or moves_money:
        # Defence in depth for the two-person rule (policy.MIN_MONEY_APPROVALS): money never moves on its maker's word.
        required = max(required, policy.MIN_MONEY_APPROVALS)
    now = timezone.now()
    auto = required == 0
    try:
        with transaction.atomic():
            req = ActionRequest.objects.create(
                order=order,
                merchant=order.merchant,
                kind=kind,
                maker=maker,
                form_token=token,
                amount=amount,
                currency=order.currency,
                command=command,
                state=ActionState.APPROVED if auto else ActionState.PENDING,
                approved_at=now if auto else None,
                required_approvals=required,
                approver_roles=list(need.approver_roles),
                policy_version=need.policy_version,
                expires_at=now + need.expires_in,
                payload=payload,
                idempotency_key=idempotency_key,
                fulfillment_id=fulfillment_id,
                reason_code=reason_code,
                comment=comment,
                moves_money=moves_money,
            )
            nav_counts.approvals_changed()
    except IntegrityError:
        again = _existing_for_token(token, maker)
        if again is not None:
            return again
        raise InvalidRequest(
            "A request with this fulfilment id and command is already open or done on this order.",
            field="fulfillment_id",
        ) from None
    kpi_rollups.track(req.pk)
    what = describe(req)
    audit.record(
        "action.raised",
        actor=maker,
        obj=req,
        after=snapshot(req),
        summary=f"#{req.pk} {what} on order {order.order_id} raised"
        + (f"; needs {required} approval(s)" if not auto else "; no approval needed"),
    )
    timeline = [events.action_raised(order, req.pk, what, actor=maker, approvals_needed=required, comment=req.comment)]
    if auto:
        audit.record(
            "action.approved",
            actor_username="approval-policy",
            obj=req,
            after=snapshot(req),
            summary=f"#{req.pk} needs no approval under policy v{need.policy_version}",
        )
        timeline.append(
            events.action_approved(
                order,
                req.pk,
                what,
                actor=None,
                approvals=0,
                required=0,
                final=True,
                comment=f"no approval needed (policy v{need.policy_version})",
            )
        )
        signals.announce_ready(req.pk)
    TimelineEvent.objects.bulk_create(timeline)
    return Raised(req, created=True)


# --- Raise ------------------------------------------------------------------------------------------


def raise_refund(
    order: Order,
    *,
    maker: User,
    amount: Decimal,
    reason_code: str,
    comment: str,
    form_token: uuid.UUID | str,
    split: SplitRefundDetails | None = None,
) -> Raised:
    """A refund request of `amount`, at most what is still refundable on the order; on a split order,
    `split` allocates it to the marketplace and the vendors (`check_refund_split`)."""
    _refuse(
        permissions.why_not_raise(Person.of(maker)) or permissions.why_not_touch(Person.of(maker), order.merchant_id)
    )
    token = _token(form_token)
    comment = (comment or "").strip()
    if reason_code not in dict(REFUND_REASONS):
        raise InvalidRequest("Choose a reason.", field="reason_code")
    if not comment:
        raise InvalidRequest("Say why, for the approver.", field="comment")
    if amount is None or not amount.is_finite() or amount <= 0:
        raise InvalidRequest("Enter an amount above zero.", field="amount")
    if amount != amount.quantize(CENT):
        raise InvalidRequest("Use at most two decimal places.", field="amount")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)  # one raise per order at a time
        again = _existing_for_token(token, maker)
        if again is not None:
            return again
        if not order.has_charged_transaction():
            raise InvalidRequest(f"Only a paid order can be refunded; this one is {order.status or 'unknown'}.")
        limit = still_refundable(order)
        if amount > limit:
            raise InvalidRequest(
                f"At most {format_money(limit, order.currency)} is still refundable "
                "(Juspay's limit minus refunds already requested).",
                field="amount",
            )
        check_refund_split(order, amount, split)
        key = f"JOR{secrets.token_hex(8).upper()}"  # Juspay: alphanumeric, under 21 characters
        payload: dict[str, object] = {"unique_request_id": key, "amount": f"{amount:.2f}"}
        if split is not None:
            payload["split_settlement_details"] = json.loads(split.to_json_text())
        return _create(
            order,
            maker=maker,
            kind=ActionKind.REFUND,
            token=token,
            amount=amount,
            payload=payload,
            idempotency_key=key,
            reason_code=reason_code,
            comment=comment,
            moves_money=True,
        )


def share_rooms(order: Order) -> dict[str, split_rule.ShareRoom]:
    """What the marketplace and each vendor of a split order may still give back: what they received, less
    Juspay's refunds from them (`orders.split_rule.juspay_share_rooms`) and less the allocations of refund
    requests still open here (held from raise until they end, like `still_refundable`). Empty when the
    order has no split."""
    rooms = split_rule.juspay_share_rooms(order)
    if not rooms:
        return rooms
    at_juspay = set(order.refunds.values_list("unique_request_id", flat=True))
    held: dict[str, Decimal] = {}
    open_requests = ActionRequest.objects.filter(order=order, kind=ActionKind.REFUND, state__in=HOLDING_STATES)
    for req in open_requests.exclude(idempotency_key__in=at_juspay):
        allocation = split_rule.refund_allocation(req.payload.get("split_settlement_details"))
        if allocation is None:
            continue
        for name, part in [(split_rule.MARKETPLACE, allocation.marketplace), *allocation.vendors.items()]:
            held[name] = held.get(name, Decimal(0)) + part
    return {
        name: split_rule.ShareRoom(name, room.received, room.refunded + held.get(name, Decimal(0)))
        for name, room in rooms.items()
    }


def check_refund_split(order: Order, amount: Decimal, split: SplitRefundDetails | None) -> None:
    """A refund on a split order says how much comes back from the marketplace and from each vendor
    (`orders.split_rule.check_refund_allocation`: the parts add up to the amount, nobody gives back more
    than it received less what was refunded from it). A refund on an order without a split carries none.
    Juspay's refund call takes the allocation as optional; we ask for it on every split order, so that
    no vendor is charged back by a rule nobody chose."""
    rooms = share_rooms(order)
    if split is None:
        if rooms:
            raise InvalidRequest("This order is split between vendors: say how much each gives back.", field="split")
        return
    if not rooms:
        raise InvalidRequest("This order has no split settlement; a refund on it has no vendor parts.", field="split")
    allocation = split_rule.refund_allocation(split.to_json_text())
    assert allocation is not None  # built from the documented shape
    problems = split_rule.check_refund_allocation(amount, allocation, rooms)
    if problems:
        raise InvalidRequest(" ".join(problems), field="split")


def split_total(details: SplitSettlementDetails) -> Decimal:
    return details.marketplace.amount + sum((s.amount for s in details.vendor.split), Decimal(0))


def check_split(order: Order, details: SplitSettlementDetails) -> None:
    """The split's shapes (positive amounts, commissions within the vendor's amount, no vendor twice), then
    `orders.split_rule.check_split`: the marketplace share plus the vendors' amounts equal what was paid."""
    if details.marketplace.amount < 0:
        raise InvalidRequest("The marketplace share cannot be negative.", field="split")
    seen: set[str] = set()
    for share in details.vendor.split:
        if share.amount <= 0:
            raise InvalidRequest(f"{share.sub_mid}: the amount must be above zero.", field="split")
        if share.merchant_commission is not None and not 0 <= share.merchant_commission <= share.amount:
            raise InvalidRequest(
                f"{share.sub_mid}: the commission must be between 0 and the vendor's amount.", field="split"
            )
        if share.sub_mid in seen:
            raise InvalidRequest(f"{share.sub_mid} appears twice.", field="split")
        seen.add(share.sub_mid)
    verdict = split_rule.check_split(
        split_rule.paid_amount(order.amount, order.effective_amount),
        details.marketplace.amount,
        [s.amount for s in details.vendor.split],
    )
    if not verdict.adds_up:
        raise InvalidRequest(verdict.explain(order.currency), field="split")


def refuse_second_split(order: Order) -> None:
    """One split per order: refused when Juspay's answer already shows one, or when a split request on the
    order is waiting, approved, being sent or accepted here. Juspay refuses a repeated
    POST_TXN_SPLIT_SETTLEMENT once it has succeeded (ALREADY_EXISTS,
    https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api); refusing at raise time
    spares the approvers a request that cannot succeed. `split_applied: false` with no vendors is no split:
    a new one may be asked for (the documentation is silent on retrying a split that was not applied).
    Call it with the order row locked (raise_fulfilment does), so two raises cannot both pass."""
    if order.split_applied or order.split_details.exists():
        raise InvalidRequest(
            "Juspay already shows a split settlement on this order; a second split is refused.", field="split"
        )
    earlier = (
        ActionRequest.objects.filter(
            order=order, command=FulfillmentCommand.POST_TXN_SPLIT_SETTLEMENT, state__in=LIVE_STATES
        )
        .order_by("pk")
        .first()
    )
    if earlier is not None:
        raise InvalidRequest(
            f"Request #{earlier.pk} already asks for a split on this order ({earlier.get_state_display().lower()}); "
            "a second split is refused.",
            field="split",
        )


def raise_fulfilment(
    order: Order,
    *,
    maker: User,
    status: str,
    command: str,
    form_token: uuid.UUID | str,
    fulfillment_id: str = "",
    fulfillment_time: datetime | None = None,
    fulfillment_data: str | None = None,
    split: SplitSettlementDetails | None = None,
    comment: str = "",
    amount: Decimal | None = None,
) -> Raised:
    """A Fulfilment Sync request: one command of Juspay's Fulfillment Sync API for the order
    (https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api).

    The commands and statuses Juspay documents are in `dashboard.juspay.enums`; Admins may add the ones
    Juspay enables later (`policy.known_command`). A command the policy flags as moving money
    (`Policy.amount_rule`) gets the refund controls: an amount, held against what is still refundable.
    `fulfillment_data` is free-form text unless the policy says the command carries JSON.
    """
    _refuse(
        permissions.why_not_raise(Person.of(maker)) or permissions.why_not_touch(Person.of(maker), order.merchant_id)
    )
    token = _token(form_token)
    if status not in {s.value for s in FulfillmentStatus}:
        raise InvalidRequest("Choose SUCCESS or FAILURE.", field="fulfillment_status")
    if not policy.known_command(command):
        raise InvalidRequest("Choose a command from the list.", field="fulfillment_command")
    if command == FulfillmentCommand.PROTEST and status != FulfillmentStatus.FAILURE:
        raise InvalidRequest("A PROTEST is sent with status FAILURE.", field="fulfillment_status")
    is_split = command == FulfillmentCommand.POST_TXN_SPLIT_SETTLEMENT
    if is_split and split is None:
        raise InvalidRequest("POST_TXN_SPLIT_SETTLEMENT needs the split: marketplace share and vendors.", field="split")
    if not is_split and split is not None:
        raise InvalidRequest("Split details go only with POST_TXN_SPLIT_SETTLEMENT.", field="split")
    rules = policy.active_policy()
    money_rule = rules.amount_rule(command)
    fulfillment_data = _command_data(rules, command, fulfillment_data, money_rule=money_rule, amount=amount)
    fulfillment_id = (fulfillment_id or "").strip()
    if len(fulfillment_id) > 128:
        raise InvalidRequest("At most 128 characters.", field="fulfillment_id")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        again = _existing_for_token(token, maker)
        if again is not None:
            return again
        if not order.has_charged_transaction():
            raise InvalidRequest(
                "Juspay accepts Fulfilment Sync only for an order with a CHARGED transaction; "
                f"this one is {order.status or 'unknown'}."
            )
        if split is not None:
            refuse_second_split(order)
            check_split(order, split)
        if money_rule is not None:
            amount = _money_amount(order, command, money_rule, amount)
            if money_rule == "entered":
                fulfillment_data = _with_amount(fulfillment_data, amount)
        key = f"JOF{secrets.token_hex(8).upper()}"
        fulfillment_id = fulfillment_id or key
        payload: dict[str, object] = {
            "fulfillment_status": status,
            "fulfillment_command": command,
            "fulfillment_id": fulfillment_id,
            "fulfillment_time": fulfillment_time.isoformat() if fulfillment_time else None,
            "fulfillment_data": fulfillment_data,
            "split_settlement_details": json.loads(split.to_json_text()) if split else None,
        }
        return _create(
            order,
            maker=maker,
            kind=ActionKind.FULFILMENT,
            token=token,
            command=command,
            amount=amount if money_rule is not None else (split_total(split) if split else None),
            payload=payload,
            idempotency_key=key,
            fulfillment_id=fulfillment_id,
            comment=(comment or "").strip(),
            moves_money=money_rule is not None,
        )


def _command_data(
    rules: policy.Policy, command: str, data: str | None, *, money_rule: str | None, amount: Decimal | None
) -> str | None:
    """The `fulfillment_data` to send: free-form text (Juspay: "Fulfilment related information such as
    product/service information or any other details"), checked as JSON only for the commands the policy
    says carry JSON. An amount goes only with a command that moves money."""
    if money_rule is None and amount is not None:
        raise InvalidRequest(f"{command} moves no money; leave the amount blank.", field="amount")
    if data is not None and not data.strip():
        data = None
    if data is None or not rules.data_is_json(command):
        return data
    try:
        value = json.loads(data)
    except RecursionError:
        # Juspay documents no depth for fulfillment_data; Python's parser stops near 1,000 levels.
        raise InvalidRequest(
            "Fulfilment data is nested too deeply to be read as JSON.", field="fulfillment_data"
        ) from None
    except ValueError:
        raise InvalidRequest(f"Fulfilment data must be JSON for {command}.", field="fulfillment_data") from None
    if money_rule == "entered" and not isinstance(value, dict):
        raise InvalidRequest(
            "Fulfilment data must be a JSON object; the amount is added to it.", field="fulfillment_data"
        )
    return data


def _money_amount(order: Order, command: str, rule: str, amount: Decimal | None) -> Decimal:
    """The amount a money-moving command holds, checked like a refund's against what is still refundable."""
    limit = still_refundable(order)
    if rule == "balance":
        # Juspay's request carries no amount, so the command is counted as moving the whole balance.
        if limit <= 0:
            raise InvalidRequest(
                f"Nothing is still refundable on this order (refunds already requested hold it all); {command} "
                "would move money.",
                field="amount",
            )
        if amount is not None and amount != limit:
            raise InvalidRequest(
                f"{command} moves everything still refundable ({format_money(limit, order.currency)}); "
                "leave the amount blank or enter exactly that.",
                field="amount",
            )
        return limit
    if amount is None or not amount.is_finite() or amount <= 0:
        raise InvalidRequest(f"{command} moves money: enter an amount above zero.", field="amount")
    if amount != amount.quantize(CENT):
        raise InvalidRequest("Use at most two decimal places.", field="amount")
    if amount > limit:
        raise InvalidRequest(
            f"At most {format_money(limit, order.currency)} is still refundable "
            "(Juspay's limit minus refunds and money-moving commands already requested).",
            field="amount",
        )
    return amount


def _with_amount(data: str | None, amount: Decimal) -> str:
    """`fulfillment_data` with the entered amount as "amount" (the arrangement an "entered" rule stands for)."""
    value = json.loads(data) if data else {}
    given = value.get("amount")
    if given is not None and str(given) != f"{amount:.2f}":
        raise InvalidRequest(
            f"The fulfilment data says amount {given}, but the amount entered is {amount:.2f}.",
            field="fulfillment_data",
        )
    value["amount"] = f"{amount:.2f}"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# --- Decide -----------------------------------------------------------------------------------------


def approve(request_pk: int, *, approver: User, comment: str = "") -> Decided:
    """Add `approver`'s approval; the one that completes the count approves the request and queues it."""
    now = timezone.now()
    with transaction.atomic():
        req = _locked(request_pk)
        _refuse(permissions.why_not_decide(Person.of(approver), req, now=now))
        try:
            with transaction.atomic():
                Decision.objects.create(
                    request=req, approver=approver, verdict=Verdict.APPROVE, comment=(comment or "").strip()
                )
            nav_counts.approvals_changed()  # this approver's own count drops, the request still pending or not
        except IntegrityError:
            raise AlreadyDecided("You already decided on this request.") from None
        # Only approvals by someone other than the maker count, and a request that moves money needs at least
        # one of them whatever its stored count says (the two-person rule, checked here as well as in policy).
        approvals = req.decisions.filter(verdict=Verdict.APPROVE).exclude(approver_id=req.maker_id).count()
        needed = req.required_approvals
        if req.kind == ActionKind.REFUND or req.moves_money:
            needed = max(needed, policy.MIN_MONEY_APPROVALS)
        final = approvals >= needed
        before = snapshot(req)
        if final:
            _move(req, ActionState.PENDING, ActionState.APPROVED, approved_at=now)
        what = describe(req)
        audit.record(
            "action.approved",
            actor=approver,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {what}: approval {approvals} of {req.required_approvals}"
            + (" — approved, queued for sending" if final else ""),
        )
        events.action_approved(
            req.order,
            req.pk,
            what,
            actor=approver,
            approvals=approvals,
            required=req.required_approvals,
            final=final,
            comment=(comment or "").strip(),
        ).save()
        if final:
            signals.announce_ready(req.pk)
    return Decided(req, final)


def reject(request_pk: int, *, approver: User, comment: str) -> Decided:
    comment = (comment or "").strip()
    if not comment:
        raise InvalidRequest("Say why you reject it; the maker sees your comment.", field="comment")
    now = timezone.now()
    with transaction.atomic():
        req = _locked(request_pk)
        _refuse(permissions.why_not_decide(Person.of(approver), req, now=now))
        Decision.objects.create(request=req, approver=approver, verdict=Verdict.REJECT, comment=comment)
        before = snapshot(req)
        _move(req, ActionState.PENDING, ActionState.REJECTED, closed_at=now)
        audit.record(
            "action.rejected",
            actor=approver,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)} rejected: {comment}",
        )
        events.action_rejected(req.order, req.pk, describe(req), actor=approver, comment=comment).save()
    return Decided(req, True)


def approve_many(request_pks: Iterable[int], *, approver: User, comment: str = "") -> list[tuple[int, str]]:
    """Bulk approve: one decision per request, each in its own transaction. Returns (pk, problem or '')."""
    outcome: list[tuple[int, str]] = []
    for pk in dict.fromkeys(int(p) for p in request_pks):
        try:
            approve(pk, approver=approver, comment=comment)
        except ActionError as error:
            outcome.append((pk, error.message))
        else:
            outcome.append((pk, ""))
    return outcome


def cancel(request_pk: int, *, actor: User, comment: str = "") -> ActionRequest:
    """The maker withdraws a request that is still waiting for approval."""
    now = timezone.now()
    with transaction.atomic():
        req = _locked(request_pk)
        _refuse(permissions.why_not_cancel(Person.of(actor), req))
        before = snapshot(req)
        _move(req, ActionState.PENDING, ActionState.CANCELLED, closed_at=now)
        comment = (comment or "").strip()
        audit.record(
            "action.cancelled",
            actor=actor,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)} cancelled by the maker" + (f": {comment}" if comment else ""),
        )
        events.action_cancelled(req.order, req.pk, describe(req), actor=actor, comment=comment).save()
    return req


def expire_due(*, now: datetime | None = None) -> int:
    """Expire every pending request past its `expires_at` (the beat task calls this). Returns how many."""
    now = now or timezone.now()
    done = 0
    due = list(
        ActionRequest.objects.filter(state=ActionState.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        with transaction.atomic():
            req = _locked(pk)
            if req.state != ActionState.PENDING or req.expires_at > now:
                continue
            before = snapshot(req)
            _move(req, ActionState.PENDING, ActionState.EXPIRED, closed_at=now)
            audit.record(
                "action.expired",
                actor_username="approval-expiry",
                obj=req,
                before=before,
                after=snapshot(req),
                summary=f"#{req.pk} {describe(req)} expired unapproved",
            )
            events.action_expired(req.order, req.pk, describe(req)).save()
            done += 1
    return done


def retry(request_pk: int, *, actor: User, comment: str = "") -> ActionRequest:
    """Send a failed request again with the same key, when its failure left that safe."""
    with transaction.atomic():
        req = _locked(request_pk)
        _refuse(permissions.why_not_retry(Person.of(actor), req))
        before = snapshot(req)
        _move(req, ActionState.FAILED, ActionState.APPROVED, finished_at=None, retry_safe=False)
        comment = (comment or "").strip()
        audit.record(
            "action.retried",
            actor=actor,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)} queued again after: {req.error[:200]}",
        )
        events.action_approved(
            req.order,
            req.pk,
            describe(req),
            actor=actor,
            approvals=0,
            required=0,
            final=True,
            comment=f"retry after failure{': ' + comment if comment else ''}",
        ).save()
        signals.announce_ready(req.pk)
    return req


def resolve(request_pk: int, *, actor: User, happened: bool, comment: str) -> ActionRequest:
    """Settle an unresolved money-moving command after a person checked with Juspay.

    `happened=True`: Juspay confirms it took effect (succeeded). False: Juspay confirms it did not
    (failed; a retry is then safe, with the same key). Nothing is sent from here.
    """
    comment = (comment or "").strip()
    if not comment:
        raise InvalidRequest("Say what Juspay confirmed (who, when, reference).", field="comment")
    now = timezone.now()
    with transaction.atomic():
        req = _locked(request_pk)
        _refuse(permissions.why_not_resolve(Person.of(actor), req))
        before = snapshot(req)
        if happened:
            _move(req, ActionState.UNRESOLVED, ActionState.SUCCEEDED, finished_at=now, error="", retry_safe=False)
            summary = f"#{req.pk} {describe(req)} settled as done at Juspay: {comment}"
            events.action_succeeded(req.order, req.pk, describe(req), result=f"confirmed by {actor}: {comment}").save()
        else:
            error = f"Juspay confirmed it did not take effect ({actor}: {comment}); a retry sends it once."
            _move(req, ActionState.UNRESOLVED, ActionState.FAILED, finished_at=now, error=error, retry_safe=True)
            summary = f"#{req.pk} {describe(req)} settled as not done at Juspay: {comment}"
            events.action_failed(req.order, req.pk, describe(req), error=error, retry_safe=True).save()
        audit.record("action.resolved", actor=actor, obj=req, before=before, after=snapshot(req), summary=summary)
    return req


# --- Reading ----------------------------------------------------------------------------------------


def pending_for(user: User) -> QuerySet[ActionRequest]:
    """Pending requests `user` could decide on now: not their own, not decided by them, not expired."""
    return (
        ActionRequest.objects.visible_to(user)
        .filter(state=ActionState.PENDING, expires_at__gt=timezone.now())
        .exclude(maker=user)
        .exclude(decisions__approver=user)
    )


def queue(
    *, viewer: User | AnonymousUser, state: str = "pending", mine_of: User | None = None
) -> QuerySet[ActionRequest]:
    """Requests for the queue page (those of `viewer`'s merchants): waiting ones oldest first, finished ones
    latest first."""
    qs = ActionRequest.objects.visible_to(viewer)
    if state == "pending":
        qs = qs.filter(state=ActionState.PENDING).order_by("created_at", "id")
    elif state == "open":
        qs = qs.filter(state__in=HOLDING_STATES).order_by("created_at", "id")
    elif state in ActionState.values:
        qs = qs.filter(state=state).order_by("-updated_at", "-id")
    else:
        qs = qs.order_by("-created_at", "-id")
    if mine_of is not None:
        qs = qs.filter(maker=mine_of)
    return qs
