"""The payment and refund KPIs against a small fixture whose answers were worked out by hand.

KPI_TIME_ZONE is Asia/Kolkata (UTC+05:30). The fixture, as Juspay would answer (times UTC):

  A  CHARGED               1000  UPI   created 2025-03-10 04:00 (09:30 IST, 10 Mar)
       refund R1 SUCCESS 100, ARN, raised 2025-03-11 18:20 (23:50 IST, 11 Mar), processed 18:50 (00:20 IST, 12 Mar)
       refund R2 PENDING   50,      raised 2025-03-11 19:00 (00:30 IST, 12 Mar: the 11th in UTC)
  B  AUTHORIZATION_FAILED   500  CARD  created 2025-03-10 10:00, bank error "Insufficient funds"
  C  SOMETHING_NEW (unknown) 300 UPI   created 2025-03-10 12:00
  D  CHARGED               2000  UPI   created 2025-03-10 19:00 (00:30 IST, 11 Mar: the 10th in UTC)
  E  PENDING_VBV -> CHARGED  400 UPI   created 2025-03-10 17:00 (22:30 IST, 10 Mar), charged on the 11th

10 Mar IST: orders A B C E = 4; terminal A B E; success 2/3; charged 1000 + 400 = 1400; refund rate 1/2 (A).
11 Mar IST: order D (1 order, 1 charged, 2000); refund R1: 1 refund of 100, success 1/1, ARN 1/1, turnaround
            1800 s (mean, p50, p90); pending 0.
12 Mar IST: refund R2: 1 refund, pending 1/1, no turnaround.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from orders import kpi_figures, rollups
from orders.kpi_periods import Period, choose
from orders.models import KpiBucket, RefundTurnaround, SyncSource
from orders.sync import apply_order

pytestmark = pytest.mark.django_db

DAY10 = Period(date(2025, 3, 10), date(2025, 3, 10))
DAY11 = Period(date(2025, 3, 11), date(2025, 3, 11))
DAY12 = Period(date(2025, 3, 12), date(2025, 3, 12))


def _refund(
    key: str, status: str, amount: float, created: str, processed: str | None, arn: str | None
) -> dict[str, Any]:
    return {
        "id": f"rf-{key}",
        "unique_request_id": key,
        "amount": amount,
        "status": status,
        "created": created,
        "pg_processed_at": processed,
        "arn": arn,
    }


@pytest.fixture
def sync(merchant, answer):
    def _sync(order_id: str, status: str, amount: float, created: str, method: str = "UPI", **more: Any):
        parsed = answer(
            "order_status_charged.json",
            order_id=order_id,
            status=status,
            amount=amount,
            effective_amount=amount,
            date_created=created,
            payment_method_type=method,
            refunds=more.pop("refunds", []),
            amount_refunded=more.pop("amount_refunded", 0),
            **more,
        )
        return apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()).obj

    return _sync


@pytest.fixture
def fixture_orders(sync):
    r1 = _refund("R1", "SUCCESS", 100, "2025-03-11T18:20:00Z", "2025-03-11T18:50:00Z", "ARN123")
    r2 = _refund("R2", "PENDING", 50, "2025-03-11T19:00:00Z", None, None)
    sync("A", "CHARGED", 1000, "2025-03-10T04:00:00Z", refunds=[r1, r2], amount_refunded=100)
    sync("B", "AUTHORIZATION_FAILED", 500, "2025-03-10T10:00:00Z", "CARD", bank_error_message="Insufficient funds")
    sync("C", "SOMETHING_NEW", 300, "2025-03-10T12:00:00Z")
    sync("D", "CHARGED", 2000, "2025-03-10T19:00:00Z")
    sync("E", "PENDING_VBV", 400, "2025-03-10T17:00:00Z")
    sync("E", "CHARGED", 400, "2025-03-10T17:00:00Z", last_updated="2025-03-11T03:00:00Z")


def _figures(period: Period, previous: Period | None = None) -> dict[str, kpi_figures.Figure]:
    cells = kpi_figures.read_cells(period, None)
    before = kpi_figures.read_cells(previous, None) if previous else None
    found = kpi_figures.payments(cells, before, "").figures + kpi_figures.refunds(cells, before, None, "")
    return {f.key: f for f in found}


def test_no_data_gives_zero_counts_and_no_rates():
    f = _figures(DAY10)
    assert (f["orders"].value, f["charged_amount"].value, f["refunds"].value) == (0, 0, 0)
    for rate in ("success_rate", "refund_rate", "refund_success_rate", "pending_rate", "manual_review_rate"):
        assert f[rate].value is None, rate
    assert f["turnaround_p90"].value is None and f["turnaround_mean"].value is None
    assert f["orders"].series == (0.0,) * 24  # one day: hourly buckets


def test_one_order(sync):
    sync("A", "CHARGED", 1000, "2025-03-10T04:00:00Z")
    f = _figures(DAY10)
    assert f["orders"].value == 1
    assert f["success_rate"].value == 1.0
    assert f["charged_amount"].value == 1000.0
    assert f["refund_rate"].value == 0.0
    assert f["orders"].series[9] == 1.0  # 04:00 UTC is the 09:00-10:00 hour in Kolkata


def test_the_hand_worked_day(fixture_orders):
    f = _figures(DAY10)
    assert f["orders"].value == 4  # the unknown status counts as an order
    assert f["success_rate"].value == pytest.approx(2 / 3)  # ... but not as terminal
    assert f["charged_amount"].value == 1400.0
    assert f["refund_rate"].value == 0.5
    assert f["refunds"].value == 0  # A's refunds were raised on the 11th and 12th
    assert f["split_share"].value == 0.0  # none of the charged orders has split_applied


def test_an_order_created_after_midnight_in_kolkata_counts_on_the_next_day(fixture_orders):
    f = _figures(DAY11)
    assert (f["orders"].value, f["charged_amount"].value, f["success_rate"].value) == (1, 2000.0, 1.0)


def test_a_status_change_after_the_period_changes_the_period_it_was_created_in(sync):
    sync("E", "PENDING_VBV", 400, "2025-03-10T17:00:00Z")
    assert _figures(DAY10)["success_rate"].value is None  # not terminal yet
    sync("E", "CHARGED", 400, "2025-03-10T17:00:00Z", last_updated="2025-03-11T03:00:00Z")
    assert _figures(DAY10)["success_rate"].value == 1.0
    assert _figures(DAY10)["orders"].value == 1  # moved, not added
    assert _figures(DAY11)["orders"].value == 0


def test_a_refund_counts_on_the_local_day_it_was_raised(fixture_orders):
    f11, f12 = _figures(DAY11), _figures(DAY12)
    assert (f11["refunds"].value, f11["refund_amount"].value) == (1, 100.0)
    assert f11["refund_success_rate"].value == 1.0
    assert f11["arn_rate"].value == 1.0
    assert f11["pending_rate"].value == 0.0
    assert (f11["turnaround_mean"].value, f11["turnaround_p50"].value, f11["turnaround_p90"].value) == (1800,) * 3
    assert (f12["refunds"].value, f12["pending_rate"].value, f12["turnaround_p90"].value) == (1, 1.0, None)


def test_split_share_counts_charged_orders_with_split_applied(sync):
    split = {"split_applied": True, "split_details": []}
    sync("S1", "CHARGED", 1000, "2025-03-10T04:00:00Z", split_settlement_response=split)
    sync("S2", "CHARGED", 1000, "2025-03-10T05:00:00Z")
    sync("S3", "AUTHORIZATION_FAILED", 1000, "2025-03-10T06:00:00Z", split_settlement_response=split)
    assert _figures(DAY10)["split_share"].value == 0.5  # S1 of S1, S2; S3 was not charged


def _offer(code: str, status: str, discount: float) -> dict[str, Any]:
    return {"offer_id": f"id-{code}", "offer_code": code, "status": status, "benefits": [{"amount": discount}]}


def test_offers_by_code_and_split_vendors(sync, client_as):
    split = {"split_applied": True, "split_details": [{"sub_vendor_id": "V1", "amount": 600}]}
    sync("F1", "CHARGED", 1000, "2025-03-10T04:00:00Z", offers=[_offer("SPRING10", "AVAILED", 100)])
    sync("F2", "CHARGED", 2000, "2025-03-10T05:00:00Z", offers=[_offer("SPRING10", "AVAILED", 150)])
    sync("F3", "AUTHORIZATION_FAILED", 500, "2025-03-10T06:00:00Z", offers=[_offer("SPRING10", "FAILED", 50)])
    sync("F4", "CHARGED", 900, "2025-03-10T07:00:00Z", split_settlement_response=split)
    pay = kpi_figures.payments(kpi_figures.read_cells(DAY10, None), None, "")
    assert [(r.code, r.offers, r.redeemed, r.discount) for r in pay.offers] == [("SPRING10", 3, 2, Decimal(250))]
    assert [(r.vendor, r.orders, r.amount) for r in pay.vendors] == [("V1", 1, Decimal(600))]
    rows = client_as("Manager").get(pay.offers[0].link).context["rows"]
    assert len(rows) == 3  # the orders carrying the code in the period, whatever became of the offer


def test_breakdowns_and_failure_reasons(fixture_orders):
    pay = kpi_figures.payments(kpi_figures.read_cells(DAY10, None), None, "")
    methods = {r.name: (r.orders, r.charged, r.success_rate, r.charged_amount) for r in pay.methods}
    assert methods == {"UPI": (3, 2, 1.0, Decimal(1400)), "CARD": (1, 0, 0.0, Decimal(0))}
    assert [(r.name, r.orders) for r in pay.failures] == [("Insufficient funds", 1)]


def test_comparison_delta_and_colour(fixture_orders):
    f = _figures(DAY11, DAY10)
    assert f["orders"].previous == 4 and f["orders"].delta == -3 and f["orders"].trend == "bad"
    assert f["charged_amount"].delta == 600.0 and f["charged_amount"].trend == "good"
    assert f["pending_rate"].previous is None and f["pending_rate"].delta is None  # no refunds on the 10th
    assert kpi_figures.delta_text(f["orders"]) == "−3 (−75 %)"


def test_percentiles_are_nearest_rank(sync):
    refunds = [
        _refund(f"R{i}", "SUCCESS", 10, "2025-03-10T04:00:00Z", f"2025-03-10T04:{i:02d}:00Z", None)
        for i in range(1, 11)
    ]
    sync("A", "CHARGED", 1000, "2025-03-10T03:00:00Z", refunds=refunds, amount_refunded=100)
    t = kpi_figures.turnaround(DAY10, None)
    assert (t.count, t.p50, t.p90, t.mean) == (10, 300.0, 540.0, 330.0)  # 1..10 minutes
    assert t.slow_orders == 1


def test_drill_down_lists_count_what_the_figures_count(fixture_orders, client_as):
    client = client_as("Manager")
    for period in (DAY10, DAY11, DAY12):
        f = _figures(period)
        for key in (
            "orders",
            "success_rate",
            "charged_amount",
            "refund_rate",
            "turnaround_p90",
            "pending_rate",
            "split_share",
        ):
            fig = f[key]
            if not fig.link:
                continue
            rows = client.get(fig.link).context["rows"]
            expected = {
                "orders": fig.value,
                "success_rate": _count(period, "CHARGED"),
                "charged_amount": _count(period, "CHARGED"),
                "refund_rate": (fig.value or 0) * _count(period, "CHARGED"),
                "turnaround_p90": 1 if fig.value is not None else 0,
                "pending_rate": (fig.value or 0) * (f["refunds"].value or 0),
                "split_share": (fig.value or 0) * _count(period, "CHARGED"),
            }[key]
            assert len(rows) == expected, (period, key)


def _count(period: Period, status: str) -> int:
    return kpi_figures.read_cells(period, None).total(rollups.METRIC_ORDER, lambda k, s: k == status)[0]


def test_a_turnaround_drill_down_lists_the_orders_at_or_above_p90(fixture_orders, client_as):
    fig = _figures(DAY11)["turnaround_p90"]
    assert fig.detail == "1 order with a refund at p90 or slower"
    rows = client_as("Manager").get(fig.link).context["rows"]
    assert [r.order.order_id for r in rows] == ["A"]


def test_rebuild_gives_what_the_sync_kept(fixture_orders):
    kept = _snapshot()
    assert kept[0]  # the sync wrote cells
    rollups.rebuild()
    assert _snapshot() == kept


def _snapshot() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    cells = {
        (b.merchant_id, b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount)
        for b in KpiBucket.objects.all()
        if b.count or b.amount
    }
    turnarounds = {(t.refund_id, t.order_id, t.raised_at, t.seconds) for t in RefundTurnaround.objects.all()}
    return cells, turnarounds


def test_choose_reads_presets_and_custom_ranges():
    today = date(2025, 3, 12)
    assert choose({"period": "today"}, today=today).period == Period(today, today)
    assert choose({"period": "yesterday"}, today=today).period == Period(date(2025, 3, 11), date(2025, 3, 11))
    seven = choose({}, today=today)
    assert seven.period == Period(date(2025, 3, 6), today) and seven.period.grain == "d"
    assert seven.period.previous() == Period(date(2025, 2, 27), date(2025, 3, 5))
    swapped = choose({"period": "custom", "from": "2025-03-05", "to": "2025-03-01"}, today=today)
    assert swapped.period == Period(date(2025, 3, 1), date(2025, 3, 5)) and swapped.problem
    bad = choose({"period": "custom", "from": "yesterday"}, today=today)
    assert bad.preset == "7d" and "both dates" in bad.problem
    assert choose({"period": "nonsense", "compare": "1"}, today=today).comparison is not None


# --- the charge time the fulfilment figures count from (orders.rollups.charged_time) -----------------------


def _charged_at(order_id: str):
    from orders.models import ChargedOrder

    return ChargedOrder.objects.filter(order__order_id=order_id).values_list("charged_at", flat=True).first()


def test_a_charged_order_counts_from_the_gateways_answer_on_its_local_day(sync):
    """Created 18:20Z (23:50 IST, 10 Mar), the gateway answered 18:40Z (00:10 IST, 11 Mar): charged on the 11th."""
    from orders import kpi_fulfilment

    sync("G", "CHARGED", 500, "2025-03-10T18:20:00Z", payment_gateway_response={"created": "2025-03-10T18:40:00Z"})
    assert _charged_at("G").isoformat() == "2025-03-10T18:40:00+00:00"
    later = timezone.now()
    assert kpi_fulfilment.fulfilment(DAY11, None, now=later).overdue == 1  # unfulfilled, long past 48 h
    assert kpi_fulfilment.fulfilment(DAY10, None, now=later).overdue == 0
    assert _figures(DAY10)["orders"].value == 1  # the order itself counts on the day it was created


def test_the_charge_time_falls_back_to_date_created(sync):
    sync("H", "CHARGED", 500, "2025-03-10T10:00:00Z", payment_gateway_response=None)
    sync("I", "CHARGED", 500, "2025-03-10T10:00:00Z", payment_gateway_response={"created": "2025-03-09T10:00:00Z"})
    sync("J", "CHARGED", 500, "2025-03-10T10:00:00Z", payment_gateway_response={"created": "not a time"})
    assert {_charged_at(o).isoformat() for o in "HIJ"} == {"2025-03-10T10:00:00+00:00"}


def test_only_charged_orders_are_waiting_for_fulfilment(sync):
    sync("K", "SOMETHING_NEW", 500, "2025-03-10T10:00:00Z")  # an unknown status
    sync("L", "CHARGED", 500, "2025-03-10T10:00:00Z")
    assert _charged_at("K") is None and _charged_at("L") is not None
    sync("L", "AUTO_REFUNDED", 500, "2025-03-10T10:00:00Z")
    assert _charged_at("L") is None
