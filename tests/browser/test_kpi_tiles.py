"""In Chromium: every KPI tile draws its sparkline and every chart is drawn, a payout rate tile opens the payout
orders behind it, the request page tells its history in sentences, and the queue's drill-down shows its filters as
chips.

Screenshots at 1440 and 390 px go to $KPI_SCREENSHOTS when it is set (test-artifacts/, not committed)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import pytest
from playwright.sync_api import expect

from fulfilment.models import ActionRequest, ActionState
from tests.fixtures.kpis import BUSY_NOW, BUSY_QUERY

pytestmark = pytest.mark.browser


def _shoot(page, name: str) -> None:
    folder = os.environ.get("KPI_SCREENSHOTS")
    if folder:
        for width, height in ((1440, 1000), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)  # Chart.js redraws on resize
            page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1440, "height": 1000})


def test_tiles_sparklines_drill_down_history_and_chips(page, live_server, make_user, login, busy_days):
    with mock.patch("orders.kpi_fulfilment.current_time", return_value=BUSY_NOW):
        login(make_user("Manager", first_name="Mira"))
        page.goto(f"{live_server.url}/kpis/?{BUSY_QUERY}")
        for name in ("Payments", "Refunds", "Fulfilment", "Payouts", "Approvals (ours)"):
            expect(page.get_by_role("region", name=name).locator("article").first).to_be_visible()
        sparklines = page.locator("article.kpi-tile canvas[data-sparkline]")
        expect(page.locator("article.kpi-tile canvas[data-sparkline]:not([data-drawn])")).to_have_count(0)
        assert sparklines.count() == page.locator("article.kpi-tile").count() - 3  # all but the as-of-now tiles
        charts = page.locator("canvas[data-chart]")
        assert charts.count() >= 12
        drawn = page.evaluate(
            "() => [...document.querySelectorAll('canvas[data-chart]')].map((c) => Boolean(Chart.getChart(c)))"
        )
        assert all(drawn), "a chart was not drawn"
        _shoot(page, "kpis")
        if os.environ.get("KPI_SCREENSHOTS"):  # each section on its own, to look at closely
            for width in (1440, 390):
                page.set_viewport_size({"width": width, "height": 1000})
                page.wait_for_timeout(150)
                for i, region in enumerate(page.locator("section.kpi-section").all()):
                    region.screenshot(path=str(Path(os.environ["KPI_SCREENSHOTS"]) / f"kpis-{width}-section{i}.png"))
            page.set_viewport_size({"width": 1440, "height": 1000})

        payouts = page.get_by_role("region", name="Payouts")
        tile = payouts.locator("article", has=page.get_by_role("link", name="Fulfilment failure rate"))
        expect(tile.get_by_text("1 of 3 fulfilments, on 1 payout order")).to_be_visible()
        tile.get_by_role("link", name="Fulfilment failure rate").click()
        expect(page.get_by_text("Showing 1 payout order")).to_be_visible()
        expect(page.get_by_role("list", name="Active filters").get_by_text("With a fulfilment that is")).to_be_visible()

    rejected = ActionRequest.objects.get(state=ActionState.REJECTED)
    page.goto(f"{live_server.url}/approvals/{rejected.pk}/")
    history = page.locator("ol.history")
    expect(history.get_by_text(re.compile(r"raised this refund of ₹1\.00"))).to_be_visible()
    expect(history.get_by_text(re.compile(r"rejected it: “no”"))).to_be_visible()
    _shoot(page, "request")

    page.goto(f"{live_server.url}/approvals/?request_state=rejected&kind=refund")
    chips = page.get_by_role("list", name="Active filters")
    expect(chips.get_by_text("State:")).to_be_visible()
    _shoot(page, "queue-chips")
    chips.get_by_role("link", name=re.compile("Kind: Refund")).click()
    expect(page).to_have_url(re.compile(r"request_state=rejected$"))
