"""The duration histograms behind the fulfilment and approval percentiles give the numbers every row gives.

Twelve orders CHARGED through the product's sync, 40 minutes apart from 10 Mar 2025 23:30 Kolkata; each example
gives some of them a first fulfilment `seconds` after their charge (through orders.rollups.set_fulfilled, as
fulfilment.kpi_rollups does), drawn to land on bucket edges, inside wide buckets, on the target, in the open
last bucket and on one value many times. The fulfilment figures read from the cells must equal the ones worked
out from the ChargedOrder rows; so must they when the bucket read disagrees with its cell (then from the rows,
with a warning).
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from orders import duration_buckets, kpi_fulfilment, rollups
from orders.kpi_periods import Period
from orders.models import ChargedOrder, KpiBucket, Order, SyncSource
from orders.sync import create_orders

pytestmark = pytest.mark.django_db

BASE = datetime(2025, 3, 10, 18, 0, tzinfo=UTC)
ORDERS = 12
WEEK = Period(date(2025, 3, 8), date(2025, 3, 14))
DAY = Period(date(2025, 3, 11), date(2025, 3, 11))
NOW = BASE + timedelta(days=9)
TARGET = 48 * 3600


def test_the_buckets():
    edges = duration_buckets.EDGES
    assert edges[: duration_buckets.UNIT_UP_TO + 1] == tuple(range(61))
    assert all(b > a for a, b in zip(edges, edges[1:], strict=False))
    assert all(b - a <= max(1, math.ceil(a * 0.04)) for a, b in zip(edges, edges[1:], strict=False))
    assert edges[-1] >= duration_buckets.LAST_EDGE
    for seconds in (0, 1, 59, 60, 61, 3600, TARGET, TARGET + 1, edges[-1], edges[-1] * 3):
        edge = duration_buckets.lower(seconds)
        top = duration_buckets.upper(edge)
        assert edge <= seconds and (top is None or seconds < top)
        assert duration_buckets.edge_of(duration_buckets.key(seconds)) == edge
    assert duration_buckets.lower(-5) == 0
    assert duration_buckets.upper(edges[-1]) is None
    assert duration_buckets.edge_of("61") is None or duration_buckets.is_edge(61)
    assert duration_buckets.edge_of("x") is None and duration_buckets.edge_of(str(edges[70] + 1)) is None


@pytest.fixture
def charged(merchant, answer) -> list[Order]:
    answers = [
        (
            answer(
                "order_status_charged.json",
                order_id=f"H{i}",
                status="CHARGED",
                amount=100,
                effective_amount=100,
                date_created=(BASE + timedelta(minutes=40 * i)).isoformat().replace("+00:00", "Z"),
                payment_gateway_response=None,
                refunds=[],
                amount_refunded=0,
            ),
            timezone.now(),
        )
        for i in range(ORDERS)
    ]
    create_orders(merchant, answers, source=SyncSource.JUSPAY_POLL)
    orders = list(Order.objects.order_by("order_id"))
    assert ChargedOrder.objects.count() == ORDERS
    return orders


def _fulfil(orders: list[Order], seconds: list[int | None]) -> None:
    for order, took in zip(orders, seconds, strict=False):
        at = ChargedOrder.objects.get(order=order).charged_at
        rollups.set_fulfilled(order.pk, None if took is None else at + timedelta(seconds=took))


def _rank(values: list[int], p: float) -> float | None:
    values = sorted(values)
    return float(values[max(1, math.ceil(p * len(values))) - 1]) if values else None


def _from_rows(period: Period) -> tuple[Any, ...]:
    rows = ChargedOrder.objects.filter(charged_at__gte=period.start, charged_at__lt=period.end)
    values = [s for s in rows.values_list("fulfil_seconds", flat=True) if s is not None]
    p90 = _rank(values, 0.9)
    slow = sum(v >= p90 for v in values) if p90 is not None else 0
    cutoff = kpi_fulfilment.overdue_cutoff(period, NOW)
    overdue = rows.filter(charged_at__lt=cutoff, fulfilled_at__isnull=True).count()
    return len(values), _rank(values, 0.5), p90, slow, sum(v <= TARGET for v in values), overdue


def _from_cells(period: Period) -> tuple[Any, ...]:
    f = kpi_fulfilment.fulfilment(period, None, now=NOW)
    return f.fulfilled, f.p50, f.p90, f.slow, f.within, f.overdue


EDGE = duration_buckets.EDGES[120]
durations = st.one_of(
    st.none(),
    st.integers(0, 70),
    st.sampled_from([EDGE - 1, EDGE, EDGE + 1, TARGET - 1, TARGET, TARGET + 1, duration_buckets.EDGES[-1] + 99]),
    st.integers(61, 40 * 86400),
)


@example(seconds=[TARGET] * ORDERS)  # one value, many times, inside a wide bucket
@example(seconds=[None] * ORDERS)
@example(seconds=[5, 5, 5, EDGE, EDGE + 1, EDGE + 1, TARGET, TARGET + 1, None, 0, 61, 10**9])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.lists(durations, min_size=ORDERS, max_size=ORDERS))
def test_the_figures_from_the_cells_equal_those_from_every_row(settings, charged, seconds):
    settings.KPI_FULFILMENT_TARGET_HOURS = 48
    _fulfil(charged, seconds)
    for period in (WEEK, DAY):
        assert _from_cells(period) == _from_rows(period), period


def test_cells_out_of_step_with_the_rows_answer_from_the_rows(settings, charged, caplog):
    settings.KPI_FULFILMENT_TARGET_HOURS = 48
    edge = duration_buckets.lower(3600)
    assert duration_buckets.upper(edge) > edge + ORDERS  # one bucket holds them all, and is read
    _fulfil(charged, [edge + i for i in range(ORDERS)])
    expected = _from_rows(WEEK)
    assert _from_cells(WEEK) == expected == (12, edge + 5.0, edge + 10.0, 2, 12, 0)
    cells = KpiBucket.objects.filter(metric=rollups.METRIC_FULFIL_TIME)
    assert sorted(cells.values_list("count", flat=True)) == [1, 11]  # two local days (day cells only)
    cells.filter(count=11).update(count=F("count") + 1)  # the bucket read misses a row its cell counts
    with caplog.at_level(logging.WARNING, logger="orders.kpi_histograms"):
        assert _from_cells(WEEK) == expected
    assert "rebuild_kpis" in caplog.text
    cells.update(key="1234567")  # edges that changed without a rebuild
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="orders.kpi_histograms"):
        assert _from_cells(WEEK) == expected
    assert "names no bucket" in caplog.text


def test_rebuild_kpis_only_the_cells(charged, capsys):
    _fulfil(charged, [60 * i for i in range(ORDERS)])
    cells = KpiBucket.objects.filter(metric__in=rollups.CHARGED_METRICS).exclude(count=0)
    kept = set(cells.values_list("grain", "start", "key", "count"))
    assert len(kept) > ORDERS
    KpiBucket.objects.filter(metric__in=rollups.CHARGED_METRICS).delete()
    orders_cells = KpiBucket.objects.count()
    call_command("rebuild_kpis", "--only", "fulfilment-cells,request-cells")
    assert "from 12 charged orders" in capsys.readouterr().out
    assert set(cells.values_list("grain", "start", "key", "count")) == kept
    assert KpiBucket.objects.exclude(metric__in=rollups.CHARGED_METRICS).count() == orders_cells
    with pytest.raises(CommandError, match="No part cells"):
        call_command("rebuild_kpis", "--only", "cells")
