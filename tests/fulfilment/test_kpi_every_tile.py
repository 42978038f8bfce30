"""Every tile of /kpis/, in every section, shows a delta, a sparkline and a link to the rows behind it.

The fixture gives every tile a value (so a tile's link, shown only when there are rows behind it, must be there):
orders, refunds of each status, one fulfilled and one overdue charged order, payout orders with fulfilments of
each group, and requests in every state, all in 10-12 Mar 2025 (IST), seen on 20 Mar. A tile added to any section
without a sparkline, a delta or a link fails here, unless it is named in an allow-list below with the reason.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from fulfilment import kpi_page, kpi_rollups, services
from fulfilment.models import ActionRequest, ActionState
from orders import rollups
from orders.models import ChargedOrder, SyncSource
from orders.sync import apply_order
from tests.orders.payouts import payout_answer, sync_payout

pytestmark = pytest.mark.django_db
QUERY = "period=custom&from=2025-03-10&to=2025-03-12&compare=1"
NOW = datetime(2025, 3, 20, 6, tzinfo=UTC)

# Tiles that are a snapshot as of now, whatever the period: the rollups keep no history of them (a payout order's
# or request's *current* state only), so they have no series to draw and no comparison period to compare with.
AS_OF_NOW = {
    "payout_pending",  # payout orders still pending after KPI_PAYOUT_PENDING_DAYS, now
    "queue_size",  # requests waiting for approval now
    "queue_oldest",  # the age of the oldest of them, now
}
NO_SPARKLINE = AS_OF_NOW
NO_DELTA = AS_OF_NOW
NO_LINK: set[str] = set()  # every figure has rows behind it


def _refund(key: str, status: str, created: str, processed: str | None = None, arn: str | None = None) -> dict:
    return {
        "id": f"rf-{key}",
        "unique_request_id": key,
        "amount": 10,
        "status": status,
        "created": created,
        "pg_processed_at": processed,
        "arn": arn,
    }


def _payout(order_id: str, status: str, created: str, fulfilments: list[str]) -> dict[str, Any]:
    data = payout_answer(orderId=order_id, status=status, createdAt=created, updatedAt=created.replace("T07", "T08"))
    template = data["fulfillments"][0]
    data["fulfillments"] = [
        copy.deepcopy(template) | {"id": f"{order_id}-f{i}", "status": s} for i, s in enumerate(fulfilments)
    ]
    return data


@pytest.fixture
def busy_days(merchant, answer, refund_request, make_user):
    def sync(order_id: str, status: str, created: str, **more: Any):
        parsed = answer(
            "order_status_charged.json",
            order_id=order_id,
            status=status,
            amount=1000,
            effective_amount=1000,
            date_created=created,
            refunds=more.pop("refunds", []),
            amount_refunded=more.pop("amount_refunded", 0),
            **more,
        )
        return apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()).obj

    refunds = [
        _refund("R1", "SUCCESS", "2025-03-11T04:00:00Z", "2025-03-11T05:00:00Z", "ARN1"),
        _refund("R2", "PENDING", "2025-03-11T04:10:00Z"),
        _refund("R3", "MANUAL_REVIEW", "2025-03-11T04:20:00Z"),
    ]
    a = sync("A", "CHARGED", "2025-03-10T04:00:00Z", refunds=refunds, amount_refunded=10)
    sync("B", "AUTHORIZATION_FAILED", "2025-03-10T05:00:00Z")
    sync("D", "CHARGED", "2025-03-11T06:00:00Z")  # never fulfilled: overdue on the 20th
    rollups.set_fulfilled(a.pk, ChargedOrder.objects.get(order=a).charged_at + timedelta(hours=1))

    sync_payout(merchant, _payout("P1", "FULFILLMENTS_SUCCESSFUL", "2025-03-10T07:00:00Z", ["SUCCESS"]))
    sync_payout(
        merchant, _payout("P2", "FULFILLMENTS_MANUAL_REVIEW", "2025-03-10T07:30:00Z", ["MANUAL_REVIEW", "FAILURE"])
    )
    sync_payout(merchant, _payout("P3", "CREATED", "2025-03-11T07:00:00Z", []))

    finance, maker = make_user("Finance"), make_user("Support")

    def at(hour: int):
        return mock.patch("django.utils.timezone.now", return_value=datetime(2025, 3, 10, hour, tzinfo=UTC))

    with at(9):
        expired, approved, rejected, answered_ok, answered_bad = (
            refund_request(a, "1.00", maker=maker) for _ in range(5)
        )
    with at(10):
        for req in (approved, answered_ok, answered_bad):
            services.approve(req.pk, approver=finance)
        services.reject(rejected.pk, approver=finance, comment="no")
    for req, state in ((answered_ok, ActionState.SUCCEEDED), (answered_bad, ActionState.FAILED)):
        # what the executor writes when Juspay answers (fulfilment.executor), then the rollup it keeps
        ActionRequest.objects.filter(pk=req.pk).update(state=state, finished_at=datetime(2025, 3, 10, 11, tzinfo=UTC))
        kpi_rollups.track(req.pk)
    services.expire_due(now=expired.expires_at + timedelta(seconds=1))
    with at(12):
        refund_request(a, "1.00", maker=maker)  # still waiting: the queue


def _tiles(html: str) -> dict[str, str]:
    return dict(re.findall(r'<article class="kpi-tile" data-kpi="([^"]+)">(.*?)</article>', html, re.S))


def test_every_tile_has_a_delta_a_sparkline_and_a_drill_down(busy_days, client_as):
    client = client_as("Manager")
    seen: dict[str, str] = {}
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=NOW):
        for name in kpi_page.SECTIONS:
            response = client.get(f"/kpis/{name}/?{QUERY}")
            assert response.status_code == 200, name
            tiles = _tiles(response.content.decode())
            assert tiles, f"the {name} section shows no tile"
            seen |= tiles
    assert len(seen) >= 30  # every section's tiles were found (the allow-lists name keys of real tiles)
    assert set(seen) >= (NO_SPARKLINE | NO_DELTA | NO_LINK)
    for key, tile in seen.items():
        value = re.search(r'<p class="kpi-value"[^>]*>(.*?)</p>', tile, re.S)
        assert value and value.group(1).strip() != "–", f"{key}: the fixture gives it no value; give it one"
        if key not in NO_SPARKLINE:
            assert "data-sparkline=" in tile, f"{key} has no sparkline"
        if key not in NO_DELTA:
            assert 'class="kpi-delta' in tile, f"{key} shows no delta against the comparison period"
        if key in NO_LINK:
            continue
        link = re.search(r'<header><a href="([^"]+)"', tile)
        assert link, f"{key} has no drill-down link"
        target = client.get(link.group(1).replace("&amp;", "&"))
        assert target.status_code == 200, f"{key}'s link answers {target.status_code}"
