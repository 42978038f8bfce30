"""The order page shows what Juspay said: refund state by Juspay's `refunded` flag and the effective amount,
the identifiers an agent quotes, udf search, Juspay objects as JSON text, and the full gateway response a
person's Refresh asks for (https://juspay.io/api-reference/docs/express-checkout/order-status-api)."""

import copy
import html
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import search
from orders.derived_state import refund_state
from orders.models import Order, RefundState, SyncSource, TimelineEvent
from orders.services import sync_order
from orders.sync import create_orders
from tests.juspay.examples import example
from tests.orders.lookup import refunds

OFFERS = example("order_status_with_offers.json")  # amount 3000, effective_amount 2700 (a 300 discount)
CHARGED = example("order_status_charged.json")


def text(response) -> str:
    body = response.content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def section(client, order_id, name):
    return client.get(f"/orders/{order_id}/{name}/", HTTP_HX_REQUEST="true")


def listed(client, **params) -> list[str]:
    page = client.get("/orders/", {"period": "all", **params}).content.decode()
    return re.findall(r'href="/orders/([A-Za-z0-9]+)/', page)


# --- refund state -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [True, False], ids=["refunded-flag", "sum-reaches-effective-amount"])
def test_a_discounted_order_refunded_in_full_reads_fully_refunded_on_page_and_in_filter(client_as, cached_order, flag):
    full = refunds(1, amount=2700.0)
    cached_order("order_status_with_offers.json", order_id="DISC1", refunds=full, refunded=flag, amount_refunded=2700)
    cached_order("order_status_with_offers.json", order_id="DISC2", refunds=refunds(1, amount=1000.0))
    client = client_as("Support")

    assert "Refunds Fully refunded" in text(client.get("/orders/DISC1/"))
    assert "Refunds Partially refunded" in text(client.get("/orders/DISC2/"))
    assert "DISC1" in listed(client, refund_state="full") and "DISC1" not in listed(client, refund_state="partial")
    assert "DISC2" in listed(client, refund_state="partial") and "DISC2" not in listed(client, refund_state="full")
    assert Order.objects.get(order_id="DISC1").refund_state == RefundState.FULL


def test_refund_state_follows_juspays_flag_and_the_effective_amount():
    success = [("SUCCESS", Decimal("2700"))]
    assert refund_state(success, Decimal("3000"), effective_amount=Decimal("2700")) == RefundState.FULL
    assert refund_state(success, Decimal("3000")) == RefundState.PARTIAL  # no effective amount: the order amount
    assert refund_state([("SUCCESS", Decimal("10"))], Decimal("3000"), refunded=True) == RefundState.FULL
    assert refund_state([("PENDING", Decimal("2700"))], Decimal("3000"), refunded=True) == RefundState.PENDING
    assert refund_state([("FAILURE", Decimal("5"))], Decimal("30"), effective_amount=Decimal("27")) == "failed"


# --- identifiers ----------------------------------------------------------------------------------------------


def test_the_header_shows_juspays_ids_product_udfs_and_distinct_payment_links(client_as, cached_order):
    links = {
        "web": "https://sandbox.juspay.in/merchant/pay/ordeh_x1",
        "mobile": "https://sandbox.juspay.in/merchant/pay/ordeh_x1?mobile=true",
        "iframe": "https://sandbox.juspay.in/merchant/ipay/ordeh_x1",
    }
    cached_order("order_status_charged.json", order_id="IDS1", udf2="cart-7781", udf10="gift", payment_links=links)
    response = client_as("Support").get("/orders/IDS1/")
    page, body = text(response), response.content.decode()

    assert f"Juspay order id {CHARGED['id']}" in page and "Status id 21" in page
    assert f"Product id {CHARGED['product_id']}" in page
    assert "udf1 web" in page and "udf2 cart-7781" in page and "udf10 gift" in page
    for url in links.values():
        assert f'href="{html.escape(url)}"' in body
    assert "Payment links Web · Mobile · Iframe" in page


def test_a_payment_link_that_is_not_a_web_address_is_shown_never_linked(client_as, cached_order):
    cached_order("order_status_charged.json", order_id="IDS2", payment_links={"web": "javascript:alert(1)"})
    body = client_as("Support").get("/orders/IDS2/").content.decode()
    assert 'href="javascript' not in body and "javascript:alert(1)" in body


def test_refunds_show_juspays_refund_id_and_instant_refunds_are_labelled(client_as, cached_order):
    rows = refunds(2)
    rows[1].update(id="rfnd_INST42", refund_type="INSTANT")
    cached_order("order_status_charged.json", order_id="RID1", refunds=rows)
    page = text(section(client_as("Support"), "RID1", "refunds"))
    assert "Juspay refund id" in page and "rf_0" in page and "rfnd_INST42" in page
    assert page.count("Instant refund") == 1 and "STANDARD" in page


def test_the_card_reference_and_fingerprint_are_masked_for_support_and_shown_on_reveal(client_as, cached_order):
    card = dict(CHARGED["card"], card_reference="cref_9f8e7d6c5b4a")
    cached_order("order_status_charged.json", order_id="CARD1", card=card)
    support = text(section(client_as("Support"), "CARD1", "payment"))
    assert "Card reference ••••" in support and "Card fingerprint ••••" in support
    assert "cref_9f8e7d6c5b4a" not in support and CHARGED["card"]["card_fingerprint"] not in support
    assert f"PG txn id {CHARGED['payment_gateway_response']['txn_id']}" in support

    finance = client_as("Finance")
    finance.post("/orders/CARD1/reveal/", HTTP_HX_REQUEST="true")
    revealed = text(section(finance, "CARD1", "payment"))
    assert "Card reference cref_9f8e7d6c5b4a" in revealed
    assert f"Card fingerprint {CHARGED['card']['card_fingerprint']}" in revealed


@pytest.mark.parametrize(
    ("status", "colour"),
    [("AVAILED", "badge-success"), ("FAILED", "badge-failure"), ("INITIATED", "badge-other")],
)
def test_offers_show_the_offer_id_rules_and_a_colour_by_outcome(client_as, cached_order, status, colour):
    offers = copy.deepcopy(OFFERS["offers"])
    offers[0]["status"] = status
    cached_order("order_status_with_offers.json", order_id="OFR1", offers=offers)
    response = section(client_as("Support"), "OFR1", "offers")
    page = text(response)
    assert f"Offer id {offers[0]['offer_id']}" in page and "Minimum order amount 1500.00" in page
    assert f'<span class="badge {colour}" title="' in response.content.decode()


# --- what the payment panel summarises --------------------------------------------------------------------------


def test_surcharge_tax_authentication_and_authorization_are_summarised(client_as, cached_order):
    detail = dict(
        CHARGED["txn_detail"],
        surcharge_amount=30.0,
        tax_amount=5.4,
        txn_amount_breakup=[
            {"name": "BASE", "amount": 1499.0, "sno": 1, "method": "ADD"},
            {"name": "SURCHARGE", "amount": 30.0, "sno": 2, "method": "ADD"},
            {"name": "TAX_ON_SURCHARGE", "amount": 5.4, "sno": 3, "method": "ADD"},
        ],
    )
    authentication = {"eci": "05", "cavv": "AAABBEg0VhI0VniQEjRWAAAAAAA=", "threeDSVersion": "2.2.0"}
    authentication |= {"threeDSTransStatus": "Y", "threeDSServerTransID": "3ds-srv-1", "threeDSTransId": "3ds-1"}
    authorization = {"auth_id_code": "604118", "acquirer_bin": "412345", "acquirer_mid": "MID0001", "new_key": "x"}
    cached_order(
        "order_status_charged.json",
        order_id="SUR1",
        txn_detail=detail,
        authentication=authentication,
        authorization=authorization,
    )
    page = text(section(client_as("Support"), "SUR1", "payment"))
    assert "Surcharge 30.0" in page and "Tax on surcharge 5.4" in page
    assert "SURCHARGE" in page and "TAX_ON_SURCHARGE" in page and "5.40" in page
    assert "Authentication (3DS) 3DS version 2.2.0 3DS status Y" in page and "ECI 05" in page
    assert "CAVV ••••" in page and authentication["cavv"] not in page
    assert "Authorization Auth id code 604118 Acquirer BIN 412345 Acquirer MID MID0001 new_key x" in page


# --- JSON, never a Python repr ------------------------------------------------------------------------------------


def test_juspay_objects_are_shown_as_indented_json_never_a_python_repr(client_as, cached_order):
    pgr = dict(CHARGED["payment_gateway_response"], gateway_response={"status": "captured", "notes": {"a": [1]}})
    cached_order("order_status_charged.json", order_id="JSON1", payment_gateway_response=pgr)
    client = client_as("Admin")
    for name in ("payment", "raw", "timeline"):
        body = section(client, "JSON1", name).content.decode()
        assert "{&#x27;" not in body and "{'" not in body, name
    payment = section(client, "JSON1", "payment").content.decode()
    assert "&quot;status&quot;: &quot;captured&quot;" in payment and '\n  "notes"' in html.unescape(payment)


def test_a_timeline_event_holding_an_object_shows_it_as_indented_json(client_as, cached_order):
    order = cached_order("order_status_charged.json", order_id="JSON2")
    data = {"refund": "RFD-1", "metadata": {"speed_requested": "normal", "speed_processed": "instant"}}
    TimelineEvent.objects.create(
        order=order, at=timezone.now(), kind="refund.status_changed", source="juspay_poll", data=data
    )
    body = html.unescape(section(client_as("Support"), "JSON2", "timeline").content.decode())
    assert '<pre class="raw-json">{\n  "speed_processed": "instant",\n  "speed_requested": "normal"\n}</pre>' in body
    assert "{'" not in body


# --- udf search ---------------------------------------------------------------------------------------------------


def test_an_order_is_found_by_any_of_its_udfs(client_as, cached_order):
    cached_order("order_status_charged.json", order_id="UDF1", udf3="loyalty-55120", udf9="ticket 42")
    cached_order("order_status_charged.json", order_id="UDF2", udf3="loyalty-99999")

    [hit] = search.search("loyalty-55120", viewer=None).hits
    assert hit.order.order_id == "UDF1" and hit.exact and "udf3" in hit.reasons
    assert [h.order.order_id for h in search.search("ticket 42", viewer=None).hits] == ["UDF1"]
    assert "UDF1" in listed(client_as("Support"), q="loyalty-55120")


def test_udf_search_follows_a_changed_udf(cached_order):
    cached_order("order_status_charged.json", order_id="UDF3", udf4="old-ref")
    cached_order("order_status_charged.json", order_id="UDF3", udf4="new-ref", last_updated="2030-01-01T00:00:00Z")
    assert search.search("old-ref", viewer=None).empty
    assert [h.order.order_id for h in search.search("new-ref", viewer=None).hits] == ["UDF3"]


def test_orders_bulk_sync_imports_are_found_by_udf(merchant, answer):
    parsed = answer("order_status_charged.json", order_id="BULKUDF1", udf5="campaign-diwali-7")
    create_orders(merchant, [(parsed, timezone.now())], source=SyncSource.JUSPAY_POLL)
    assert [h.order.order_id for h in search.search("campaign-diwali-7", viewer=None).hits] == ["BULKUDF1"]


# --- the full gateway response, on a person's Refresh -------------------------------------------------------------


def _order_status_queries(juspay_sim, order_id: str) -> list[dict]:
    return [r["query"] for r in juspay_sim.requests(path=f"/orders/{order_id}") if r["method"] == "GET"]


def test_refresh_asks_for_the_full_gateway_response_and_its_block_appears(
    client_as, cached_order, sim_merchant, juspay_sim
):
    order_id = juspay_sim.create_order(order_id="FGR1001", amount=900, status="CHARGED")
    sync_order(sim_merchant, order_id)  # the sweep's call: no gateway response asked for
    assert _order_status_queries(juspay_sim, order_id)[-1] == {}
    client = client_as("Support")
    assert "Full gateway response" not in text(section(client, order_id, "payment"))

    assert client.post(f"/orders/{order_id}/refresh/", HTTP_HX_REQUEST="true").status_code == 200

    assert _order_status_queries(juspay_sim, order_id)[-1] == {"options.add_full_gateway_response": ["true"]}
    payment = section(client, order_id, "payment").content.decode()
    assert "Full gateway response (personal data masked)" in payment and "{&#x27;" not in payment

    sync_order(sim_merchant, order_id)  # a later sweep does not ask again, and the block stays
    assert _order_status_queries(juspay_sim, order_id)[-1] == {}
    assert "Full gateway response" in text(section(client, order_id, "payment"))
