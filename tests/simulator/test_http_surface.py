"""Authentication, headers, routing and the two GET endpoints, over real HTTP."""

import base64

import pytest

UNAUTHORIZED_BODY = {
    "status": "error",
    "error_code": "access_denied",
    "error_info": {
        "user_message": "Unauthorized.",
        "developer_message": "Invalid API Key. Please pass a valid and active api key.",
        "code": "UNAUTHORIZED",
        "category": "USER_ERROR",
    },
}


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


@pytest.fixture
def order_id(juspay_sim) -> str:
    return juspay_sim.create_order(amount=1499, status="CHARGED", payment_method_type="CARD")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": basic("sk_wrong_key")},
        {"Authorization": "Bearer sk_test_sim_key"},
        {"Authorization": "Basic not-base64!"},
    ],
)
def test_bad_or_missing_api_key_gets_the_documented_401(juspay_sim, order_id, headers):
    response = juspay_sim.http.get(f"/orders/{order_id}", headers=headers, auth=None)

    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED_BODY


def test_wrong_merchant_id_is_refused(juspay_sim, order_id):
    response = juspay_sim.http.get(f"/orders/{order_id}", headers={"x-merchantid": "someone_else"})

    assert response.status_code == 401


@pytest.mark.parametrize("header", ["x-merchantid", "x-merchant-id"])
def test_both_merchant_header_spellings_are_accepted(juspay_sim, order_id, header):
    response = juspay_sim.http.get(f"/orders/{order_id}", headers={header: juspay_sim.merchant_id})

    assert response.status_code == 200
    assert response.json()["order_id"] == order_id


def test_request_id_is_echoed_and_response_ids_added(juspay_sim, order_id):
    response = juspay_sim.http.get(f"/orders/{order_id}", headers={"x-request-id": "req-7f3a9c"})
    again = juspay_sim.http.get(f"/orders/{order_id}")

    assert response.headers["x-request-id"] == "req-7f3a9c"
    assert response.headers["x-jp-merchant-id"] == juspay_sim.merchant_id
    assert response.headers["x-response-id"] != again.headers["x-response-id"]
    assert again.headers["x-request-id"]  # generated when the caller sent none


def test_unknown_path_is_404(juspay_sim):
    response = juspay_sim.http.get("/v2/nothing/here")

    assert response.status_code == 404


def test_order_status_has_documented_fields_and_json_types(juspay_sim, order_id):
    body = juspay_sim.http.get(f"/orders/{order_id}").json()

    assert body["status"] == "CHARGED" and body["status_id"] == 21
    assert body["amount"] == 1499 and isinstance(body["amount"], float)
    assert isinstance(body["effective_amount"], float)
    assert body["refunded"] is False and body["amount_refunded"] == 0
    assert body["maximum_eligible_refund_amount"] == 1499
    assert body["id"].startswith("ordeh_") and len(body["id"]) == len("ordeh_") + 32
    assert body["txn_id"] == f"{juspay_sim.merchant_id}-{order_id}-1"
    assert body["payment_method_type"] == "CARD" and body["card"]["card_brand"] == body["payment_method"]
    assert isinstance(body["gateway_id"], int)
    assert body["txn_detail"]["status"] == "CHARGED"
    assert isinstance(body["txn_detail"]["txn_amount_breakup"], list)
    assert body["date_created"].endswith("Z") and "." not in body["date_created"]
    assert [body[f"udf{i}"] for i in range(2, 11)] == [""] * 9
    assert "gateway_response" not in body["payment_gateway_response"]


def test_full_gateway_response_option(juspay_sim, order_id):
    body = juspay_sim.http.get(f"/orders/{order_id}", params={"options.add_full_gateway_response": "true"}).json()

    raw = body["payment_gateway_response"]["gateway_response"]
    assert isinstance(raw, dict) and raw


def test_unknown_order_is_400_not_found(juspay_sim):
    response = juspay_sim.http.get("/orders/NOSUCHORDER1")

    assert response.status_code == 400
    assert response.json() == {
        "status": "NOT_FOUND",
        "status_id": 40,
        "order_id": "NOSUCHORDER1",
        "error_info": {
            "user_message": "Order Not Found",
            "developer_message": "Order Not Found",
            "code": "RESOURCE_NOT_FOUND",
            "category": "USER_ERROR",
        },
    }


def test_payout_order_status_fills_only_expanded_sections(juspay_sim):
    url = "/payout/merchant/v1/orders"
    payout_id = next(
        pid
        for pid in juspay_sim.payout_order_ids()
        if (answer := juspay_sim.http.get(f"{url}/{pid}", params={"expand": "payment"}).json())["payments"]
        and answer["type"] == "PAY_AND_FULFILL"
    )

    everything = juspay_sim.http.get(f"{url}/{payout_id}", params={"expand": "fulfillment,payment,refund"}).json()
    only_fulfillment = juspay_sim.http.get(f"{url}/{payout_id}", params={"expand": "fulfillment"}).json()
    nothing = juspay_sim.http.get(f"{url}/{payout_id}").json()

    assert everything["orderId"] == payout_id and everything["type"] == "PAY_AND_FULFILL"
    assert everything["fulfillments"] and everything["payments"]
    assert only_fulfillment["fulfillments"] == everything["fulfillments"] and only_fulfillment["payments"] == []
    assert nothing["fulfillments"] == [] and nothing["payments"] == [] and nothing["refunds"] == []
    fulfillment = everything["fulfillments"][0]
    assert fulfillment["id"].endswith("-f1") and fulfillment["type"] == "ORDER"
    assert isinstance(fulfillment["amount"], float) and fulfillment["beneficiaryDetails"]["type"]
    assert abs(sum(f["amount"] for f in everything["fulfillments"]) - everything["amount"]) < 0.01


def test_unknown_payout_order_is_an_error(juspay_sim):
    response = juspay_sim.http.get("/payout/merchant/v1/orders/PO-missing-1")

    assert response.status_code == 400
    assert response.json()["error_info"]["code"] == "RESOURCE_NOT_FOUND"


def test_sim_endpoints_need_the_api_key(juspay_sim):
    response = juspay_sim.http.get("/__sim__/orders", auth=None)

    assert response.status_code == 401


def test_sim_order_listing_pages(juspay_sim):
    everything = juspay_sim.http.get("/__sim__/orders").json()
    page = juspay_sim.http.get("/__sim__/orders", params={"limit": 5, "offset": 10}).json()

    assert page["orders"] == everything["orders"][10:15]
    assert page["payout_orders"] == everything["payout_orders"][10:15]
    assert page["total_orders"] == len(everything["orders"]) >= 60
    assert not set(everything["orders"]) & set(everything["payout_orders"])


def test_created_order_uses_given_customer(juspay_sim):
    order_id = juspay_sim.create_order(
        amount=250.5,
        status="PENDING_VBV",
        payment_method_type="UPI",
        customer={
            "customer_id": "cust_given",
            "name": "Asha Rao",
            "email": "asha.rao@example.com",
            "phone": "9812345678",
        },
    )
    body = juspay_sim.http.get(f"/orders/{order_id}").json()

    assert body["status"] == "PENDING_VBV" and body["status_id"] == 23 and body["amount"] == 250.5
    assert (body["customer_id"], body["customer_email"], body["customer_phone"]) == (
        "cust_given",
        "asha.rao@example.com",
        "9812345678",
    )
    assert body["upi"]["payer_app"] == body["payer_app_name"]
    assert order_id in juspay_sim.order_ids()
