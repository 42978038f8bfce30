"""The payouts section's fulfilment-rate tiles link to exactly the payout orders behind them (hand-worked).

11 Mar 2025 IST, five payout orders and seven fulfilments:

  Q1  FULFILLMENTS_SUCCESSFUL, 07:30:02Z -> 07:31:45Z (103 s)   fulfilments SUCCESS
  Q2  FULFILLMENTS_SUCCESSFUL, 08:40:00Z -> 08:50:00Z (600 s)   fulfilments SUCCESS, SUCCESS
  Q3  FULFILLMENTS_FAILURE                                      fulfilments FAILURE, CANCELLED
  Q4  FULFILLMENTS_MANUAL_REVIEW                                fulfilments MANUAL_REVIEW, SUCCESS
  Q5  CREATED                                                   no fulfilment (created 12:00Z, still the 11th in IST)

Fulfilments 7: SUCCESS 4 (on Q1, Q2, Q4: 3 payout orders), failed 2 (FAILURE and CANCELLED, both on Q3: 1 order),
manual review 1 (Q4: 1 order). Rates 4/7, 2/7, 1/7. Time to FULFILLMENTS_SUCCESSFUL: (103 + 600) / 2 = 351.5 s over
2 payout orders (Q1, Q2). Each tile's link lists as many payout orders as its detail says.
"""

from __future__ import annotations

import copy
import re
from datetime import date

import pytest

from orders import kpi_figures
from orders.kpi_periods import Period
from tests.orders.payouts import payout_answer, sync_payout

pytestmark = pytest.mark.django_db
DAY11 = Period(date(2025, 3, 11), date(2025, 3, 11))


def _answer(order_id: str, status: str, created: str, updated: str, fulfilments: list[str]) -> dict:
    data = payout_answer(orderId=order_id, status=status, createdAt=created, updatedAt=updated)
    template = data["fulfillments"][0]
    data["fulfillments"] = []
    for i, fulfilment_status in enumerate(fulfilments):
        item = copy.deepcopy(template)
        item.update(id=f"{order_id}-f{i}", status=fulfilment_status)
        data["fulfillments"].append(item)
    return data


@pytest.fixture
def payouts(merchant):
    for answer in (
        _answer("Q1", "FULFILLMENTS_SUCCESSFUL", "2025-03-11T07:30:02Z", "2025-03-11T07:31:45Z", ["SUCCESS"]),
        _answer("Q2", "FULFILLMENTS_SUCCESSFUL", "2025-03-11T08:40:00Z", "2025-03-11T08:50:00Z", ["SUCCESS"] * 2),
        _answer("Q3", "FULFILLMENTS_FAILURE", "2025-03-11T09:00:00Z", "2025-03-11T09:05:00Z", ["FAILURE", "CANCELLED"]),
        _answer(
            "Q4",
            "FULFILLMENTS_MANUAL_REVIEW",
            "2025-03-11T10:00:00Z",
            "2025-03-11T10:05:00Z",
            ["MANUAL_REVIEW", "SUCCESS"],
        ),
        _answer("Q5", "CREATED", "2025-03-11T12:00:00Z", "2025-03-11T12:00:00Z", []),
    ):
        sync_payout(merchant, answer)


def _figures() -> dict[str, kpi_figures.Figure]:
    return {f.key: f for f in kpi_figures.payouts(kpi_figures.read_cells(DAY11, None), None, "")}


def test_the_rates_are_shares_of_the_fulfilments(payouts):
    f = _figures()
    assert f["payouts"].value == 5
    assert f["fulfilment_success_rate"].value == pytest.approx(4 / 7)
    assert f["fulfilment_failure_rate"].value == pytest.approx(2 / 7)
    assert f["fulfilment_review_rate"].value == pytest.approx(1 / 7)
    assert f["time_to_successful"].value == pytest.approx(351.5)
    assert f["fulfilment_success_rate"].detail == "4 of 7 fulfilments, on 3 payout orders"
    assert f["fulfilment_failure_rate"].detail == "2 of 7 fulfilments, on 1 payout order"
    assert f["time_to_successful"].detail == "of 2 payout orders"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("fulfilment_success_rate", {"Q1", "Q2", "Q4"}),
        ("fulfilment_failure_rate", {"Q3"}),
        ("fulfilment_review_rate", {"Q4"}),
        ("time_to_successful", {"Q1", "Q2"}),
        ("payout_review", {"Q4"}),
        ("payouts", {"Q1", "Q2", "Q3", "Q4", "Q5"}),
    ],
)
def test_each_link_lists_exactly_the_payout_orders_behind_the_tile(payouts, client_as, key, expected):
    fig = _figures()[key]
    rows = client_as("Manager").get(fig.link).context["rows"]
    assert {r.payout.payout_order_id for r in rows} == expected
    assert len(rows) == stated_orders(fig)  # the count the tile states is the list's


def stated_orders(fig: kpi_figures.Figure) -> int:
    """How many payout orders a tile says it stands on: its detail's "on N payout orders" / "of N payout orders",
    or, for a count tile, its value."""
    found = re.search(r"(?:on|of) ([\d,]+) payout orders?", fig.detail)
    return int(found.group(1).replace(",", "")) if found else int(fig.value or 0)


def test_the_time_to_successful_sparkline_is_the_mean_of_each_bucket(payouts):
    series = _figures()["time_to_successful"].series
    assert series.count(None) == len(series) - 2  # hourly (one day): Q1 (13:00 IST) and Q2 (14:00 IST)
    assert sorted(v for v in series if v is not None) == [103.0, 600.0]


def test_a_bad_fulfilment_group_is_refused_with_a_400(client_as):
    response = client_as("Manager").get("/payouts/?fulfilment=nonsense")
    assert response.status_code == 400


def test_the_payout_cells_rebuilt_alone_equal_the_kept_ones(payouts):
    from orders import rollups
    from orders.models import KpiBucket

    def cells() -> set[tuple[object, ...]]:
        rows = KpiBucket.objects.filter(metric__in=rollups.PAYOUT_METRICS).exclude(count=0)
        return set(rows.values_list("merchant_id", "grain", "start", "metric", "key", "sub", "count", "amount"))

    kept = cells()
    assert {c[4] for c in kept if c[3] == rollups.METRIC_PAYOUT_WITH} == {"success", "failed", "review"}
    KpiBucket.objects.filter(metric=rollups.METRIC_PAYOUT_WITH).delete()  # as before this metric existed
    assert rollups.rebuild_payout_cells() == 5
    assert cells() == kept
