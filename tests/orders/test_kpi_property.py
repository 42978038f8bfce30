"""Every KPI rollup kept incrementally equals the same rollup rebuilt from scratch, over random event sequences.

Events: Order Status answers through the product's sync (one by one or the bulk first import; statuses moving in
and out of CHARGED, unknown ones included; `date_created` and the gateway's answer time moving across local
midnight, the gateway time missing or before the order), and Fulfilment Sync requests changing state as the
executor changes them (a conditional UPDATE, then `kpi_rollups.track` in the same transaction): succeeded with
status SUCCESS or FAILURE, failed, or succeeded and later found not to have happened. After each sequence the
cells, refund turnarounds, charged orders (with their first fulfilment) and request facts that were kept are
compared with `rebuild_kpis`' (orders.rollups.rebuild, then fulfilment.kpi_rollups.rebuild).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fulfilment import kpi_rollups
from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders import rollups
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
        "outcome": st.sampled_from([ActionState.SUCCEEDED, ActionState.SUCCEEDED, ActionState.FAILED]),
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


def _command(order: Order, maker: Any, step: dict[str, Any]) -> None:
    """A Fulfilment Sync request the executor finished: its row as the executor leaves it, then `track`."""
    finished = BASE + timedelta(minutes=step["finished"])
    with transaction.atomic():
        req = ActionRequest.objects.create(
            kind=ActionKind.FULFILMENT,
            order=order,
            merchant_id=order.merchant_id,
            payload={"fulfillment_status": step["status"], "fulfillment_command": "NO_ACTION"},
            command="NO_ACTION",
            fulfillment_id=f"DLV-{uuid.uuid4().hex[:6]}",
            maker=maker,
            state=ActionState.SENDING,
            idempotency_key=uuid.uuid4().hex,
            form_token=uuid.uuid4(),
            required_approvals=0,
            expires_at=finished + timedelta(days=3),
        )
        ActionRequest.objects.filter(pk=req.pk, state=ActionState.SENDING).update(
            state=step["outcome"], finished_at=finished
        )
        kpi_rollups.track(req.pk)


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


CHARGED_O1 = {
    "event": "sync",
    "order": "O1",
    "status": "CHARGED",
    "created": 0,
    "gateway": None,
    "refund": None,
    "bulk": False,
}
FULFIL_O1 = {"event": "command", "order": "O1", "status": "SUCCESS", "outcome": ActionState.SUCCEEDED, "finished": 60}


@example(steps=[CHARGED_O1, FULFIL_O1, {"event": "undo", "nth": 0}])  # the only fulfilment did not happen
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
    rollups.rebuild()
    kpi_rollups.rebuild()
    assert _snapshot() == kept
    assert {c[0] for c in kept["charged"]} == set(Order.objects.filter(status="CHARGED").values_list("pk", flat=True))
