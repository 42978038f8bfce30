"""In Chromium: the order page shows what Juspay said (identifiers, udfs, payment links, surcharge and tax,
3DS authentication, a labelled instant refund, offer rules, the gateway's answer as JSON), masked for Support;
screenshots at desktop and phone widths go to test-artifacts/ (git-ignored)."""

import copy
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.juspay.examples import example
from tests.orders.lookup import days_ago, refunds

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OFFERS = example("order_status_with_offers.json")
ORDER_ID = "PAGE2207"


@pytest.fixture
def rich_order(cached_order, merchant):
    merchant.base_url = "http://127.0.0.1:9"  # Juspay unreachable: the page works from the cache
    merchant.save()
    detail = copy.deepcopy(OFFERS["txn_detail"])
    detail.update(
        surcharge_amount=54.0,
        tax_amount=9.72,
        txn_amount_breakup=[
            {"name": "BASE", "amount": 3000.0, "sno": 1, "method": "ADD"},
            {"name": "SURCHARGE", "amount": 54.0, "sno": 2, "method": "ADD"},
            {"name": "TAX_ON_SURCHARGE", "amount": 9.72, "sno": 3, "method": "ADD"},
            {"name": "OFFER", "amount": 300.0, "sno": 4, "method": "SUB"},
        ],
    )
    pgr = dict(
        OFFERS["payment_gateway_response"],
        gateway_response={"status": "captured", "email": "farah.q@example.com", "acquirer_data": {"rrn": "5031"}},
    )
    rows = refunds(2, amount=1381.86)
    rows[1].update(id="rfnd_INSTANT0001", refund_type="INSTANT")
    return cached_order(
        "order_status_with_offers.json",
        order_id=ORDER_ID,
        date_created=days_ago(1),
        product_id="SKU-PG-0042",
        udf1="android",
        udf2="cart-220781",
        udf7="gift wrap: yes",
        payment_links={
            "web": "https://sandbox.juspay.in/merchant/pay/ordeh_page2207",
            "mobile": "https://sandbox.juspay.in/merchant/pay/ordeh_page2207?mobile=true",
            "iframe": "https://sandbox.juspay.in/merchant/ipay/ordeh_page2207",
        },
        txn_detail=detail,
        payment_gateway_response=pgr,
        effective_amount=2763.72,
        refunds=rows,
        refunded=True,
        amount_refunded=2763.72,
        maximum_eligible_refund_amount=0,
        authentication={"eci": "05", "cavv": "AAABBEg0VhI0VniQEjRWAAAAAAA=", "threeDSVersion": "2.2.0"},
    )


def test_support_reads_what_juspay_said_on_a_desktop_and_a_phone(page, live_server, make_user, login, rich_order):
    ARTIFACTS.mkdir(exist_ok=True)
    login(make_user("Support"))
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")

    header = page.locator("#order-header")
    expect(header).to_contain_text("Fully refunded")
    expect(header).to_contain_text(OFFERS["id"])
    expect(header).to_contain_text("SKU-PG-0042")
    expect(header).to_contain_text("cart-220781")
    expect(header.get_by_role("link", name="Mobile")).to_have_attribute("href", re.compile(r"\?mobile=true$"))

    payment = page.get_by_role("region", name="Payment", exact=True)
    expect(payment).to_contain_text("TAX_ON_SURCHARGE")
    expect(payment).to_contain_text("3DS version")
    expect(payment).not_to_contain_text("AAABBEg0VhI0VniQEjRWAAAAAAA=")
    payment.get_by_text("Full gateway response").click()
    expect(payment.locator("pre")).to_contain_text('"status": "captured"')
    expect(payment.locator("pre")).not_to_contain_text("farah.q@example.com")

    refunds_region = page.get_by_role("region", name="Refunds", exact=True)
    expect(refunds_region).to_contain_text("Instant refund")
    expect(refunds_region).to_contain_text("rfnd_INSTANT0001")
    offers = page.get_by_role("region", name="Offers", exact=True)
    expect(offers).to_contain_text(OFFERS["offers"][0]["offer_id"])
    expect(offers).to_contain_text("Minimum order amount")
    page.screenshot(path=str(ARTIFACTS / "order-page-1440.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/orders/{ORDER_ID}/")
    expect(page.get_by_role("region", name="Offers", exact=True)).to_contain_text("Minimum order amount")
    widest = page.evaluate("document.documentElement.scrollWidth")
    assert widest <= 390, f"the page is {widest}px wide on a 390px phone: something does not wrap"
    page.screenshot(path=str(ARTIFACTS / "order-page-390.png"), full_page=True)
