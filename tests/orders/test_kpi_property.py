"""Every KPI rollup kept incrementally equals the same rollup rebuilt from scratch, over random event sequences.

Events: Order Status answers through the product's sync (one by one or the bulk first import; statuses moving in
and out of CHARGED, unknown ones included; `date_created` and the gateway's answer time moving across local
midnight, the gateway time missing or before the order), and Fulfilment Sync requests changing state as the
executor and the approval services change them (a conditional UPDATE, then `kpi_rollups.track` in the same
transaction): raised, approved (or let through unapproved) or rejected, sent, then succeeded with status SUCCESS
or FAILURE, failed, or succeeded and later found not to have happened. After each sequence the cells (the
fulfilment and request cells with their duration histograms included), refund turnarounds, charged orders (with
their first fulfilment) and request facts that were kept are compared with the cells rebuilt from the
ChargedOrder and RequestFact tables (`rebuild_kpis --only fulfilment-cells,request-cells`), then with
`rebuild_kpis`' (orders.rollups.rebuild, then fulfilment.kpi_rollups.rebuild). And the fulfilment and approval
figures read from the cells equal the same figures worked out from every row.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fulfilment import kpi_figures, kpi_rollups
from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders import kpi_fulfilment, rollups
from orders.kpi_periods import Period
from orders.models import ChargedOrder, KpiBucket, Order, RefundTurnaround, SyncSource
from orders.sync import apply_order, create_orders

pytestmark = pytest.mark.django_db

BASE = datetime(2025, 3, 10, 18, 0, tzinfo=UTC)  # 23:30 in Kolkata: an hour either side crosses local midnight
STATUSES = ["CHARGED", "CHARGED", "PENDING_VBV", "AUTHORIZATION_FAILED", "AUTO_REFUNDED", "ODD_NEW"]
ORDERS = ["O1", "O2", "O3"]


def _iso(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


sync_step = st.fixed_dictionaries(
    {
        "event": st.just("sync"),
        "order": st.sampled_from(ORDERS),
        "status": st.sampled_from(STATUSES),
        "created": st.integers(-90, 90),
        "gateway": st.one_of(st.none(), st.integers(-30, 120)),  # minutes after date_created (None: no answer)
        "refund": st.one_of(st.none(), st.tuples(st.sampled_from(["SUCCESS", "PENDING"]), st.integers(0, 300))),
        "bulk": st.booleans(),
    }
)
command_step = st.fixed_dictionaries(
    {
        "event": st.just("command"),
        "order": st.sampled_from(ORDERS),
        "status": st.sampled_from(["SUCCESS", "SUCCESS", "FAILURE"]),
        "outcome": st.sampled_from(
            [ActionState.SUCCEEDED, ActionState.SUCCEEDED, ActionState.FAILED, ActionState.REJECTED]
        ),
        "raised": st.integers(-1500, 1500),  # minutes after BASE
        "decided": st.one_of(st.none(), st.integers(0, 200_000)),  # seconds after raised (None: no approval needed)
        "finished": st.integers(0, 4000),  # minutes after BASE
    }
)
undo_step = st.fixed_dictionaries({"event": st.just("undo"), "nth": st.integers(0, 5)})


def _answer(answer: Any, step: dict[str, Any]) -> Any:
    gateway = None
    if step["gateway"] is not None:
        gateway = {"resp_code": "captured", "created": _iso(step["created"] + step["gateway"])}
    refunds = []
    if step["refund"] is not None:
        status, took = step["refund"]
        refunds = [
            {
                "id": "rf-1",
                "unique_request_id": "R1",
                "status": status,
                "amount": 10,
                "created": _iso(step["created"] + 60),
                "pg_processed_at": _iso(step["created"] + 60 + took) if status == "SUCCESS" else None,
            }
        ]
    return answer(
        "order_status_charged.json",
        order_id=step["order"],
        status=step["status"],
        amount=100,
        effective_amount=100,
        date_created=_iso(step["created"]),
        payment_gateway_response=gateway,
        refunds=refunds,
        amount_refunded=10 if refunds and refunds[0]["status"] == "SUCCESS" else 0,
    )


def _move(pk: int, from_state: str, to_state: str, **fields: Any) -> None:
    """A state change as the services and the executor make it: the conditional UPDATE, then `track`."""
    with transaction.atomic():
        assert ActionRequest.objects.filter(pk=pk, state=from_state).update(state=to_state, **fields) == 1
        kpi_rollups.track(pk)


def _command(order: Order, maker: Any, step: dict[str, Any]) -> None:
    """A Fulfilment Sync request from raise to its end, each state change tracked: raised (pending, or sending
    when the policy needs no approval), approved or rejected `decided` seconds later, then finished."""
    raised = BASE + timedelta(minutes=step["raised"])
    finished = BASE + timedelta(minutes=step["finished"])
    needs_approval = step["decided"] is not None
    with transaction.atomic():
        req = ActionRequest.objects.create(
            kind=ActionKind.FULFILMENT,
            order=order,
            merchant_id=order.merchant_id,
            payload={"fulfillment_status": step["status"], "fulfillment_command": "NO_ACTION"},
            command="NO_ACTION",
            fulfillment_id=f"DLV-{uuid.uuid4().hex[:6]}",
            maker=maker,
            state=ActionState.PENDING if needs_approval else ActionState.SENDING,
            idempotency_key=uuid.uuid4().hex,
            form_token=uuid.uuid4(),
            required_approvals=1 if needs_approval else 0,
            expires_at=raised + timedelta(days=3),
        )
        ActionRequest.objects.filter(pk=req.pk).update(
            created_at=raised, approved_at=None if needs_approval else raised
        )
        kpi_rollups.track(req.pk)
    if needs_approval:
        decided = raised + timedelta(seconds=step["decided"])
        if step["outcome"] == ActionState.REJECTED:
            _move(req.pk, ActionState.PENDING, ActionState.REJECTED, closed_at=decided)
            return
        _move(req.pk, ActionState.PENDING, ActionState.APPROVED, approved_at=decided)
        _move(req.pk, ActionState.APPROVED, ActionState.SENDING, sent_at=decided)
    outcome = ActionState.FAILED if step["outcome"] == ActionState.REJECTED else step["outcome"]
    _move(req.pk, ActionState.SENDING, outcome, finished_at=finished)


def _undo(nth: int) -> None:
    """A succeeded request settled as not having happened after all (services.resolve's 'not happened')."""
    succeeded = list(ActionRequest.objects.filter(state=ActionState.SUCCEEDED).order_by("pk"))
    if not succeeded:
        return
    req = succeeded[nth % len(succeeded)]
    with transaction.atomic():
        ActionRequest.objects.filter(pk=req.pk, state=ActionState.SUCCEEDED).update(state=ActionState.FAILED)
        kpi_rollups.track(req.pk)


def _snapshot() -> dict[str, set[tuple[Any, ...]]]:
    return {
        "cells": {
            (b.merchant_id, b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount)
            for b in KpiBucket.objects.all()
            if b.count or b.amount
        },
        "turnarounds": set(RefundTurnaround.objects.values_list("refund_id", "order_id", "raised_at", "seconds")),
        "charged": set(
            ChargedOrder.objects.values_list("order_id", "merchant_id", "charged_at", "fulfilled_at", "fulfil_seconds")
        ),
        "requests": set(
            RequestFact.objects.values_list("request_id", "state", "raised_at", "decision_seconds", "answer_seconds")
        ),
    }


PERIODS = (Period(date(2025, 3, 8), date(2025, 3, 14)), Period(date(2025, 3, 11), date(2025, 3, 11)))
NOW = BASE + timedelta(days=3, minutes=17)  # the overdue cutoff (NOW - 48 h) falls inside a local hour


def _rank(values: list[int], p: float) -> float | None:
    """Nearest rank, worked out from every value."""
    values = sorted(values)
    return float(values[max(1, math.ceil(p * len(values))) - 1]) if values else None


def _figures_from_cells(period: Period) -> tuple[Any, ...]:
    f = kpi_fulfilment.fulfilment(period, None, now=NOW)
    n = kpi_figures.numbers(period, None)
    commands = [(c.command, c.state, c.count) for c in kpi_figures.commands(period, None)]
    return (
        (f.fulfilled, f.p50, f.p90, f.slow, f.within, f.overdue),
        (n.raised, n.by_state, n.decided, n.decision_p50, n.decision_p90, n.slow_decisions),
        (n.answered, n.answer_p50, n.answer_p90, n.slow_answers),
        commands,
        kpi_figures.raised_series(period, None),
    )


def _figures_from_rows(period: Period) -> tuple[Any, ...]:
    charged = ChargedOrder.objects.filter(charged_at__gte=period.start, charged_at__lt=period.end)
    seconds = [s for s in charged.values_list("fulfil_seconds", flat=True) if s is not None]
    p90 = _rank(seconds, 0.9)
    cutoff = kpi_fulfilment.overdue_cutoff(period, NOW)
    overdue = charged.filter(charged_at__lt=cutoff, fulfilled_at__isnull=True).count()
    target = kpi_fulfilment.target_seconds()
    fulfilment = (len(seconds), _rank(seconds, 0.5), p90, sum(s >= (p90 or 0) for s in seconds) if seconds else 0)
    fulfilment += (sum(s <= target for s in seconds), overdue)
    facts = list(RequestFact.objects.filter(raised_at__gte=period.start, raised_at__lt=period.end))
    by_state: dict[str, int] = {}
    for fact in facts:
        by_state[fact.state] = by_state.get(fact.state, 0) + 1
    durations = []
    for column in ("decision_seconds", "answer_seconds"):
        values = [getattr(fact, column) for fact in facts if getattr(fact, column) is not None]
        top = _rank(values, 0.9)
        durations.append((len(values), _rank(values, 0.5), top, sum(v >= top for v in values) if values else 0))
    commands: dict[tuple[str, str], int] = {}
    for fact in facts:
        if fact.kind == ActionKind.FULFILMENT:
            commands[(fact.command, fact.state)] = commands.get((fact.command, fact.state), 0) + 1
    series = [0.0] * len(list(period.buckets()))
    starts = list(period.buckets())
    for fact in facts:
        series[max(i for i, start in enumerate(starts) if start <= fact.raised_at)] += 1
    return (
        fulfilment,
        (len(facts), by_state, *durations[0]),
        durations[1],
        [(c, s, n) for (c, s), n in sorted(commands.items())],
        series,
    )


CHARGED_O1 = {
    "event": "sync",
    "order": "O1",
    "status": "CHARGED",
    "created": 0,
    "gateway": None,
    "refund": None,
    "bulk": False,
}
FULFIL_O1 = {
    "event": "command",
    "order": "O1",
    "status": "SUCCESS",
    "outcome": ActionState.SUCCEEDED,
    "raised": 30,
    "decided": None,
    "finished": 60,
}


@example(steps=[CHARGED_O1, FULFIL_O1, {"event": "undo", "nth": 0}])  # the only fulfilment did not happen
@example(steps=[CHARGED_O1, dict(FULFIL_O1, decided=7200), dict(FULFIL_O1, decided=90, outcome=ActionState.REJECTED)])
@example(steps=[CHARGED_O1, FULFIL_O1, dict(CHARGED_O1, status="PENDING_VBV"), CHARGED_O1])  # charged again
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(sync_step, command_step, undo_step), min_size=1, max_size=12))
def test_rollups_kept_incrementally_equal_a_rebuild(merchant, answer, make_user, steps):
    ActionRequest.objects.all().delete()
    Order.objects.all().delete()
    KpiBucket.objects.all().delete()
    maker = make_user("Support")
    for step in steps:
        if step["event"] == "sync":
            parsed = _answer(answer, step)
            fetched_at = timezone.now()
            if step["bulk"] and not Order.objects.filter(order_id=step["order"]).exists():
                create_orders(merchant, [(parsed, fetched_at)], source=SyncSource.JUSPAY_POLL)
            else:
                apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=fetched_at)
        elif step["event"] == "command":
            order = Order.objects.filter(order_id=step["order"]).first()
            if order is not None:
                _command(order, maker, step)
        else:
            _undo(step["nth"])
    kept = _snapshot()
    for period in PERIODS:
        assert _figures_from_cells(period) == _figures_from_rows(period), period
    rollups.rebuild_charged_cells()
    kpi_rollups.rebuild_request_cells()
    assert _snapshot() == kept
    rollups.rebuild()
    kpi_rollups.rebuild()
    assert _snapshot() == kept
    assert {c[0] for c in kept["charged"]} == set(Order.objects.filter(status="CHARGED").values_list("pk", flat=True))
