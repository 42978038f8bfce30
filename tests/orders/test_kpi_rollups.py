"""The KPI rollups the sync keeps equal the ones rebuilt from scratch, whatever happened in between.

Random sequences of Order Status answers (new orders one by one and in bulk, status changes, refunds raised,
moving on and vanishing, offers and split vendors coming and going, dates moving across local midnight, amounts
changing, unknown statuses) go through
the product's own sync; after each sequence the cells and turnaround rows it kept are compared with `rebuild()`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders import rollups
from orders.models import KpiBucket, Order, RefundTurnaround, SyncSource
from orders.sync import apply_order, create_orders

pytestmark = pytest.mark.django_db

BASE = datetime(2025, 3, 10, 18, 0, tzinfo=UTC)  # 23:30 in Kolkata: an hour either side crosses local midnight
STATUSES = ["NEW", "PENDING_VBV", "CHARGED", "AUTHORIZATION_FAILED", "JUSPAY_DECLINED", "AUTO_REFUNDED", "ODD_NEW"]
REFUND_STATUSES = ["PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW", "SOMETHING_ELSE"]


def _iso(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


refund = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["R1", "R2", "R3"]),
        "status": st.sampled_from(REFUND_STATUSES),
        "amount": st.integers(1, 500),
        "created": st.integers(-120, 120),
        "took": st.one_of(st.none(), st.integers(0, 600)),
        "arn": st.booleans(),
    }
)
answer_ = st.fixed_dictionaries(
    {
        "order": st.sampled_from(["O1", "O2", "O3", "O4"]),
        "status": st.sampled_from(STATUSES),
        "amount": st.integers(1, 5000),
        "created": st.integers(-90, 90),
        "method": st.sampled_from(["UPI", "CARD", ""]),
        "reason": st.sampled_from(["", "Insufficient funds", "Timeout"]),
        "refunds": st.lists(refund, max_size=3, unique_by=lambda r: r["key"]),
        "offers": st.lists(
            st.tuples(
                st.sampled_from(["OFF1", "OFF2"]), st.sampled_from(["AVAILED", "FAILED", "ODD"]), st.integers(0, 99)
            ),
            max_size=2,
            unique_by=lambda o: o[0],
        ),
        "vendors": st.lists(
            st.tuples(st.sampled_from(["V1", "V2"]), st.integers(1, 999)), max_size=2, unique_by=lambda v: v[0]
        ),
        "bulk": st.booleans(),
    }
)


def _parsed(answer: Any, step: dict[str, Any]) -> Any:
    refunds = [
        {
            "id": f"rf-{r['key']}",
            "unique_request_id": r["key"],
            "status": r["status"],
            "amount": r["amount"],
            "created": _iso(r["created"]),
            "pg_processed_at": None if r["took"] is None else _iso(r["created"] + r["took"]),
            "arn": "ARN1" if r["arn"] else None,
        }
        for r in step["refunds"]
    ]
    refunded = sum(r["amount"] for r in step["refunds"] if r["status"] == "SUCCESS")
    return answer(
        "order_status_charged.json",
        order_id=step["order"],
        status=step["status"],
        amount=step["amount"],
        effective_amount=step["amount"],
        date_created=_iso(step["created"]),
        payment_method_type=step["method"],
        bank_error_message=step["reason"] or None,
        refunds=refunds,
        amount_refunded=refunded,
        offers=[
            {"offer_id": code, "offer_code": code, "status": status, "benefits": [{"amount": discount}]}
            for code, status, discount in step["offers"]
        ],
        split_settlement_response={
            "split_applied": bool(step["vendors"]),
            "split_details": [{"sub_vendor_id": v, "amount": a} for v, a in step["vendors"]],
        }
        if step["vendors"]
        else None,
    )


def _snapshot() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    cells = {
        (b.merchant_id, b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount)
        for b in KpiBucket.objects.all()
        if b.count or b.amount
    }
    turnarounds = {(t.refund_id, t.order_id, t.raised_at, t.seconds) for t in RefundTurnaround.objects.all()}
    return cells, turnarounds


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(answer_, min_size=1, max_size=8))
def test_incremental_rollups_equal_a_rebuild(merchant, answer, steps):
    Order.objects.all().delete()
    KpiBucket.objects.all().delete()
    RefundTurnaround.objects.all().delete()
    for step in steps:
        parsed = _parsed(answer, step)
        fetched_at = timezone.now()
        if step["bulk"] and not Order.objects.filter(order_id=step["order"]).exists():
            create_orders(merchant, [(parsed, fetched_at)], source=SyncSource.JUSPAY_POLL)
        else:
            apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=fetched_at)
    kept = _snapshot()
    rollups.rebuild()
    assert _snapshot() == kept
    assert sum(c[6] for c in kept[0] if c[3] == rollups.METRIC_ORDER and c[1] == "d") == Order.objects.count()
