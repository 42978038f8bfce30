"""The fulfilment KPIs against a hand-worked set of orders, through the simulator and the real executor.

Four orders CHARGED at the simulator (charged at cA..cD, a few seconds apart), target 48 h:

  A  NO_ACTION SUCCESS accepted at cA + 1 h, another at cA + 5 h   -> fulfilled in 3600 s (the first counts)
  B  NO_ACTION SUCCESS accepted at cB + 50 h                       -> fulfilled in 180000 s, late
  C  nothing                                                        -> unfulfilled
  D  NO_ACTION with status FAILURE accepted at cD + 1 h             -> a failure fulfils nothing: unfulfilled

Seen at cA + 51 h (every order charged more than 48 h ago): fulfilled 2; p50 3600 s, p90 180000 s (nearest
rank of 2); 1 order at p90 or slower (B); within 48 h 1 of 4 settled (A of A, B, C, D); unfulfilled after 48 h
2 (C, D). Each figure's link lists exactly that many orders.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from fulfilment import kpi_rollups, services
from fulfilment.models import ActionRequest, ActionState
from orders import kpi_fulfilment, rollups
from orders.kpi_periods import Period, zone
from orders.models import ChargedOrder, Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_timeouts(settings):
    settings.JUSPAY_TIMEOUT_SECONDS = 0.5
    settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def send_command(make_user, django_capture_on_commit_callbacks):
    maker = make_user("Support")

    def _send(order: Order, at: datetime, status: str = "SUCCESS") -> ActionRequest:
        with mock.patch("django.utils.timezone.now", return_value=at), django_capture_on_commit_callbacks(execute=True):
            raised = services.raise_fulfilment(
                order,
                maker=maker,
                status=status,
                command="NO_ACTION",
                fulfillment_id=f"DLV-{uuid.uuid4().hex[:8]}",
                form_token=uuid.uuid4(),
            )
        req = ActionRequest.objects.get(pk=raised.request.pk)
        assert req.state == ActionState.SUCCEEDED, req.error
        return req

    return _send


def charged(order: Order) -> datetime:
    return ChargedOrder.objects.get(order=order).charged_at


@pytest.fixture
def scenario(sim_order, send_command):
    a, b, c, d = (sim_order(amount=100 + i) for i in range(4))
    send_command(a, charged(a) + timedelta(hours=1))
    send_command(a, charged(a) + timedelta(hours=5))
    send_command(b, charged(b) + timedelta(hours=50))
    send_command(d, charged(d) + timedelta(hours=1), status="FAILURE")
    first = min(charged(o) for o in (a, b, c, d))
    local = timezone.localtime(first, zone()).date()
    return {
        "orders": (a, b, c, d),
        "period": Period(local - timedelta(days=1), local + timedelta(days=1)),
        "now": charged(a) + timedelta(hours=51),
    }


def test_no_charged_orders():
    period = Period(timezone.localdate() - timedelta(days=6), timezone.localdate())
    f = kpi_fulfilment.fulfilment(period, None)
    assert (f.fulfilled, f.p50, f.p90, f.overdue, f.within_share) == (0, None, None, 0, None)


def test_the_hand_worked_orders(scenario):
    a, b, c, d = scenario["orders"]
    assert ChargedOrder.objects.get(order=a).fulfil_seconds == 3600  # the first successful command counts
    assert ChargedOrder.objects.get(order=d).fulfilled_at is None  # a FAILURE command fulfils nothing
    f = kpi_fulfilment.fulfilment(scenario["period"], None, now=scenario["now"])
    assert (f.fulfilled, f.p50, f.p90, f.slow) == (2, 3600, 180000, 1)
    assert (f.within, f.decided, f.within_share, f.overdue) == (1, 4, 0.25, 2)
    overdue = list(kpi_fulfilment.overdue_rows(scenario["period"], None, now=scenario["now"]))
    assert [r.order_id for r in overdue] == [c.order_id, d.order_id]
    assert overdue[0].age_seconds == pytest.approx((scenario["now"] - charged(c)).total_seconds())


def test_before_the_target_passes_nothing_is_overdue(scenario):
    a = scenario["orders"][0]
    f = kpi_fulfilment.fulfilment(scenario["period"], None, now=charged(a) + timedelta(hours=2))
    assert (f.overdue, f.fulfilled, f.decided) == (0, 2, 2)  # C and D are not late yet; A and B are fulfilled


def test_every_figure_links_to_as_many_orders(scenario, client_as):
    figures = {f.key: f for f in kpi_fulfilment_figures(scenario)}
    client = client_as("Manager")
    expected = {"fulfil_p50": 2, "fulfil_p90": 1, "fulfil_within_target": 1, "fulfil_overdue": 2}
    for key, count in expected.items():
        rows = client.get(figures[key].link).context["rows"]
        assert len(rows) == count, key
    assert figures["fulfil_overdue"].value == 2 and figures["fulfil_within_target"].value == 0.25


def kpi_fulfilment_figures(scenario):
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=scenario["now"]):
        return kpi_fulfilment.figures(scenario["period"], None, None, "")


def test_the_page_lists_the_unfulfilled_orders_and_the_csv_has_them_all(scenario, client_as):
    a, b, c, d = scenario["orders"]
    period = scenario["period"]
    query = f"period=custom&from={period.first}&to={period.last}"
    client = client_as("Manager")
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=scenario["now"]):
        html = client.get(f"/kpis/fulfilment/?{query}").content.decode()
        response = client.get(f"/kpis/fulfilment/overdue.csv?{query}")
        body = b"".join(response.streaming_content).decode()  # streamed: read while the clock is moved
    assert "Charged orders not fulfilled after 48 h" in html and c.order_id in html and d.order_id in html
    assert a.order_id not in html.split("Charged orders not fulfilled")[1].split("</table>")[0]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Order" and [r[0] for r in rows[1:]] == [c.order_id, d.order_id]
    assert int(rows[1][3]) == int((scenario["now"] - charged(c)).total_seconds())


def test_the_services_keep_what_a_rebuild_gives(scenario):
    def kept() -> set[tuple[object, ...]]:
        return set(
            ChargedOrder.objects.values_list("order_id", "merchant_id", "charged_at", "fulfilled_at", "fulfil_seconds")
        )

    before = kept()
    assert len(before) == 4
    rollups.rebuild()
    kpi_rollups.rebuild()
    assert kept() == before


def test_the_sparklines_count_each_bucket_as_the_tiles_count_the_period(scenario):
    """All four orders were charged in one local day (and hour): that bucket holds the figures, the others none."""
    figures = {f.key: f for f in kpi_fulfilment_figures(scenario)}
    period = scenario["period"]
    day = list(period.buckets()).index(kpi_fulfilment.bucket_starts(charged(scenario["orders"][0]))[1])
    expected = {
        "fulfil_p50": 91800.0,  # the mean of A's 3600 s and B's 180000 s
        "fulfil_p90": 91800.0,
        "fulfil_within_target": 0.25,  # A, of A, B and the overdue C and D
        "fulfil_overdue": 2.0,
    }
    for key, value in expected.items():
        series = figures[key].series
        assert len(series) == period.days, key
        assert series[day] == pytest.approx(value), key
        others = [v for i, v in enumerate(series) if i != day]
        assert others == ([0.0] * (period.days - 1) if key == "fulfil_overdue" else [None] * (period.days - 1)), key
    assert sum(figures["fulfil_overdue"].series) == figures["fulfil_overdue"].value


def test_hourly_sparklines_before_the_target_passes(scenario):
    """One local day is hourly: at cA + 2 h nobody is overdue yet, so the within share counts A and B only."""
    a = scenario["orders"][0]
    local = timezone.localtime(charged(a), zone()).date()
    period = Period(local, local)
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=charged(a) + timedelta(hours=2)):
        figures = {f.key: f for f in kpi_fulfilment.figures(period, None, None, "")}
    b = scenario["orders"][1]
    hours = list(period.buckets())
    hour_a, hour_b = (hours.index(kpi_fulfilment.bucket_starts(charged(o))[0]) for o in (a, b))
    # A is within target, B late; they share an hour unless the seconds between them crossed one
    expected = {hour_a: 0.5, hour_b: 0.5} if hour_a == hour_b else {hour_a: 1.0, hour_b: 0.0}
    series = figures["fulfil_within_target"].series
    assert len(series) == 24
    assert {i: v for i, v in enumerate(series) if v is not None} == pytest.approx(expected)
    assert set(figures["fulfil_overdue"].series) == {0.0}
