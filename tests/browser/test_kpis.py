"""In Chromium: a Manager opens the KPIs, changes the period, turns on the comparison, clicks the refund
turnaround p90 and lands on the orders behind it; the home page shows the headline tiles."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _iso(moment):
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.fixture
def refunded_orders(cached_order):
    """Ten CHARGED orders two days ago, each with one refund that took 5, 10, ... 50 minutes: p90 (nearest rank)
    is 45 minutes, and two orders have a refund that slow or slower."""
    created = timezone.now() - timedelta(days=2)
    for i in range(1, 11):
        raised = created + timedelta(hours=1)
        cached_order(
            "order_status_charged.json",
            order_id=f"KPI{i:02d}",
            date_created=_iso(created),
            amount_refunded=10,
            refunds=[
                {
                    "id": f"rf{i}",
                    "unique_request_id": f"RF-KPI-{i}",
                    "amount": 10,
                    "status": "SUCCESS",
                    "arn": f"ARN{i}",
                    "created": _iso(raised),
                    "pg_processed_at": _iso(raised + timedelta(minutes=5 * i)),
                }
            ],
        )


def _shoot(page, name: str) -> None:
    folder = os.environ.get("KPI_SCREENSHOTS")
    if folder:
        for width, height in ((1440, 1000), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
            page.screenshot(path=str(Path(folder) / f"{name}-{width}-top.png"))
        page.set_viewport_size({"width": 1440, "height": 1000})


def test_manager_drills_from_refund_turnaround_p90_to_its_orders(page, live_server, make_user, login, refunded_orders):
    login(make_user("Manager", first_name="Mira"))
    headline = page.get_by_role("region", name=re.compile("Key figures"))
    expect(headline.get_by_text("Refund turnaround p90")).to_be_visible()  # the home page's tiles
    _shoot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs").click()
    expect(page.get_by_role("heading", name="KPIs", exact=True)).to_be_visible()
    page.get_by_label("Period", exact=True).select_option("30d")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"period=30d"))
    page.get_by_label("Compare with the previous period").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"compare=1"))

    refunds = page.get_by_role("region", name="Refunds")
    tile = refunds.locator("article", has=page.get_by_role("link", name="Refund turnaround p90"))
    expect(tile.get_by_text("45 min")).to_be_visible()
    expect(tile.get_by_text("2 orders with a refund at p90 or slower")).to_be_visible()
    expect(tile.get_by_text("no comparison value")).to_be_visible()  # the previous 30 days had no refunds
    _shoot(page, "kpis")

    tile.get_by_role("link", name="Refund turnaround p90").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(page.get_by_text("These are the orders behind a KPI figure")).to_be_visible()
    rows = page.locator("#results table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#results")).to_contain_text("KPI10")
    expect(page.locator("#results")).to_contain_text("KPI09")


def test_support_is_refused_the_kpis(page, live_server, make_user, login):
    login(make_user("Support"))
    page.goto(f"{live_server.url}/kpis/")
    expect(page.get_by_role("heading", name="You don't have access to this page")).to_be_visible()


@pytest.fixture
def unfulfilled_orders(cached_order):
    """Three CHARGED orders charged three days ago with no fulfilment command, and one charged an hour ago."""
    for i, hours in enumerate((72, 73, 74, 1), start=1):
        at = timezone.now() - timedelta(hours=hours)
        cached_order(
            "order_status_charged.json",
            order_id=f"FUL{i:02d}",
            date_created=_iso(at - timedelta(minutes=1)),
            payment_gateway_response={"resp_code": "captured", "created": _iso(at)},
        )


def test_manager_drills_from_the_unfulfilled_orders_to_the_same_rows(
    page, live_server, make_user, login, unfulfilled_orders
):
    login(make_user("Manager"))
    page.goto(f"{live_server.url}/kpis/?period=7d")
    fulfilment = page.get_by_role("region", name="Fulfilment")
    tile = fulfilment.locator("article", has=page.get_by_role("link", name="Not fulfilled after 48 h"))
    expect(tile.locator(".kpi-value")).to_have_text("3")
    table = fulfilment.get_by_role("table", name=re.compile("Charged orders not fulfilled after 48 h"))
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("FUL03")  # the oldest first, with its age
    expect(table.locator("tbody tr").first).to_contain_text("3 d")
    expect(
        fulfilment.get_by_role("link", name="CSV")
        .filter(has_text="CSV")
        .and_(fulfilment.locator("a[href*='overdue.csv']"))
    ).to_have_count(1)  # the overdue table downloads as CSV
    _shoot(page, "fulfilment")

    tile.get_by_role("link", name="Not fulfilled after 48 h").click()
    expect(page.get_by_text("with no successful fulfilment command")).to_be_visible()
    rows = page.locator("#results table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#results")).not_to_contain_text("FUL04")
