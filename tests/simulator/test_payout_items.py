"""The simulator's payout Order Status with expand=payment and expand=refund: every field of the v3.2 page's
`payments[]` and `refunds[]` tables, under the page's names and with the page's types; PAYMENTS_ONLY and
REFUNDS_ONLY payout orders; every documented payout order and item status in the demo data; and our client
parses all of it without an unknown field or value (https://juspay.io/api-reference/docs/payout/order-status)."""

import json
from decimal import Decimal

import pytest

from dashboard.juspay.types_payout import PayoutOrder
from dashboard.juspay_simulator.clock import parse_iso
from tests.fixtures.simulator import start_simulator

START = parse_iso("2026-03-02T09:30:00Z")
EXPAND = {"expand": "fulfillment,payment,refund"}

# The v3.2 page's tables: field -> its documented type ("String", "Boolean", "Object").
PAYMENT_FIELDS = {
    "payment_method_type": "String",
    "payment_method": "String",
    "updatedBy": "String",
    "updatedAt": "String",
    "type": "String",
    "id": "String",
    "createdAt": "String",
    "status": "String",
    "statusUpdatedAt": "String",
    "merchantCustomerId": "String",
    "amount": "String",
    "auth-type": "String",
    "upi_details": "Object",
    "wallet_details": "Object",
    "card_details": "Object",  # the page titles it "card details"
    "bank_details": "Object",
}
UPI_FIELDS = {"payer_vpa": "String"}
WALLET_FIELDS = {"brand": "String", "walletIdentifier": "String"}
CARD_FIELDS = {
    "using_saved_card": "Boolean",
    "saved_to_locker": "Boolean",
    "last_four_digits": "String",
    "name_on_card": "String",
    "expiry_year": "String",
    "expiry_month": "String",
    "card_type": "String",
    "card_issuer": "String",
    "card_isin": "String",
    "card_brand": "String",
}
BANK_FIELDS = {
    "object": "String",
    "id": "String",
    "customer_id": "String",
    "date_created": "String",
    "bank_name": "String",
    "account_number": "String",
    "beneficiary_name": "String",
    "ifsc": "String",
    "validation_amount": "String",
    "currency": "String",
    "validation_status": "String",
    "last_validated": "String",
    "metadata": "String",  # "Custom key-value sets": JSON text
}
REFUND_FIELDS = {
    "unique_request_id": "String",
    "ref": "String",
    "id": "String",
    "type": "String",
    "amount": "String",
    "updatedBy": "String",
    "createdAt": "String",
    "updatedAt": "String",
    "statusUpdatedAt": "String",
    "status": "String",
    "merchantCustomerId": "String",
    "error_message": "String",
    "sent_to_gateway": "Boolean",
}
PYTHON_TYPE = {"String": str, "Boolean": bool, "Object": dict}
ITEM_STATUSES = {"SUCCESS", "PENDING", "FAILURE", "MANUAL_REVIEW"}
ORDER_STATUSES = {
    "CREATED",
    *(f"READY_FOR_{k}" for k in ("FULFILLMENT", "PAYMENTS", "REFUNDS")),
    *(f"{k}_{s}" for k in ("FULFILLMENTS", "PAYMENTS", "REFUNDS") for s in ("SCHEDULED", "FAILURE", "SUCCESSFUL")),
    *(f"{k}_MANUAL_REVIEW" for k in ("FULFILLMENTS", "PAYMENTS", "REFUNDS")),
}


@pytest.fixture(scope="module")
def answers():
    with start_simulator(seed=7, start=START) as sim:
        yield [
            sim.http.get(f"/payout/merchant/v1/orders/{pid}", params=EXPAND).json() for pid in sim.payout_order_ids()
        ]


def check_fields(item: dict, documented: dict[str, str], where: str) -> None:
    missing = set(documented) - set(item)
    assert not missing, f"{where}: documented fields missing {sorted(missing)}"
    for name, kind in documented.items():
        assert isinstance(item[name], PYTHON_TYPE[kind]), f"{where}.{name}: {item[name]!r} is not a {kind}"
        if kind == "String" and name not in ("error_message", "ref"):
            assert item[name], f"{where}.{name} is empty"


def test_every_payment_carries_every_documented_field_with_its_documented_type(answers):
    payments = [p for a in answers for p in a["payments"]]
    assert payments
    for index, payment in enumerate(payments):
        where = f"payments[{index}]"
        check_fields(payment, PAYMENT_FIELDS, where)
        check_fields(payment["upi_details"], UPI_FIELDS, f"{where}.upi_details")
        check_fields(payment["wallet_details"], WALLET_FIELDS, f"{where}.wallet_details")
        check_fields(payment["card_details"], CARD_FIELDS, f"{where}.card_details")
        check_fields(payment["bank_details"], BANK_FIELDS, f"{where}.bank_details")
        assert Decimal(payment["amount"]) > 0 and payment["type"] == "PAYMENT"
        assert payment["payment_method_type"] in {"CARD", "NB", "WALLET", "UPI"}  # "Must be either ..."
        assert isinstance(json.loads(payment["bank_details"]["metadata"]), dict)
        assert payment["bank_details"]["validation_status"] in {"CREATED", "PENDING", "ACTIVE"}
        assert payment["id"].startswith("ordeh_")  # Juspay's id of the payment order


def test_every_refund_carries_every_documented_field_with_its_documented_type(answers):
    refunds = [r for a in answers for r in a["refunds"]]
    assert refunds
    for index, refund in enumerate(refunds):
        check_fields(refund, REFUND_FIELDS, f"refunds[{index}]")
        assert Decimal(refund["amount"]) > 0 and refund["type"] == "REFUND"
        assert bool(refund["error_message"]) == (refund["status"] == "FAILURE")
    assert any(r["error_message"] for r in refunds) and any(r["ref"] for r in refunds)


def test_the_demo_has_every_documented_payout_type_and_status(answers):
    assert {a["type"] for a in answers} >= {"FULFILL_ONLY", "PAY_AND_FULFILL", "PAYMENTS_ONLY", "REFUNDS_ONLY"}
    assert {a["status"] for a in answers} >= ORDER_STATUSES
    assert {p["status"] for a in answers for p in a["payments"]} == ITEM_STATUSES
    assert {r["status"] for a in answers for r in a["refunds"]} == ITEM_STATUSES
    fulfillments = [f for a in answers for f in a["fulfillments"]]
    assert {f["status"] for f in fulfillments} >= ITEM_STATUSES
    assert {t["status"] for f in fulfillments for t in f["transactions"]} >= ITEM_STATUSES


def test_payments_only_and_refunds_only_orders_carry_their_items_and_no_fulfilment(answers):
    for answer in answers:
        if answer["type"] in ("PAYMENTS_ONLY", "REFUNDS_ONLY"):
            assert answer["fulfillments"] == []
            other = "refunds" if answer["type"] == "PAYMENTS_ONLY" else "payments"
            assert answer[other] == []
            if answer["status"].endswith("_SUCCESSFUL"):
                mine = answer["payments"] or answer["refunds"]
                assert abs(sum(Decimal(i["amount"]) for i in mine) - Decimal(str(answer["amount"]))) < Decimal("0.01")


def test_our_client_parses_every_payout_answer_without_anything_unknown(answers):
    for answer in answers:
        parsed = PayoutOrder.parse(answer)
        assert parsed.unknown_fields() == [], answer["orderId"]
        assert parsed.unknown_values() == [], answer["orderId"]
        for item, raw in zip(parsed.payments, answer["payments"], strict=True):
            assert item.amount == Decimal(raw["amount"]) and item.auth_type == raw["auth-type"]
            assert item.card_details is not None and item.card_details.last_four_digits
            assert item.bank_details is not None and isinstance(item.bank_details.metadata, dict)
        for item, raw in zip(parsed.refunds, answer["refunds"], strict=True):
            assert item.unique_request_id == raw["unique_request_id"]
            assert item.sent_to_gateway is raw["sent_to_gateway"]


def test_items_move_with_the_clock():
    with start_simulator(seed=3, start=START) as sim:
        payout_id = sim.create_payout_order(type="REFUNDS_ONLY", items=["PENDING"])
        url = f"/payout/merchant/v1/orders/{payout_id}"
        before = sim.http.get(url, params={"expand": "refund"}).json()
        sim.advance(3 * 3600)
        after = sim.http.get(url, params={"expand": "refund"}).json()
    assert before["type"] == "REFUNDS_ONLY" and [r["status"] for r in before["refunds"]] == ["PENDING"]
    assert before["status"] == "REFUNDS_SCHEDULED" or before["status"].startswith(("CREATED", "READY_FOR"))
    assert [r["status"] for r in after["refunds"]] == ["SUCCESS"] and after["status"] == "REFUNDS_SUCCESSFUL"
