"""In Chromium: the order page shows money as ₹ with Indian grouping, times in the viewer's zone with UTC on
hover, and a timeline that reads as a story (Juspay first, details one click away). Screenshots at 1440 and
390 px go to test-artifacts/ (git-ignored)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.juspay.examples import example
from tests.orders.lookup import days_ago, refunds

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ORDER_ID = "STORY1234"
PAYLOAD = example("order_status_with_refunds.json")


@pytest.fixture
def big_order(cached_order, merchant):
    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: the page works from the cache
    merchant.save()
    rows = refunds(1, amount=38023.0)
    rows[0]["created"] = days_ago(1)
    txn = dict(PAYLOAD["txn_detail"], created=days_ago(1.99), txn_amount=1234567.0, net_amount=1234567.0)
    return cached_order(
        "order_status_with_refunds.json",
        order_id=ORDER_ID,
        date_created=days_ago(2),
        amount=1234567.0,
        effective_amount=1234567.0,
        refunds=rows,
        txn_detail=txn,
        amount_refunded=38023.0,
        maximum_eligible_refund_amount=1196544.0,
    )


def test_amounts_show_as_rupees_with_indian_grouping_and_the_timeline_tells_the_story(
    page, live_server, make_user, login, big_order
):
    ARTIFACTS.mkdir(exist_ok=True)
    login(make_user("Finance"))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")

    header = page.locator("#order-header")
    expect(header).to_contain_text("₹12,34,567.00")
    expect(header).not_to_contain_text("1234567")
    created = header.locator("dd time").first
    expect(created).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"))
    expect(created).to_contain_text("IST")  # the default zone for the demo merchant: Asia/Kolkata

    refunds_region = page.get_by_role("region", name="Refunds", exact=True)
    expect(refunds_region).to_contain_text("₹38,023.00")
    expect(refunds_region.locator("dl.totals")).to_contain_text("₹11,96,544.00")
    expect(page.get_by_text("Still refundable: ₹11,96,544.00")).to_be_visible()

    timeline = page.get_by_role("list", name="Timeline, oldest first")
    first = timeline.get_by_role("listitem").first
    expect(first).to_contain_text("Order created at Juspay for ₹12,34,567.00")
    expect(first).to_contain_text("At Juspay")
    expect(timeline).to_contain_text("Payment of ₹12,34,567.00 by UPI UPI via PAYTM_V2 charged")
    expect(timeline).to_contain_text("Refund of ₹38,023.00")
    expect(timeline).to_contain_text("First seen here: CHARGED, ₹12,34,567.00")
    detail = first.locator("details")
    expect(detail.locator("dl")).to_be_hidden()
    detail.get_by_text("Details").click()
    expect(detail.locator("dl")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "order-story-1440.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    expect(page.get_by_role("list", name="Timeline, oldest first")).to_contain_text("₹12,34,567.00")
    widest = page.evaluate("document.documentElement.scrollWidth")
    assert widest <= 390, f"the page is {widest}px wide on a 390px phone: something does not wrap"
    page.screenshot(path=str(ARTIFACTS / "order-story-390.png"), full_page=True)


def test_a_person_who_chose_another_zone_sees_it_on_the_order_page(page, live_server, make_user, login, big_order):
    user = make_user("Support")
    login(user)
    page.goto(f"{live_server.url}/account/")
    page.get_by_role("combobox", name="Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Times now show in Europe/London.")).to_be_visible()
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    created = page.locator("#order-header dd time").first
    expect(created).to_contain_text(re.compile(r"GMT|BST"))
    expect(created).not_to_contain_text("IST")
