"""`rebuild_kpis` (orders.rollups.rebuild, then fulfilment.kpi_rollups.rebuild) gives exactly the sum of the
incremental contributions (what the sync and `track` add order by order) over a varied cache: every documented
order status and unknown ones, refunds of every status with and without ARN and processing time, offers and
split vendors listed or not by the answer, odd shapes of the answer pieces the facts read, payout orders with
their fulfilments, Fulfilment Sync and refund requests in every state, some fulfilling a CHARGED order.

The rebuild reads orders as tuples, with only the pieces of `raw` the facts need read in SQL
(orders.rollups.RAW_PIECES, `raw -> 'a' -> 'b'`), in chunks (here 3 orders a chunk, so rows cross chunk edges);
this test is what keeps that reading equal to `facts_of`' reading of the whole answer, on SQLite and on
PostgreSQL. Once in the managers' zone (Kolkata, half-hour offset) and once in a zone whose clocks go back
inside the fixture's hours (New York, 2025-11-02).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import override_settings

from dashboard.juspay.enums import OrderStatus
from fulfilment import kpi_rollups
from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders import rollups
from orders.models import ChargedOrder, KpiBucket, Order, PayoutOrder, RefundTurnaround, SyncSource
from orders.sync import apply_order, create_orders
from tests.orders.payouts import payout_answer, sync_payout

pytestmark = pytest.mark.django_db

BASE = datetime(2025, 11, 2, 4, 0, tzinfo=UTC)  # midnight in New York; clocks go back at 06:00 UTC
STATUSES = [s.value for s in OrderStatus] + ["ODD_NEW", "charged"]
REFUND_STATUSES = ["PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW", "SOMETHING_ELSE"]

# What replaces the whole `raw` of some orders after their sync (their Offer and SplitDetail rows stay): the
# pieces the facts read in every shape the SQL reading must treat as Python does.
ODD_RAWS: list[dict[str, Any]] = [
    {},
    {"bank_error_message": 0, "bank_error_code": "  E42\t"},
    {"bank_error_message": "0"},
    {"bank_error_message": {"text": "nested"}, "bank_error_code": "ignored"},
    {"bank_error_message": "   ", "bank_error_code": None},
    {"bank_error_message": "Déclinée ✓ " + "x" * 200},
    {"bank_error_message": False, "bank_error_code": 51},
    {"bank_error_message": ["a", "b"]},
    {"payment_gateway_response": [1, 2]},
    {"payment_gateway_response": "captured"},
    {"payment_gateway_response": {"created": 12345}},
    {"payment_gateway_response": {"created": None}},
    {"payment_gateway_response": {"created": "2025-11-02T06:30:00"}},  # no zone: not trusted
    {"payment_gateway_response": {"created": "not a date"}},
    {"payment_gateway_response": {"created": "2025-11-31T06:30:00Z"}},  # no such day
    {"payment_gateway_response": {"created": "2020-01-01T00:00:00Z"}},  # before the order
    {"payment_gateway_response": {"created": "2025-11-02T07:10:05.250+05:30"}},
    {"payment_gateway_response": {"created": "2025-11-03T01:00:00Z"}, "unknown": {"deep": [1, {"x": None}]}},
    {"offers": []},
    {"offers": {"listed": "as an object"}},
    {"offers": [{"offer_code": "whatever"}], "split_settlement_response": {}},
    {"split_settlement_response": None, "offers": 0},
    {"split_settlement_response": {"split_applied": False}, "offers": "yes"},
    {"split_settlement_response": [], "offers": [None]},
]


def _iso(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _answer(answer: Any, i: int, status: str) -> Any:
    created = (i * 37) % 300  # minutes after BASE: across the repeated hour in New York
    refunds = [
        {
            "id": f"rf-{i}-{k}",
            "unique_request_id": f"R{i}-{k}",
            "status": REFUND_STATUSES[(i + k) % len(REFUND_STATUSES)],
            "amount": 10 + k,
            "created": _iso(created + 30 * k + 5),
            "pg_processed_at": None if (i + k) % 3 == 0 else _iso(created + 30 * k + 5 + i),
            "arn": "ARN1" if (i + k) % 2 else None,
        }
        for k in range(i % 3)
    ]
    refunded = sum(r["amount"] for r in refunds if r["status"] == "SUCCESS")
    vendors = [("V1", 60 + i), ("V2", 40)] if i % 4 == 1 or status == "CHARGED" else []
    gateway = {"resp_code": "captured", "created": _iso(created + i % 50 - 10)} if i % 5 else None
    return answer(
        "order_status_charged.json",
        order_id=f"ORD-{i}",
        status=status,
        amount=100 + i,
        effective_amount=None if i % 6 == 0 else 90 + i,
        date_created=_iso(created),
        payment_method_type=["UPI", "CARD", "", "NB"][i % 4],
        bank_error_message=["", "Insufficient funds", "Timeout"][i % 3] or None,
        payment_gateway_response=gateway,
        refunds=refunds,
        amount_refunded=refunded,
        offers=[
            {
                "offer_id": f"OFF{i}",
                "offer_code": f"OFF{i % 2}",
                "status": ["AVAILED", "FAILED", "ODD"][i % 3],
                "benefits": [{"amount": i % 7}, {"amount": "x"}] if i % 2 else [{"amount": 5}],
            }
        ]
        if i % 3 == 0
        else [],
        split_settlement_response={
            "split_applied": True,
            "split_details": [{"sub_vendor_id": v, "amount": a} for v, a in vendors],
        }
        if vendors
        else None,
    )


def _requests(maker: Any) -> None:
    """Fulfilment Sync commands (fulfilling or not) and refund requests in every state, on the first orders."""
    orders = list(Order.objects.order_by("pk")[:12])
    states = list(ActionState)
    charged = list(Order.objects.filter(status="CHARGED").order_by("pk"))
    for n, order in enumerate(orders * 2 + charged):
        state = states[n % len(states)] if n < 2 * len(orders) else ActionState.SUCCEEDED  # fulfils the charged
        raised = BASE + timedelta(minutes=n * 11)
        kind = ActionKind.FULFILMENT if n % 3 or n >= 2 * len(orders) else ActionKind.REFUND
        req = ActionRequest.objects.create(
            kind=kind,
            order=order,
            merchant_id=order.merchant_id,
            payload={"fulfillment_status": "FAILURE" if n % 4 == 0 else "SUCCESS", "fulfillment_command": "NO_ACTION"},
            command="NO_ACTION" if kind == ActionKind.FULFILMENT else "REFUND",
            fulfillment_id=f"DLV-{uuid.uuid4().hex[:6]}",
            maker=maker,
            state=state,
            idempotency_key=uuid.uuid4().hex,
            form_token=uuid.uuid4(),
            required_approvals=n % 2,
            expires_at=raised + timedelta(days=3),
        )
        ActionRequest.objects.filter(pk=req.pk).update(
            created_at=raised,
            approved_at=raised + timedelta(seconds=90 * n) if n % 5 else None,
            closed_at=raised + timedelta(seconds=40 * n),
            finished_at=raised + timedelta(minutes=3 * n) if n % 7 or n >= 2 * len(orders) else None,
        )


def _payouts(merchant: Any) -> None:
    for n, status in enumerate(
        ["FULFILLMENTS_SUCCESSFUL", "FULFILLMENTS_MANUAL_REVIEW", "CREATED", "FULFILLMENTS_FAILURE", "ODD_PAYOUT"]
    ):
        sync_payout(merchant, payout_answer(orderId=f"P{n}", status=status, createdAt=_iso(n * 53)))


def _cache(merchant: Any, answer: Any, maker: Any) -> None:
    orders = [_answer(answer, i, status) for i, status in enumerate(STATUSES * 2)]
    now = datetime.now(UTC)
    create_orders(merchant, [(o, now) for o in orders[: len(STATUSES)]], source=SyncSource.JUSPAY_POLL)
    for parsed in orders[len(STATUSES) :]:
        apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=now)
    for order, raw in zip(Order.objects.order_by("-pk"), ODD_RAWS, strict=False):
        Order.objects.filter(pk=order.pk).update(raw=raw)
    _payouts(merchant)
    _requests(maker)


def _incremental() -> tuple[rollups.MerchantCells, set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Every order's, payout order's and request's contribution, as the sync and `track` work them out one by
    one, summed; with the ChargedOrder and RefundTurnaround rows they keep."""
    cells: rollups.MerchantCells = defaultdict(dict)
    charged: set[tuple[Any, ...]] = set()
    turnarounds: set[tuple[Any, ...]] = set()
    for order in Order.objects.order_by("pk"):
        facts = rollups.facts_of(order)
        rollups.merge_by_merchant(cells, {facts.merchant_id: rollups.contribution(facts)})
        for refund in facts.refunds:
            if (seconds := refund.turnaround_seconds) is not None:
                turnarounds.add((refund.pk, order.pk, refund.created, seconds))
        if facts.charged_at is not None:
            fulfilled = kpi_rollups.first_fulfilment(order.pk)
            seconds = rollups.fulfil_seconds(facts.charged_at, fulfilled)
            charged.add((order.pk, facts.merchant_id, facts.charged_at, fulfilled, seconds))
            more = rollups.charged_contribution(facts.charged_at, fulfilled, seconds)
            rollups.merge_by_merchant(cells, {facts.merchant_id: more})
    for payout in PayoutOrder.objects.order_by("pk"):
        p = rollups.payout_facts(payout)
        rollups.merge_by_merchant(cells, {p.merchant_id: rollups.payout_contribution(p)})
    for req in ActionRequest.objects.order_by("pk"):
        f = kpi_rollups.fact_of(req)
        row = (f.merchant_id, f.kind, f.command, f.state, f.raised_at, f.decision_seconds, f.answer_seconds)
        rollups.merge_by_merchant(cells, kpi_rollups.fact_cells(row))
    return cells, charged, turnarounds


def _cells() -> set[tuple[Any, ...]]:
    return {
        (b.merchant_id, b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount)
        for b in KpiBucket.objects.all()
        if b.count or b.amount
    }


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York"])
def test_the_rebuild_is_the_sum_of_the_incremental_contributions(merchant, answer, make_user, zone):
    with override_settings(KPI_TIME_ZONE=zone):
        _cache(merchant, answer, make_user("Support"))
        assert Order.objects.filter(status="CHARGED").count() >= 2
        assert Order.objects.exclude(raw__has_key="offers").exists()
        cells, charged, turnarounds = _incremental()

        done = rollups.rebuild(batch=3)
        assert kpi_rollups.rebuild(batch=4) == ActionRequest.objects.count() == RequestFact.objects.count()
        assert done["orders"] == Order.objects.count() and done["payouts"] == PayoutOrder.objects.count()
        rebuilt = _cells()
        assert (
            set(
                ChargedOrder.objects.values_list(
                    "order_id", "merchant_id", "charged_at", "fulfilled_at", "fulfil_seconds"
                )
            )
            == charged
        )
        assert set(RefundTurnaround.objects.values_list("refund_id", "order_id", "raised_at", "seconds")) == turnarounds
        assert done["turnarounds"] == len(turnarounds) > 0
        assert any(c[3] == rollups.METRIC_FAILURE and c[4] == rollups.NO_REASON for c in rebuilt)
        assert any(c[3] == rollups.METRIC_OFFER for c in rebuilt) and any(
            c[3] == rollups.METRIC_VENDOR for c in rebuilt
        )
        assert any(c[3] == rollups.METRIC_CHARGED and c[4] == "fulfilled" for c in rebuilt)

        KpiBucket.objects.all().delete()
        rollups.add_cells(cells)  # the incremental writer, summing into empty cells
        assert _cells() == rebuilt
