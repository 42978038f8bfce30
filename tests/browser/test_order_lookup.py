"""In Chromium: a support agent finds an order by email, phone and RRN and reads its page; masking by role;
notes through htmx; the CSV export; a screenshot of the order page; the page on a phone."""

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.juspay.examples import example
from tests.orders.lookup import cached_payout, days_ago

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REFUNDS = example("order_status_with_refunds.json")
ORDER_ID = REFUNDS["order_id"]
SECTIONS = {
    "Timeline": "Refund raised",
    "Payment": REFUNDS["payment_gateway_response"]["rrn"],
    "Refunds": "Maximum still refundable",
    "Split settlement": "No split settlement on this order.",
    "Offers": "No offers on this order.",
    "Payouts and fulfilments": "Payout order PO-" + ORDER_ID,
}


@pytest.fixture
def order(cached_order, merchant):
    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: pages must still work from the cache
    merchant.save()
    order = cached_order("order_status_with_refunds.json", date_created=days_ago(1))
    cached_order("order_status_charged.json", date_created=days_ago(2))  # another customer's order
    cached_payout(merchant, ORDER_ID)
    return order


def search_box(page):
    return page.get_by_role("searchbox", name="Search orders")


def expect_sections(page):
    for heading, content in SECTIONS.items():
        expect(page.get_by_role("region", name=heading, exact=True)).to_contain_text(content)


def test_support_finds_the_order_by_email_phone_and_rrn_and_reads_every_section(
    page, live_server, make_user, login, order
):
    login(make_user("Support"))

    # email: the suggestions appear as one types; click the match
    search_box(page).fill(REFUNDS["customer_email"])
    suggestions = page.get_by_role("region", name="Search results")
    expect(suggestions).to_contain_text("1 order for")
    suggestions.get_by_role("link", name=re.compile(ORDER_ID)).click()
    expect(page.get_by_role("heading", name=f"Order {ORDER_ID}")).to_be_visible()
    expect(page.get_by_text("Payment succeeded").first).to_be_visible()
    expect_sections(page)

    # phone, written the way a customer says it, sent with Enter: the results list
    search_box(page).fill("+91 98450 67123")
    search_box(page).press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/\?q="))
    expect(page.get_by_role("status").filter(has_text="1 order match")).to_be_visible()
    page.get_by_role("link", name=ORDER_ID, exact=True).click()
    expect(page.get_by_role("heading", name=f"Order {ORDER_ID}")).to_be_visible()

    # RRN, with the "/" key to reach the box from anywhere
    page.get_by_role("heading", name=f"Order {ORDER_ID}").click()
    page.keyboard.press("/")
    expect(search_box(page)).to_be_focused()
    page.keyboard.type(REFUNDS["payment_gateway_response"]["rrn"])
    expect(suggestions).to_contain_text("exact: RRN")
    suggestions.get_by_role("link", name=re.compile(ORDER_ID)).click()
    expect_sections(page)
    expect(page.get_by_role("region", name="Refunds", exact=True)).to_contain_text("Queued at Juspay (not sent yet)")


def test_support_sees_masked_details_finance_reveals_them(page, live_server, make_user, login, logout, order):
    login(make_user("Support"))
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    expect(page.get_by_text("v•••@example.org")).to_be_visible()
    payouts = page.get_by_role("region", name="Payouts and fulfilments")
    expect(payouts).to_contain_text("•••• 1234")
    expect(page.get_by_role("button", name="Reveal customer details")).to_have_count(0)
    assert REFUNDS["customer_email"] not in page.content()
    logout()

    login(make_user("Finance"))
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    expect(page.get_by_text("v•••@example.org")).to_be_visible()  # masked until revealed
    page.get_by_role("button", name="Reveal customer details").click()  # an htmx POST: needs the CSRF header
    expect(page.get_by_text(REFUNDS["customer_email"])).to_be_visible()
    expect(page.get_by_text(REFUNDS["customer_phone"])).to_be_visible()
    expect(page.get_by_role("region", name="Payouts and fulfilments")).to_contain_text("000987650001234")

    from dashboard.models import AuditEvent

    assert AuditEvent.objects.filter(verb="order.pii_revealed").count() == 1


def test_a_note_added_through_htmx_shows_in_the_timeline_and_refresh_warns_when_juspay_is_down(
    page, live_server, make_user, login, order
):
    login(make_user("Support"))
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    page.get_by_label("Add an internal note").fill("Customer asked when refund RF-M27-02 lands.")
    page.get_by_role("button", name="Add note").click()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Note added.")).to_be_visible()
    expect(timeline.get_by_role("listitem").last).to_contain_text("Customer asked when refund RF-M27-02 lands.")

    page.get_by_role("button", name="Refresh now").click()
    expect(page.get_by_role("alert").filter(has_text="Juspay could not be reached")).to_be_visible()
    expect(page.get_by_text("Payment succeeded").first).to_be_visible()  # the cached copy stays
    expect(timeline).to_contain_text("Refresh from Juspay asked for")


def test_the_csv_export_holds_the_filtered_rows(page, live_server, make_user, login, order, cached_order):
    cached_order("order_status_with_offers.json", date_created=days_ago(3))  # RAZORPAY, like the card order
    login(make_user("Support"))
    page.goto(f"{live_server.url}/orders/")
    page.get_by_label("Payment method").select_option("UPI")
    expect(page).to_have_url(re.compile(r"payment_method_type=UPI"))
    expect(page.get_by_role("link", name=ORDER_ID, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="LH2503K11")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert [r["order_id"] for r in rows] == [ORDER_ID]
    assert rows[0]["customer_email"] == "v•••@example.org"


def test_order_page_screenshot_and_phone_width(page, live_server, make_user, login, order):
    login(make_user("Support"))
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    expect_sections(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "order-page.png"), full_page=True)
    assert (ARTIFACTS / "order-page.png").stat().st_size > 10_000

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect_sections(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the order page scrolls sideways on a phone ({width}px)"
