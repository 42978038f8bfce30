"""In Chromium: a support agent types a payout order id into the search box, opens the payout page and reads its
fulfilments, payments and refunds; the payouts list filters; screenshots of both at desktop and phone widths."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.orders.lookup import days_ago
from tests.orders.payouts import payout_answer, sync_payout, with_payments_and_refunds

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAYOUT_ID = "PAY2503F0007"
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture
def payouts(merchant, cached_order):
    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: pages work from the cache
    merchant.save()
    order = cached_order("order_status_with_refunds.json", date_created=days_ago(3))
    data = with_payments_and_refunds(payout_answer(createdAt=days_ago(1), customerId=order.customer_id))
    data["payments"][0]["id"] = order.juspay_id  # its payment names the cached payment order
    data["refunds"][1].update(status="FAILURE", error_message="Account closed at the bank")
    sync_payout(merchant, data)
    review = payout_answer(orderId="PO-REVIEW-1", createdAt=days_ago(12), status="FULFILLMENTS_MANUAL_REVIEW")
    review["fulfillments"][0].update(id="PO-REVIEW-1-f1", status="MANUAL_REVIEW")
    review["fulfillments"][0]["transactions"][0]["transactionRef"] = "PO-REVIEW-1-t1"
    sync_payout(merchant, review)
    sync_payout(merchant, payout_answer("payout_order_status_refund.json", createdAt=days_ago(5)))
    return order


def test_support_finds_a_payout_order_from_the_search_box_and_reads_it(page, live_server, make_user, login, payouts):
    login(make_user("Support"))
    page.get_by_role("searchbox", name="Search orders").fill(PAYOUT_ID)
    suggestions = page.get_by_role("region", name="Search results")
    expect(suggestions).to_contain_text(f"Payout order {PAYOUT_ID}")
    suggestions.get_by_role("link", name=f"Payout order {PAYOUT_ID}").click()

    expect(page.get_by_role("heading", name=f"Payout order {PAYOUT_ID}")).to_be_visible()
    expect(page.get_by_text("All fulfilments succeeded").first).to_be_visible()
    fulfilments = page.get_by_role("region", name="Fulfilments", exact=True)
    expect(fulfilments).to_contain_text("Fulfilment 5c0d9e8f7a6b4c3d2e1f0a9b8c7d6e-f1")
    expect(fulfilments).to_contain_text("YESBANK_IMPS")
    expect(fulfilments).to_contain_text("503307112244")
    expect(fulfilments).to_contain_text("•••• 1234")  # the beneficiary's account, masked for Support
    expect(fulfilments).not_to_contain_text("000987650001234")
    payments = page.get_by_role("region", name="Payments (expand=payment)")
    expect(payments).to_contain_text(f"Payment {payouts.juspay_id}")
    expect(payments).to_contain_text("₹2,100.00")
    payments.get_by_role("link", name=payouts.order_id).wait_for()
    refunds = page.get_by_role("region", name="Refunds (expand=refund)")
    expect(refunds).to_contain_text("PAY2503G0032-rf1")
    expect(refunds).to_contain_text("Account closed at the bank")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text(f"Payout order {PAYOUT_ID} seen")

    # its payment names the payment order: one click there, and its payouts panel leads back
    payments.get_by_role("link", name=payouts.order_id).click()
    expect(page.get_by_role("heading", name=f"Order {payouts.order_id}")).to_be_visible()
    panel = page.get_by_role("region", name="Payouts and fulfilments")
    expect(panel).to_contain_text("its payments name this order")
    expect(panel.get_by_role("link", name=PAYOUT_ID)).to_be_visible()


def test_the_payouts_list_filters_by_manual_review(page, live_server, make_user, login, payouts):
    login(make_user("Manager"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
    results = page.get_by_role("region", name="Payout orders")
    expect(results).to_contain_text("Showing 3 payout orders")
    page.get_by_label("Manual review").select_option("true")
    expect(results).to_contain_text("Showing 2 payout orders")  # a fulfilment in review, a refund in review
    expect(results).to_contain_text("PO-REVIEW-1")
    expect(results).not_to_contain_text(PAYOUT_ID)
    assert "manual_review=true" in page.url  # the URL follows the filter


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots_of_the_list_and_the_page(page, live_server, make_user, login, payouts, width):
    login(make_user("Finance"))
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/payouts/")
    expect(page.get_by_role("region", name="Payout orders")).to_contain_text(PAYOUT_ID)
    page.screenshot(path=str(ARTIFACTS / f"payout-list-{WIDTHS[width][0]}.png"), full_page=True)
    page.goto(f"{live_server.url}/payouts/{PAYOUT_ID}/")
    expect(page.get_by_role("region", name="Refunds (expand=refund)")).to_contain_text("PAY2503G0032-rf2")
    expect(page.get_by_role("region", name="Payments (expand=payment)")).to_contain_text("Bank account")
    page.screenshot(path=str(ARTIFACTS / f"payout-page-{WIDTHS[width][0]}.png"), full_page=True)
    assert (ARTIFACTS / f"payout-page-{WIDTHS[width][0]}.png").stat().st_size > 10_000
    if width == "phone":
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 390, f"the payout page scrolls sideways on a phone ({scroll}px)"
