"""The payout KPIs against a hand-worked fixture (Kolkata days), their drill-down, and the rebuild.

11 Mar 2025 IST: P1 FULFILLMENTS_SUCCESSFUL created 07:30:02Z, updated 07:31:45Z (103 s), one SUCCESS fulfilment;
P2 FULFILLMENTS_MANUAL_REVIEW created 09:00Z with fulfilments MANUAL_REVIEW and FAILURE (manual review).
Payout orders 2; fulfilments 3: success 1/3, failure 1/3, manual review 1/3; in manual review 1; time to
FULFILLMENTS_SUCCESSFUL 103 s. P3 created 19:00Z on the 11th (00:30 IST, 12 Mar) counts on the 12th.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest

from orders import kpi_figures, rollups
from orders.kpi_periods import Period
from orders.models import KpiBucket
from tests.orders.payouts import payout_answer, sync_payout

pytestmark = pytest.mark.django_db
DAY11, DAY12 = Period(date(2025, 3, 11), date(2025, 3, 11)), Period(date(2025, 3, 12), date(2025, 3, 12))


@pytest.fixture
def payouts(merchant):
    p1 = payout_answer(orderId="P1")
    sync_payout(merchant, p1)
    p2 = payout_answer(orderId="P2", status="FULFILLMENTS_MANUAL_REVIEW", createdAt="2025-03-11T09:00:00Z")
    first = p2["fulfillments"][0]
    second = copy.deepcopy(first)
    first.update(id="P2-f1", status="MANUAL_REVIEW")
    second.update(id="P2-f2", status="FAILURE")
    p2["fulfillments"] = [first, second]
    sync_payout(merchant, p2)
    sync_payout(merchant, payout_answer(orderId="P3", status="CREATED", createdAt="2025-03-11T19:00:00Z"))


def _figures(period: Period) -> dict[str, kpi_figures.Figure]:
    return {f.key: f for f in kpi_figures.payouts(kpi_figures.read_cells(period, None), None, "")}


def test_no_payouts():
    f = _figures(DAY11)
    assert f["payouts"].value == 0 and f["fulfilment_success_rate"].value is None
    assert f["time_to_successful"].value is None


def test_the_hand_worked_day(payouts):
    f = _figures(DAY11)
    assert f["payouts"].value == 2
    third = pytest.approx(1 / 3)
    assert (f["fulfilment_success_rate"].value, f["fulfilment_failure_rate"].value) == (third, third)
    assert f["fulfilment_review_rate"].value == third
    assert f["payout_review"].value == 1
    assert f["time_to_successful"].value == 103
    assert _figures(DAY12)["payouts"].value == 1  # P3, after midnight in Kolkata


def test_payout_drill_downs_count_what_the_figures_count(payouts, client_as):
    client = client_as("Manager")
    for key in ("payouts", "payout_review", "time_to_successful"):
        fig = _figures(DAY11)[key]
        rows = client.get(fig.link).context["rows"]
        expected = {"payouts": 2, "payout_review": 1, "time_to_successful": 1}[key]
        assert len(rows) == expected == (fig.value if key != "time_to_successful" else 1), key


def test_a_status_change_moves_the_payout_between_cells_and_the_rebuild_agrees(merchant, payouts):
    sync_payout(
        merchant, payout_answer(orderId="P3", status="FULFILLMENTS_SUCCESSFUL", createdAt="2025-03-11T19:00:00Z")
    )
    assert _figures(DAY12)["payouts"].value == 1  # moved, not added
    kept = {(b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount) for b in KpiBucket.objects.all() if b.count}
    rollups.rebuild()
    assert {(b.grain, b.start, b.metric, b.key, b.sub, b.count, b.amount) for b in KpiBucket.objects.all()} == kept


def test_payout_orders_pending_too_long_count_and_link_to_exactly_them(merchant, client_as, settings):
    """Days 3 (default): P1 done and P2 in manual review are not pending; P3 (CREATED, 11 Mar) and P4
    (FULFILLMENTS_SCHEDULED, 12 Mar) are, and older than 3 days on 20 Mar; P5 (CREATED, 19 Mar) is too young."""
    from unittest import mock

    from orders import kpi_fulfilment

    sync_payout(merchant, payout_answer(orderId="P1"))
    sync_payout(merchant, payout_answer(orderId="P2", status="FULFILLMENTS_MANUAL_REVIEW"))
    sync_payout(merchant, payout_answer(orderId="P3", status="CREATED", createdAt="2025-03-11T19:00:00Z"))
    sync_payout(
        merchant, payout_answer(orderId="P4", status="FULFILLMENTS_SCHEDULED", createdAt="2025-03-12T01:00:00Z")
    )
    sync_payout(merchant, payout_answer(orderId="P5", status="CREATED", createdAt="2025-03-19T10:00:00Z"))
    now = kpi_fulfilment.bucket_starts(DAY12.start)[0].replace(day=20, hour=12)
    n, cutoff = kpi_fulfilment.payout_pending(None, now=now)
    assert n == 2 and cutoff.hour == 12 and cutoff.day == 17
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=now):
        fig = kpi_fulfilment.payout_pending_figure(None, "")
    rows = client_as("Manager").get(fig.link).context["rows"]
    assert fig.value == 2 and len(rows) == 2
    settings.KPI_PAYOUT_PENDING_DAYS = 10
    assert kpi_fulfilment.payout_pending(None, now=now)[0] == 0  # 11 Mar 19:00Z is 8.7 days before 20 Mar 12:00 IST
