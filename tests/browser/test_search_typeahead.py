"""In Chromium: the header's search box while one types. Two characters say how many a prefix needs; three
find the order; typing fast ends on the answer for what is in the box (stale answers are dropped); screenshots
at 1440 and 390 px."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.orders.lookup import days_ago

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def order(cached_order, merchant):
    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: the cache answers
    merchant.save()
    cached_order("order_status_charged.json", date_created=days_ago(2))
    return cached_order("order_status_with_refunds.json", date_created=days_ago(1))


@pytest.mark.parametrize("width", [1440, 390])
def test_typing_a_clue_shows_the_minimum_then_the_order(page, live_server, make_user, login, order, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(make_user("Support"))
    box = page.get_by_role("searchbox", name="Search orders")
    results = page.get_by_role("region", name="Search results")
    box.fill("vi")
    expect(results).to_contain_text("Type 3 or more characters")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"typeahead-short-{width}.png"))
    box.press_sequentially("kram.de", delay=20)  # faster than the box's delay: one request, for the last text
    expect(results).to_contain_text("for “vikram.de”")
    expect(results.get_by_role("link", name="LH2503M27")).to_be_visible()
    expect(results).not_to_contain_text("Type 3 or more")
    page.screenshot(path=str(ARTIFACTS / f"typeahead-prefix-{width}.png"))
    width_used = page.evaluate("document.documentElement.scrollWidth")
    assert width_used <= width, f"the suggestions make the page scroll sideways ({width_used}px)"
