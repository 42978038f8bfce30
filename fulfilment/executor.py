"""The one place money leaves: an approved request is validated, marked sending, sent, and recorded.

    execute(request_pk)
      1. Take the request's executor lock (a PostgreSQL session advisory lock; it dies with the process),
         so two deliveries of the task never work on one request at once.
      2. Claim it: `approved -> sending` (or `sending -> sending` when resuming), attempts + 1, committed
         before anything goes out, so a crash after the send leaves `sending` behind.
      3. First send only: re-fetch the order from Juspay through the normal sync and re-validate it (a
         CHARGED transaction; enough still refundable). If it no longer makes sense, fail and say why.
      4. Call the client with the request's idempotency key (`unique_request_id` / `fulfillment_id`).
         Any attempt after the first passes `check_first=True`: the client looks for the key in Order
         Status before sending again, so a resumed or retried request is never sent twice.
      5. Record Juspay's answer (the refund answer also refreshes the cached order), `sending ->
         succeeded | failed`, with the audit event and the timeline event in one transaction.

An outcome the client could not settle (`JuspayOutcomeUnknown`) leaves the request `sending`; the
`resume_stalled` beat task runs it again later (with `check_first`), up to MAX_ATTEMPTS, after which it
fails as retryable. A refusal or Juspay being unreachable means nothing happened: failed, retryable.

A Fulfilment Sync command that moves money (`ActionRequest.moves_money`, e.g. INITIATE_REFUND) is never
sent a second time after an outcome we do not know: Order Status lists refunds by the `unique_request_id`
the Refund API was given, and the Fulfillment Sync request carries no such key, so Juspay's pages show no
way to tell which refund (if any) a lost INITIATE_REFUND created; and the Fulfillment Sync page calls
`fulfillment_id` "A unique/repeat merchant-generated identifier", so a resend with it is not promised to
be refused. Such a request is parked `unresolved` (a lost answer, a crash after the send, a redelivered
task) with the reason, and a person settles it after checking with Juspay (`services.resolve`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from dashboard import audit, juspay_access
from dashboard.juspay.client import JuspayClient
from dashboard.juspay.errors import JuspayApiError, JuspayError, JuspayOutcomeUnknown, JuspayUnavailable
from dashboard.juspay.forms import SplitRefundDetails, SplitSettlementDetails
from dashboard.juspay.outcomes import FulfillmentOutcome, RefundOutcome
from dashboard.models import Merchant
from dashboard.money_format import format_money
from fulfilment import events, kpi_rollups
from fulfilment.models import ActionKind, ActionRequest, ActionState
from fulfilment.services import describe, snapshot, still_refundable
from orders import services as order_services
from orders import split_rule
from orders.models import Order, SyncSource
from orders.sync import apply_order

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
_LOCK_CLASS = 0x4A4F4158  # "JOAX": the advisory-lock namespace of executor locks
EXECUTOR = "executor"

# Tests replace this to talk to a fake; everything else uses the merchant's real client.
client_for: Callable[[Merchant], JuspayClient] = juspay_access.client_for


class Finished(Exception):
    """Raised inside `execute` to stop with a recorded result."""

    def __init__(self, result: str) -> None:
        super().__init__(result)
        self.result = result


@contextmanager
def exclusive(request_pk: int) -> Iterator[bool]:
    """True when this process may work on the request; False while another executor holds it."""
    if connection.vendor != "postgresql":
        yield True  # SQLite (development): one writer at a time anyway
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, request_pk])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, request_pk])


def execute(request_pk: int) -> str:
    """Run one approved (or interrupted) request to its result. Safe to call any number of times."""
    with exclusive(request_pk) as mine:
        if not mine:
            return "busy: another executor is working on it"
        req = ActionRequest.objects.select_related("order", "merchant").get(pk=request_pk)
        if req.state not in (ActionState.APPROVED, ActionState.SENDING):
            return f"nothing to do: {req.state}"
        resuming = req.state == ActionState.SENDING
        if resuming and _no_blind_resend(req):
            return _park(
                req,
                "Moves money, so not sent again: an earlier send was interrupted (the worker stopped after "
                "claiming it) and Juspay's Order Status cannot show whether it took effect. Check with Juspay, "
                "then settle it here.",
            )
        if resuming and req.attempts >= MAX_ATTEMPTS:
            return _fail(
                req,
                "Juspay's answer was lost several times and Order Status never showed the request. "
                "A retry checks Order Status first and sends only if Juspay does not have it.",
                retry_safe=True,
            )
        if not _claim(req, resuming=resuming):
            return "nothing to do: someone else moved it"
        # A money-moving command reaches a second attempt only through a retry after a definite failure
        # (nothing happened at Juspay): checking first could not see it anyway (see the module doc).
        check_first = req.attempts > 1 and not _no_blind_resend(req)
        try:
            client = client_for(req.merchant)
        except ValueError as exc:  # the merchant's settings cannot make a client (empty key, bad URL)
            return _fail(req, f"Not sent: the merchant's Juspay settings are incomplete ({exc}).", retry_safe=True)
        try:
            with client as juspay:
                if not resuming:
                    _revalidate(req, juspay)
                fetched_at = timezone.now()
                outcome = _send(req, juspay, check_first=check_first)
                after_send_hook()
                state = _record(req, outcome, fetched_at)
                if state == ActionState.SUCCEEDED and _no_blind_resend(req):
                    # The Fulfillment Sync answer carries no order: re-read it so the cached refund limit
                    # (and so what is still refundable) shows the refund the command made. A failure here
                    # is recorded on the order and retried by the freshness sweep.
                    order_services.sync_order(
                        req.merchant, req.order.order_id, source=SyncSource.DASHBOARD, client=juspay
                    )
                return state
        except Finished as stop:
            return stop.result


# --- The steps ----------------------------------------------------------------------------------


def _claim(req: ActionRequest, *, resuming: bool) -> bool:
    now = timezone.now()
    with transaction.atomic():
        moved = ActionRequest.objects.filter(pk=req.pk, state=req.state).update(
            state=ActionState.SENDING, attempts=F("attempts") + 1, sent_at=now, updated_at=now
        )
        if not moved:
            return False
        kpi_rollups.track(req.pk)
        before = snapshot(req)
        req.refresh_from_db()
        how = (
            " (resuming: Order Status is checked first)"
            if resuming
            else (" (Order Status is checked first)" if req.attempts > 1 else "")
        )
        audit.record(
            "action.sent",
            actor_username=EXECUTOR,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)}: sending, attempt {req.attempts}, key {_key(req)}{how}",
        )
        events.action_sent(req.order, req.pk, describe(req), attempt=req.attempts, key=_key(req)).save()
    return True


def _no_blind_resend(req: ActionRequest) -> bool:
    """A command whose money Order Status cannot show: an unknown outcome parks it (module doc)."""
    return req.kind == ActionKind.FULFILMENT and req.moves_money


def _key(req: ActionRequest) -> str:
    return req.idempotency_key if req.kind == ActionKind.REFUND else req.fulfillment_id


def _revalidate(req: ActionRequest, juspay: JuspayClient) -> None:
    """Re-fetch the order from Juspay (updating the cache) and check the request still makes sense."""
    result = order_services.sync_order(req.merchant, req.order.order_id, source=SyncSource.DASHBOARD, client=juspay)
    if result.error or result.obj is None:
        raise Finished(
            _fail(req, f"Not sent: the order could not be re-fetched from Juspay ({result.error}).", retry_safe=True)
        )
    order = result.obj
    assert isinstance(order, Order)  # sync_order fetches an order, never a payout order
    if not order.has_charged_transaction():
        raise Finished(
            _fail(
                req,
                f"Not sent: the order has no CHARGED transaction any more (status "
                f"{order.status}). Raise a new request if it is still needed.",
                retry_safe=False,
            )
        )
    if _no_blind_resend(req):
        # The same reservation as at raise (services.still_refundable), less this request's own hold.
        left = still_refundable(order, excluding=req)
        assert req.amount is not None  # raise_fulfilment sets it for every money-moving command
        if req.amount > left:
            raise Finished(
                _fail(
                    req,
                    f"Not sent: only {format_money(left, order.currency)} is still refundable on this order now "
                    f"(Juspay's limit less other refunds and money-moving commands in flight), less than the "
                    f"{format_money(req.amount, order.currency)} approved. "
                    "Raise a new request for what is left, if anything.",
                    retry_safe=False,
                )
            )
    if req.kind == ActionKind.REFUND:
        if order.refunds.filter(unique_request_id=req.idempotency_key).exists():
            return  # ours is already at Juspay (an earlier try): the send below finds it and records it
        # Juspay's own limit, not `services.still_refundable`: this request is one of the open ones it holds.
        limit = order.juspay_refund_limit
        assert req.amount is not None  # raise_refund always sets it
        if req.amount > limit:
            raise Finished(
                _fail(
                    req,
                    f"Not sent: Juspay now allows only {format_money(limit, order.currency)} to be refunded "
                    f"on this order, less than the {format_money(req.amount, order.currency)} requested. "
                    "Raise a new request for what is left, if anything.",
                    retry_safe=False,
                )
            )
        _revalidate_refund_split(req, order)


def _revalidate_refund_split(req: ActionRequest, order: Order) -> None:
    """A refund's per-vendor allocation still fits what Juspay's fresh answer leaves each vendor
    (`orders.split_rule.check_refund_allocation`, against Juspay's refunds only, as the amount check above)."""
    allocation = split_rule.refund_allocation(req.payload.get("split_settlement_details"))
    if allocation is None:
        return
    assert req.amount is not None  # raise_refund always sets it
    problems = split_rule.check_refund_allocation(req.amount, allocation, split_rule.juspay_share_rooms(order))
    if problems:
        raise Finished(
            _fail(
                req,
                "Not sent: the vendors' parts no longer fit Juspay's answer: "
                + " ".join(problems)
                + " Raise a new request with parts that fit, if anything is left.",
                retry_safe=False,
            )
        )


def _send(req: ActionRequest, juspay: JuspayClient, *, check_first: bool) -> RefundOutcome | FulfillmentOutcome:
    order, payload = req.order, req.payload
    customer = order.customer_id or None
    try:
        if req.kind == ActionKind.REFUND:
            return juspay.refund(
                order.order_id,
                unique_request_id=req.idempotency_key,
                amount=Decimal(payload["amount"]),
                customer_id=customer,
                split_settlement_details=(
                    SplitRefundDetails.model_validate(payload["split_settlement_details"])
                    if payload.get("split_settlement_details")
                    else None
                ),
                check_first=check_first,
            )
        split = payload.get("split_settlement_details")
        when = payload.get("fulfillment_time")
        return juspay.fulfillment_sync(
            order.order_id,
            fulfillment_id=req.fulfillment_id,
            status=payload["fulfillment_status"],
            command=payload["fulfillment_command"],
            time=datetime.fromisoformat(when) if when else None,
            data=payload.get("fulfillment_data"),
            split_settlement_details=SplitSettlementDetails.model_validate(split) if split else None,
            customer_id=customer,
            check_first=check_first,
            moves_money=_no_blind_resend(req),
        )
    except JuspayOutcomeUnknown as exc:
        raise Finished(_unknown(req, exc)) from exc
    except JuspayUnavailable as exc:
        raise Finished(
            _fail(
                req,
                f"Not sent: Juspay could not be reached ({exc.message}). Nothing happened at Juspay; a retry is safe.",
                retry_safe=True,
            )
        ) from exc
    except JuspayApiError as exc:
        raise Finished(_fail(req, f"Juspay refused it: {juspay_message(exc)}", retry_safe=True)) from exc
    except JuspayError as exc:
        raise Finished(_unknown(req, exc)) from exc
    except ValueError as exc:  # the client refused to build the request (e.g. a value it does not accept)
        raise Finished(
            _fail(req, f"Not sent: the Juspay client refused the request ({exc}).", retry_safe=False)
        ) from exc


def juspay_message(exc: JuspayError) -> str:
    text = exc.user_message or exc.message
    code = exc.code
    return f"{text} ({code})" if code and code not in text else text


def _record(req: ActionRequest, outcome: RefundOutcome | FulfillmentOutcome, fetched_at: datetime) -> str:
    how = str(outcome.resolution)
    answer: dict[str, object] | None = None
    order = outcome.order  # the order as Juspay returned it, when it did: it refreshes the cache below
    if isinstance(outcome, RefundOutcome):
        refund = outcome.refund
        result = {
            "resolution": how,
            "refund": {
                "unique_request_id": refund.unique_request_id,
                "status": refund.status,
                "id": refund.id,
                "ref": refund.ref,
                "amount": str(refund.amount) if refund.amount is not None else None,
                "error_code": refund.error_code,
                "error_message": refund.error_message,
            },
        }
        failed = refund.status == "FAILURE"
        error = f"Juspay marked the refund FAILURE: {refund.error_message or refund.error_code or 'no reason given'}"
        summary = f"refund {refund.status} at Juspay ({how})"
    else:
        command = outcome.command
        result = {
            "resolution": how,
            "command": {
                "command": command.command,
                "status": command.status,
                "metadata": command.metadata,
                "error_message": command.error_message,
                "fulfillment_id": command.fulfillment_id,
                "date_created": command.date_created.isoformat() if command.date_created else None,
            },
        }
        # Juspay's whole answer (top-level status, order id, merchant id, every command, unknown fields),
        # when it reached us; a command settled through Order Status or a duplicate refusal has none.
        answer = outcome.response.raw if outcome.response is not None else None
        failed = command.status == "FAILURE"
        error = f"Juspay reports the command FAILURE: {command.error_message or 'no reason given'}"
        summary = f"command {command.status or 'accepted'} at Juspay ({how})"
    now = timezone.now()
    with transaction.atomic():
        if order is not None:
            apply_order(req.merchant, order, source=SyncSource.DASHBOARD, fetched_at=fetched_at)
        before = snapshot(req)
        state = ActionState.FAILED if failed else ActionState.SUCCEEDED
        moved = ActionRequest.objects.filter(pk=req.pk, state=ActionState.SENDING).update(
            state=state,
            result=result,
            juspay_answer=answer,
            error=error if failed else "",
            retry_safe=False,
            finished_at=now,
            updated_at=now,
        )
        if not moved:
            return "nothing recorded: the request is no longer sending"
        kpi_rollups.track(req.pk)
        req.refresh_from_db()
        if failed:
            audit.record(
                "action.failed",
                actor_username=EXECUTOR,
                obj=req,
                before=before,
                after=snapshot(req),
                summary=f"#{req.pk} {describe(req)}: {error}",
            )
            events.action_failed(req.order, req.pk, describe(req), error=error, retry_safe=False).save()
        else:
            audit.record(
                "action.succeeded",
                actor_username=EXECUTOR,
                obj=req,
                before=before,
                after=snapshot(req),
                summary=f"#{req.pk} {describe(req)}: {summary}",
            )
            events.action_succeeded(req.order, req.pk, describe(req), result=summary).save()
    return state


def _fail(req: ActionRequest, error: str, *, retry_safe: bool) -> str:
    now = timezone.now()
    with transaction.atomic():
        before = snapshot(req)
        moved = ActionRequest.objects.filter(pk=req.pk, state=ActionState.SENDING).update(
            state=ActionState.FAILED, error=error, retry_safe=retry_safe, finished_at=now, updated_at=now
        )
        if not moved:
            return "nothing recorded: the request is no longer sending"
        kpi_rollups.track(req.pk)
        req.refresh_from_db()
        audit.record(
            "action.failed",
            actor_username=EXECUTOR,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)}: {error}"[:500],
        )
        events.action_failed(req.order, req.pk, describe(req), error=error, retry_safe=retry_safe).save()
    log.warning("action request %s failed: %s", req.pk, error)
    return ActionState.FAILED


def _park(req: ActionRequest, reason: str) -> str:
    """`sending -> unresolved`: the outcome of a money-moving command is unknown; a person settles it."""
    now = timezone.now()
    with transaction.atomic():
        before = snapshot(req)
        moved = ActionRequest.objects.filter(pk=req.pk, state=ActionState.SENDING).update(
            state=ActionState.UNRESOLVED, error=reason[:2000], retry_safe=False, updated_at=now
        )
        if not moved:
            return "nothing recorded: the request is no longer sending"
        kpi_rollups.track(req.pk)
        req.refresh_from_db()
        audit.record(
            "action.unresolved",
            actor_username=EXECUTOR,
            obj=req,
            before=before,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)}: {reason}"[:500],
        )
        events.action_unresolved(req.order, req.pk, describe(req), reason=reason).save()
    log.warning("action request %s parked unresolved: %s", req.pk, reason)
    return ActionState.UNRESOLVED


def _unknown(req: ActionRequest, exc: JuspayError) -> str:
    """The send may or may not have happened: stay `sending`; a later run checks Order Status first.

    A money-moving command is parked instead (module doc): nothing could settle it without a resend."""
    if _no_blind_resend(req):
        return _park(
            req,
            f"Moves money, so not sent again: Juspay's answer was lost ({exc.message}) and Order Status "
            "cannot show whether it took effect. Check with Juspay, then settle it here.",
        )
    if req.attempts >= MAX_ATTEMPTS:
        return _fail(
            req,
            f"Outcome unknown after {req.attempts} attempts ({exc.message}). A retry checks Order "
            "Status first and sends only if Juspay does not have it.",
            retry_safe=True,
        )
    error = f"Outcome unknown ({exc.message}); Order Status will be checked before any resend."
    with transaction.atomic():
        ActionRequest.objects.filter(pk=req.pk, state=ActionState.SENDING).update(
            error=error[:2000], updated_at=timezone.now()
        )
        audit.record(
            "action.outcome_unknown",
            actor_username=EXECUTOR,
            obj=req,
            after=snapshot(req),
            summary=f"#{req.pk} {describe(req)}: {error}"[:500],
        )
    log.warning("action request %s: %s", req.pk, error)
    return "unknown"


def after_send_hook() -> None:
    """Test-only: with TEST_EXECUTOR_CRASH_MARKER set, die once right after Juspay answered, before recording.

    The integration test uses it to show that a redelivered task settles the request without a second
    refund. The marker file makes the crash happen once per path.
    """
    marker = settings.TEST_EXECUTOR_CRASH_MARKER
    if marker and not os.path.exists(marker):
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
        os._exit(70)


def stalled(*, now: datetime | None = None) -> list[int]:
    """Requests an executor should have finished by now: approved but never picked up, or interrupted."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.FULFILMENT_STALL_SECONDS)
    return list(
        ActionRequest.objects.filter(
            Q(state=ActionState.APPROVED, updated_at__lte=cutoff) | Q(state=ActionState.SENDING, updated_at__lte=cutoff)
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:200]
    )
