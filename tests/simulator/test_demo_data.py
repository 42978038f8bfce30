"""Demo data: the same seed gives the same answers, and every documented variant is there to look at."""

import re
from collections import Counter

import pytest

from dashboard.juspay_simulator.clock import parse_iso
from tests.fixtures.simulator import start_simulator

START = parse_iso("2026-03-02T09:30:00Z")
STATUS_IDS = {
    "CREATED": 1,
    "NEW": 10,
    "STARTED": 20,
    "CHARGED": 21,
    "JUSPAY_DECLINED": 22,
    "PENDING_VBV": 23,
    "VBV_SUCCESSFUL": 24,
    "AUTHORIZED": 25,
    "AUTHENTICATION_FAILED": 26,
    "AUTHORIZATION_FAILED": 27,
    "AUTHORIZING": 28,
    "COD_INITIATED": 29,
    "VOIDED": 31,
    "VOID_INITIATED": 32,
    "CAPTURE_INITIATED": 33,
    "CAPTURE_FAILED": 34,
    "VOID_FAILED": 35,
    "AUTO_REFUNDED": 36,
    "PARTIAL_CHARGED": 37,
}


@pytest.fixture(scope="module")
def frozen_sims():
    """Three frozen simulators: seed 7 twice, seed 8 once."""
    with (
        start_simulator(seed=7, start=START) as first,
        start_simulator(seed=7, start=START) as twin,
        start_simulator(seed=8, start=START) as other,
    ):
        yield [first, twin, other]


@pytest.fixture(scope="module")
def snapshot(frozen_sims):
    """Every order and payout order of the first seed-7 simulator, as Order Status answers them."""
    sim = frozen_sims[0]
    orders = [sim.http.get(f"/orders/{oid}").json() for oid in sim.order_ids()]
    payouts = [
        sim.http.get(f"/payout/merchant/v1/orders/{pid}", params={"expand": "fulfillment,payment,refund"}).json()
        for pid in sim.payout_order_ids()
    ]
    return orders, payouts


def test_same_seed_gives_the_same_answers(frozen_sims, snapshot):
    first, twin, other = frozen_sims
    orders, payouts = snapshot

    assert twin.order_ids() == first.order_ids() and twin.payout_order_ids() == first.payout_order_ids()
    for body in orders:
        assert twin.http.get(f"/orders/{body['order_id']}").json() == body
    for body in payouts:
        assert (
            twin.http.get(
                f"/payout/merchant/v1/orders/{body['orderId']}", params={"expand": "fulfillment,payment,refund"}
            ).json()
            == body
        )
    assert other.order_ids() != first.order_ids()


def test_every_order_status_of_the_table_exists(snapshot):
    orders, _ = snapshot

    assert {o["status"] for o in orders} == set(STATUS_IDS)
    assert all(STATUS_IDS[o["status"]] == o["status_id"] for o in orders)


def test_payment_methods_and_split_payments(snapshot):
    orders, _ = snapshot
    top = {o["payment_method_type"] for o in orders}
    legs = [leg for o in orders for leg in o.get("txn_list", [])]

    assert {"CARD", "UPI", "NB", "WALLET"} <= top
    assert any(o["payment_method_type"] == "CARD" and o["card"]["last_four_digits"] for o in orders)
    assert any(o["payment_method_type"] == "UPI" and o["upi"]["payer_app"] for o in orders)
    assert any(o["payment_method_type"] == "WALLET" and o["wallet"]["txn_flow_type"] for o in orders)
    assert {leg["status"] for leg in legs} >= {"CHARGED", "TO_BE_CHARGED", "AUTO_REFUNDED"}
    assert all(re.fullmatch(r".+-\d+-\d+", leg["txn_id"]) for leg in legs)
    assert any(o.get("txn_id", "").endswith("-2") for o in orders)  # a retried payment


def test_refunds_in_every_state(snapshot):
    orders, _ = snapshot
    refunds = [r for o in orders for r in o.get("refunds", [])]

    assert {r["status"] for r in refunds} == {"PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW"}
    assert {r["sent_to_gateway"] for r in refunds if r["status"] == "PENDING"} == {True, False}
    assert any(len(o.get("refunds", [])) >= 3 for o in orders)
    assert any(o["refunded"] for o in orders)
    assert any(not o["refunded"] and o["amount_refunded"] > 0 for o in orders)
    for o in orders:
        counted = sum(r["amount"] for r in o.get("refunds", []) if r["status"] != "FAILURE")
        assert o["amount_refunded"] == pytest.approx(counted)


def test_offers_cover_benefit_types_rules_and_statuses(snapshot):
    orders, _ = snapshot
    offers = [(o, offer) for o in orders for offer in o["offers"]]
    kinds = {(b["type"], b["calculation_info"]["calculation_rule"]) for _, offer in offers for b in offer["benefits"]}

    assert kinds == {
        ("DISCOUNT", "PERCENTAGE"),
        ("DISCOUNT", "ABSOLUTE"),
        ("CASHBACK", "PERCENTAGE"),
        ("CASHBACK", "ABSOLUTE"),
    }
    assert {offer["status"] for _, offer in offers} >= {
        "AVAILED",
        "PARTIALLY_REFUNDED",
        "REFUNDED",
        "INITIATED",
        "FAILED",
    }
    for order, offer in offers:
        discount = sum(b["amount"] for b in offer["benefits"] if b["type"] == "DISCOUNT")
        assert order["effective_amount"] == pytest.approx(order["amount"] - discount)


def test_split_settlement_applied_and_not(snapshot):
    orders, _ = snapshot
    splits = [o["split_settlement_response"] for o in orders if "split_settlement_response" in o]

    assert {s["split_applied"] for s in splits} == {True, False}
    applied = next(s for s in splits if s["split_applied"])
    assert len(applied["split_details"]) >= 2 and all(d["sub_vendor_id"] for d in applied["split_details"])


def test_payout_orders_cover_fulfillment_and_transaction_states(snapshot):
    orders, payouts = snapshot
    fulfillments = [f for p in payouts for f in p["fulfillments"]]
    txns = [t for f in fulfillments for t in f["transactions"]]

    assert {f["status"] for f in fulfillments} >= {
        "CREATED",
        "PENDING",
        "SUCCESS",
        "FAILURE",
        "MANUAL_REVIEW",
        "CANCELLED",
    }
    assert {t["status"] for t in txns} >= {"PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW", "REVERSED", "CONFLICTED"}
    assert {f["beneficiaryDetails"]["type"] for f in fulfillments} == {
        "ACCOUNT_IFSC",
        "UPI_ID",
        "CARD",
        "WALLET",
        "BENE_ID",
    }
    assert {p["status"] for p in payouts} >= {
        "CREATED",
        "READY_FOR_FULFILLMENT",
        "FULFILLMENTS_SCHEDULED",
        "FULFILLED_PARTIALLY",
        "FULFILLMENTS_SUCCESSFUL",
        "FULFILLMENTS_FAILURE",
        "FULFILLMENTS_CANCELLED",
        "FULFILLMENTS_MANUAL_REVIEW",
    }
    assert any(p["payments"] for p in payouts) and any(p["refunds"] for p in payouts)
    assert {p["customerId"] for p in payouts} & {o["customer_id"] for o in orders}


def test_customers_and_ids_look_real(snapshot):
    orders, payouts = snapshot
    per_customer = Counter(o["customer_id"] for o in orders)

    assert max(per_customer.values()) >= 3
    for o in orders:
        assert re.fullmatch(r"[A-Za-z0-9]{1,21}", o["order_id"])
        assert re.fullmatch(r"ordeh_[0-9a-f]{32}", o["id"])
        assert re.fullmatch(r"[6-9]\d{9}", o["customer_phone"])
        assert re.fullmatch(r"[a-z.]+\d*@[a-z.]+", o["customer_email"])
        if o.get("txn_id"):
            assert re.fullmatch(rf"sim_merchant-{o['order_id']}-\d", o["txn_id"])
    for p in payouts:
        assert re.fullmatch(r"[A-Za-z0-9_,\-@]{4,64}", p["orderId"])
        assert all(f["id"].endswith(f"-f{n}") for n, f in enumerate(p["fulfillments"], start=1))


def test_reset_brings_back_the_generated_data(frozen_sims):
    sim = frozen_sims[2]
    before = sim.order_ids()
    extra = sim.create_order(amount=10, status="CHARGED")

    response = sim.http.post("/__sim__/reset")

    assert response.status_code == 200
    assert extra not in sim.order_ids() and sim.order_ids() == before
