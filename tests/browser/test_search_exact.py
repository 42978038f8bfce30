"""In Chromium: an exact order id or refund id typed in the header's search box opens the order (Enter)."""

import re

import pytest
from playwright.sync_api import expect

from tests.orders.lookup import days_ago

pytestmark = pytest.mark.browser


@pytest.fixture
def order(cached_order, merchant):
    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: the cache answers
    merchant.save()
    cached_order("order_status_charged.json", date_created=days_ago(2))
    return cached_order("order_status_with_refunds.json", date_created=days_ago(1))


@pytest.mark.parametrize("clue", ["LH2503M27", "RF-M27-02"])
def test_an_exact_id_and_enter_open_the_order(page, live_server, make_user, login, order, clue):
    login(make_user("Support"))
    box = page.get_by_role("searchbox", name="Search orders")
    box.fill(clue)
    expect(page.get_by_role("region", name="Search results")).to_contain_text("Enter opens order LH2503M27")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/LH2503M27/\?merchant=default$"))
    expect(page.get_by_role("heading", name="Order LH2503M27")).to_be_visible()
