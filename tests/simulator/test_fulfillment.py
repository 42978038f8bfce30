"""Order Fulfillment Sync: happy path, "No txn Found", duplicate commands, split settlement, bad input."""

import json

import httpx
import pytest


def fulfil(sim, order_id: str, as_json: bool = False, **fields) -> httpx.Response:
    url = f"/orders/{order_id}/fulfillment"
    if as_json:
        return sim.http.post(url, json=fields)
    return sim.http.post(url, data=fields)


@pytest.fixture
def order_id(juspay_sim) -> str:
    return juspay_sim.create_order(amount=900, status="CHARGED")


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_fulfillment_is_recorded(juspay_sim, order_id, as_json):
    response = fulfil(
        juspay_sim,
        order_id,
        as_json=as_json,
        fulfillment_status="SUCCESS",
        fulfillment_command="BLOCK_IMEI",
        fulfillment_time="2024-06-11T15:42:10",
        fulfillment_id="DLV-1",
        fulfillment_data="imei=356938035643809",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["order_id"], body["merchant_id"]) == ("SUCCESS", order_id, juspay_sim.merchant_id)
    [command] = body["commands"]
    assert command["command"] == "BLOCK_IMEI" and command["status"] == "SUCCESS"
    assert command["metadata"] == "imei=356938035643809" and command["date_created"].endswith("Z")


def test_repeated_command_is_rejected_as_already_exists(juspay_sim, order_id):
    fields = {"fulfillment_status": "SUCCESS", "fulfillment_command": "INITIATE_CREDIT", "fulfillment_id": "D1"}
    assert fulfil(juspay_sim, order_id, **fields).status_code == 200

    repeat = fulfil(juspay_sim, order_id, **{**fields, "fulfillment_id": "D2"})

    assert repeat.status_code == 400
    body = repeat.json()
    assert body["status"] == "ERROR" and body["error_code"] == "invalid_request"
    assert body["error_info"]["code"] == "ALREADY_EXISTS" and body["error_info"]["category"] == "USER_ERROR"
    assert body["error_message"] == "The request is redundant,command has been previously executed successfully"


def test_no_action_repeats_even_with_the_same_fulfillment_id(juspay_sim, order_id):
    """NO_ACTION's SUCCESS is not terminal and its id may repeat ("A unique/repeat merchant-generated
    identifier"): every one is stored."""
    first = fulfil(
        juspay_sim, order_id, fulfillment_status="SUCCESS", fulfillment_command="NO_ACTION", fulfillment_id="AWB-1"
    )
    second_parcel = fulfil(
        juspay_sim, order_id, fulfillment_status="SUCCESS", fulfillment_command="NO_ACTION", fulfillment_id="AWB-2"
    )
    same_again = fulfil(
        juspay_sim, order_id, fulfillment_status="SUCCESS", fulfillment_command="NO_ACTION", fulfillment_id="AWB-1"
    )

    assert (first.status_code, second_parcel.status_code, same_again.status_code) == (200, 200, 200)
    assert [c["command"] for c in same_again.json()["commands"]] == ["NO_ACTION"] * 3


def test_initiate_refund_creates_one_refund_of_what_is_eligible(juspay_sim, order_id):
    fields = {"fulfillment_status": "SUCCESS", "fulfillment_command": "INITIATE_REFUND", "fulfillment_id": "R1"}
    assert fulfil(juspay_sim, order_id, **fields).status_code == 200
    [refund] = juspay_sim.refunds(order_id)
    assert float(refund["amount"]) == 900.0

    repeat = fulfil(juspay_sim, order_id, **fields)

    assert repeat.status_code == 400 and repeat.json()["error_info"]["code"] == "ALREADY_EXISTS"
    assert len(juspay_sim.refunds(order_id)) == 1


def test_initiate_refund_takes_the_amount_from_json_fulfillment_data(juspay_sim, order_id):
    too_much = fulfil(
        juspay_sim,
        order_id,
        fulfillment_status="SUCCESS",
        fulfillment_command="INITIATE_REFUND",
        fulfillment_data='{"amount": "900.01"}',
    )
    assert too_much.status_code == 400 and juspay_sim.refunds(order_id) == []

    response = fulfil(
        juspay_sim,
        order_id,
        fulfillment_status="SUCCESS",
        fulfillment_command="INITIATE_REFUND",
        fulfillment_data='{"amount": "250.00"}',
    )

    assert response.status_code == 200
    assert [float(r["amount"]) for r in juspay_sim.refunds(order_id)] == [250.0]


@pytest.mark.parametrize("status", ["NEW", "PENDING_VBV", "AUTHENTICATION_FAILED", "AUTHORIZED"])
def test_order_without_charged_transaction_has_no_txn_found(juspay_sim, status):
    order_id = juspay_sim.create_order(amount=300, status=status)

    response = fulfil(juspay_sim, order_id, fulfillment_status="SUCCESS", fulfillment_command="NO_ACTION")

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "ERROR" and body["error_code"] == "No txn Found"
    assert body["error_message"] == "No successfull txn found for given order_id "
    assert body["error_info"]["code"] == "RESOURCE_NOT_FOUND" and body["error_info"]["request_id"]


def test_post_txn_split_settlement_shows_in_order_status(juspay_sim, order_id):
    details = {
        "marketplace": {"amount": 100},
        "mdr_borne_by": "ALL",
        "vendor": {
            "split": [
                {"amount": 500, "merchant_commission": 25, "sub_mid": "vendor_north_01"},
                {"amount": 300, "merchant_commission": 15, "sub_mid": "vendor_south_07"},
            ]
        },
    }

    response = fulfil(
        juspay_sim,
        order_id,
        fulfillment_status="SUCCESS",
        fulfillment_command="POST_TXN_SPLIT_SETTLEMENT",
        split_settlement_details=json.dumps(details),
    )
    repeat = fulfil(
        juspay_sim,
        order_id,
        fulfillment_status="SUCCESS",
        fulfillment_command="POST_TXN_SPLIT_SETTLEMENT",
        split_settlement_details=json.dumps(details),
    )
    order = juspay_sim.http.get(f"/orders/{order_id}").json()

    assert response.status_code == 200 and response.json()["commands"][0]["error_message"] == "SUCCESS"
    assert repeat.status_code == 400 and repeat.json()["error_info"]["code"] == "ALREADY_EXISTS"
    split = order["split_settlement_response"]
    assert split["split_applied"] is True
    assert [(d["sub_vendor_id"], d["amount"]) for d in split["split_details"]] == [
        ("vendor_north_01", 500),
        ("vendor_south_07", 300),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"fulfillment_command": "NO_ACTION"},
        {"fulfillment_status": "SUCCESS"},
        {"fulfillment_status": "MAYBE", "fulfillment_command": "NO_ACTION"},
        {"fulfillment_status": "SUCCESS", "fulfillment_command": "TELEPORT"},
        {
            "fulfillment_status": "SUCCESS",
            "fulfillment_command": "POST_TXN_SPLIT_SETTLEMENT",
            "split_settlement_details": "{not json",
        },
    ],
)
def test_bad_input_is_a_structured_400(juspay_sim, order_id, fields):
    response = fulfil(juspay_sim, order_id, **fields)

    assert response.status_code == 400
    assert response.json()["error_info"]["code"] == "INVALID_INPUT"


def test_unknown_order(juspay_sim):
    response = fulfil(juspay_sim, "NOSUCHORDER3", fulfillment_status="SUCCESS", fulfillment_command="NO_ACTION")

    assert response.status_code == 400
    assert response.json()["status"] == "NOT_FOUND" and response.json()["status_id"] == 40
