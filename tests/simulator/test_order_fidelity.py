"""What Order Status documents and the simulator now produces: CREATED orders, surcharge and tax, INSTANT
refunds, the authentication and authorization blocks, distinct payment links, and the request log
(https://juspay.io/api-reference/docs/express-checkout/order-status-api)."""

import pytest

from dashboard.juspay_simulator.clock import parse_iso
from tests.fixtures.simulator import start_simulator

START = parse_iso("2026-03-02T09:30:00Z")
AUTHENTICATION_KEYS = {
    "eci",
    "cavv",
    "threeDSVersion",
    "threeDSTransStatusReason",
    "threeDSServerTransID",
    "threeDSTransStatus",
    "cavvAlgorithm",
    "threeDSTransId",
}


@pytest.fixture(scope="module")
def demo_orders():
    with start_simulator(seed=7, orders=200, start=START) as sim:
        yield [sim.http.get(f"/orders/{oid}").json() for oid in sim.order_ids()]


def test_an_order_never_attempted_may_read_created_with_status_id_1(demo_orders, juspay_sim):
    created = [o for o in demo_orders if o["status"] == "CREATED"]
    assert created and all(o["status_id"] == 1 and o["txn_id"] == "" and "txn_detail" not in o for o in created)

    order_id = juspay_sim.create_order(status="CREATED", amount=250)
    body = juspay_sim.http.get(f"/orders/{order_id}").json()
    assert (body["status"], body["status_id"], body["txn_id"]) == ("CREATED", 1, "")


def test_surcharge_and_tax_are_in_the_transaction_and_its_breakup(demo_orders):
    charged = [o for o in demo_orders if (o.get("txn_detail") or {}).get("surcharge_amount")]
    assert charged
    for order in charged:
        detail = order["txn_detail"]
        names = [line["name"] for line in sorted(detail["txn_amount_breakup"], key=lambda line: line["sno"])]
        assert names[0] == "BASE" and "SURCHARGE" in names and "TAX_ON_SURCHARGE" in names
        discount = detail["offer_deduction_amount"] or 0
        expected = round(detail["net_amount"] - discount + detail["surcharge_amount"] + detail["tax_amount"], 2)
        assert detail["txn_amount"] == expected == order["effective_amount"]


def test_instant_refunds_exist_and_settle(demo_orders):
    instant = [r for o in demo_orders for r in o.get("refunds", []) if r["refund_type"] == "INSTANT"]
    assert instant and all(r["status"] == "SUCCESS" and r["sent_to_gateway"] for r in instant)
    assert any(r["refund_type"] == "STANDARD" for o in demo_orders for r in o.get("refunds", []))


def test_refunded_is_true_only_when_succeeded_refunds_cover_the_effective_amount(demo_orders):
    for order in demo_orders:
        succeeded = round(sum(r["amount"] for r in order.get("refunds", []) if r["status"] == "SUCCESS"), 2)
        covered = order["status"] == "CHARGED" and succeeded >= order["effective_amount"]
        assert order["refunded"] is covered, order["order_id"]
    assert any(o["refunded"] for o in demo_orders)


def test_payment_links_are_distinct_per_kind_and_per_order(demo_orders):
    seen = set()
    for order in demo_orders:
        links = order["payment_links"]
        assert set(links) == {"web", "mobile", "iframe"} and len(set(links.values())) == 3
        assert all(order["id"] in url and url.startswith("https://") for url in links.values())
        seen.add(links["web"])
    assert len(seen) == len(demo_orders)


def test_a_3ds_card_payment_carries_authentication_for_15_minutes(juspay_sim):
    for _ in range(20):
        order_id = juspay_sim.create_order(status="CHARGED", payment_method_type="CARD", amount=500)
        body = juspay_sim.http.get(f"/orders/{order_id}").json()
        if body["auth_type"] == "THREE_DS":
            break
    else:
        pytest.fail("no 3DS card payment in 20 orders")
    assert set(body["authentication"]) == AUTHENTICATION_KEYS and body["authentication"]["threeDSTransStatus"] == "Y"
    assert "authorization" not in body  # not a pre-auth flow

    juspay_sim.advance(16 * 60)
    assert "authentication" not in juspay_sim.http.get(f"/orders/{order_id}").json()


def test_a_pre_auth_payment_carries_authorization(juspay_sim):
    order_id = juspay_sim.create_order(status="AUTHORIZED", payment_method_type="CARD", amount=800)
    body = juspay_sim.http.get(f"/orders/{order_id}").json()
    authorization = body["authorization"]
    assert authorization["auth_id_code"] == body["payment_gateway_response"]["auth_id_code"]
    assert authorization["acquirer_bin"].isdigit() and authorization["acquirer_mid"].startswith("MID")


def test_the_request_log_keeps_what_each_order_status_call_asked(juspay_sim):
    order_id = juspay_sim.create_order(status="CHARGED", amount=300)
    juspay_sim.http.get(f"/orders/{order_id}", params={"options.add_full_gateway_response": "true"})
    [logged] = juspay_sim.requests(path=f"/orders/{order_id}")
    assert logged == {
        "method": "GET",
        "path": f"/orders/{order_id}",
        "query": {"options.add_full_gateway_response": ["true"]},
    }
