"""Webhooks: envelope, Basic auth, retry with backoff, duplicates, events for transitions over time."""

import base64
import re
import time

import pytest

from tests.fixtures.simulator import WebhookReceiver

MINUTE = 60


def events_for(received: list[tuple[dict, dict]], order_id: str) -> list[tuple[dict, dict]]:
    return [
        (headers, body)
        for headers, body in received
        if body.get("content", {}).get("order", body.get("content", {}).get("txn", {})).get("order_id") == order_id
    ]


def events_for_bodies(bodies: list[dict], order_id: str) -> list[dict]:
    return [body for body in list(bodies) if body.get("content", {}).get("order", {}).get("order_id") == order_id]


def settled_attempts(deliveries: list[dict], event_id: str) -> list[dict] | None:
    """Every attempt at one event once no further one is scheduled (None while a retry is still due)."""
    tried = [d for d in deliveries if d["event_id"] == event_id]
    return tried if tried and tried[-1]["retry_in_seconds"] is None else None


def wait_until(predicate, timeout: float = 10.0):
    """Poll until predicate() is truthy and return its value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.02)
    return value


def names(received: list[tuple[dict, dict]]) -> list[str]:
    return [body["event_name"] for _, body in received]


def refund(sim, order_id: str, unique_request_id: str, amount: str) -> None:
    response = sim.http.post(
        f"/orders/{order_id}/refunds", data={"unique_request_id": unique_request_id, "amount": amount}
    )
    assert response.status_code == 200


def test_refund_webhooks_carry_basic_auth_and_the_order(juspay_sim, webhook_receiver):
    juspay_sim.set_webhook(webhook_receiver.url, "jp_hooks", "s3cret-pass")
    juspay_sim.set_faults(refund_outcome="SUCCESS")
    order_id = juspay_sim.create_order(amount=700, status="CHARGED")

    refund(juspay_sim, order_id, "RFDW1", "200")
    initiated = webhook_receiver.wait_for(lambda got: "REFUND_INITIATED" in names(events_for(got, order_id)))
    juspay_sim.advance(50 * MINUTE)
    received = webhook_receiver.wait_for(lambda got: "ORDER_REFUNDED" in names(events_for(got, order_id)))

    headers, body = events_for(initiated, order_id)[0]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"jp_hooks:s3cret-pass").decode()
    assert headers["Content-Type"] == "application/json"
    assert re.fullmatch(r"evt_V2_[0-9a-f]{32}", body["id"])
    assert body["date_created"].endswith("Z")
    assert body["content"]["order"]["refunds"][0]["status"] == "PENDING"
    _, refunded = [event for event in events_for(received, order_id) if event[1]["event_name"] == "ORDER_REFUNDED"][0]
    assert refunded["content"]["order"]["status"] == "CHARGED"
    assert refunded["content"]["order"]["refunds"][0]["status"] == "SUCCESS"
    assert refunded["id"] != body["id"]


@pytest.fixture
def flaky_receiver():
    receiver = WebhookReceiver(fail_first=2)
    yield receiver
    receiver.close()


def test_non_2xx_answers_are_retried_until_accepted(juspay_sim, flaky_receiver):
    juspay_sim.set_webhook(flaky_receiver.url, "jp_hooks", "pw", backoff_seconds=0.1, max_attempts=5)
    order_id = juspay_sim.create_order(amount=300, status="CHARGED")

    refund(juspay_sim, order_id, "RFDW2", "100")
    received = flaky_receiver.wait_for(lambda got: events_for(got, order_id))

    assert names(events_for(received, order_id)) == ["REFUND_INITIATED"]
    attempts = [d for d in juspay_sim.webhook_deliveries() if d["event_id"] == received[0][1]["id"]]
    assert [(d["attempt"], d["status"]) for d in attempts] == [(1, 500), (2, 500), (3, 200)]
    first_wait, second_wait = (attempts[1]["at"] - attempts[0]["at"]), (attempts[2]["at"] - attempts[1]["at"])
    assert first_wait >= 0.09 and second_wait >= 0.19  # backoff 0.1 s, doubling


def test_retries_are_bounded(juspay_sim):
    receiver = WebhookReceiver(fail_first=100)
    try:
        juspay_sim.set_webhook(receiver.url, "u", "p", backoff_seconds=0.05, max_attempts=3)
        order_id = juspay_sim.create_order(amount=300, status="CHARGED")
        refund(juspay_sim, order_id, "RFDW3", "100")
        event_id = wait_until(lambda: next((b["id"] for b in events_for_bodies(receiver.attempts, order_id)), None))
        # The simulator's own record says when the next attempt comes: None on the last one, it gave up.
        attempts = wait_until(lambda: settled_attempts(juspay_sim.webhook_deliveries(), event_id))
        tries = len(events_for_bodies(receiver.attempts, order_id))
    finally:
        receiver.close()

    assert [(d["attempt"], d["status"], d["retry_in_seconds"]) for d in attempts] == [
        (1, 500, 0.05),
        (2, 500, 0.1),
        (3, 500, None),
    ]
    assert tries == 3


def test_duplicates_deliver_the_same_event_twice(juspay_sim, webhook_receiver):
    juspay_sim.set_webhook(webhook_receiver.url, "u", "p", duplicates=1.0)
    order_id = juspay_sim.create_order(amount=300, status="CHARGED")

    refund(juspay_sim, order_id, "RFDW4", "100")
    received = webhook_receiver.wait_for(lambda got: len(events_for(got, order_id)) >= 2)

    first, second = (body for _, body in events_for(received, order_id))
    assert first == second


def test_payment_resolution_fires_order_and_txn_events(juspay_sim, webhook_receiver):
    juspay_sim.set_webhook(webhook_receiver.url, "u", "p")
    order_id = juspay_sim.create_order(
        amount=450, status="PENDING_VBV", resolve_to="CHARGED", resolve_after_seconds=120
    )

    juspay_sim.advance(121)
    received = webhook_receiver.wait_for(
        lambda got: {"ORDER_SUCCEEDED", "TXN_CHARGED"} <= set(names(events_for(got, order_id)))
    )

    by_name = {body["event_name"]: body for _, body in events_for(received, order_id)}
    assert by_name["ORDER_SUCCEEDED"]["content"]["order"]["status_id"] == 21
    txn = by_name["TXN_CHARGED"]["content"]["txn"]
    assert txn["status"] == "CHARGED" and txn["txn_id"] == f"{juspay_sim.merchant_id}-{order_id}-1"


def test_failed_payment_fires_order_failed(juspay_sim, webhook_receiver):
    juspay_sim.set_webhook(webhook_receiver.url, "u", "p")
    order_id = juspay_sim.create_order(
        amount=450, status="PENDING_VBV", resolve_to="AUTHENTICATION_FAILED", resolve_after_seconds=60
    )

    juspay_sim.advance(61)
    received = webhook_receiver.wait_for(lambda got: "ORDER_FAILED" in names(events_for(got, order_id)))

    order = next(body for _, body in events_for(received, order_id) if body["event_name"] == "ORDER_FAILED")
    assert order["content"]["order"]["status"] == "AUTHENTICATION_FAILED"
    assert order["content"]["order"]["bank_error_code"]


def payout_labels(received: list[tuple[dict, dict]], payout_id: str) -> set[str]:
    """Labels of the payout webhooks received for one payout order (its transactions name its fulfillments)."""
    mine = [body for _, body in received if "label" in body and body["info"].get("merchantOrderId") == payout_id]
    fulfillments = {body["info"]["id"] for body in mine if body["label"] == "FULFILLMENT_ORDER"}
    txns = [body for _, body in received if body.get("label") == "FULFILLMENT_TXN"]
    return {body["label"] for body in mine} | {
        body["label"] for body in txns if body["info"].get("FulfillmentId") in fulfillments
    }


def test_payout_transitions_fire_payout_webhooks(juspay_sim, webhook_receiver):
    juspay_sim.set_webhook(webhook_receiver.url, "u", "p")
    payout_id = juspay_sim.create_payout_order(fulfillments=["PENDING"])

    juspay_sim.advance(3 * 3600)  # a pending fulfillment settles within two hours
    received = webhook_receiver.wait_for(
        lambda got: payout_labels(got, payout_id) >= {"ORDER", "FULFILLMENT_ORDER", "FULFILLMENT_TXN"}
    )

    payout = [body for _, body in received if "label" in body]
    assert all(re.fullmatch(r"[0-9a-f]{32}", body["id"]) and body["category"] == "INFO" for body in payout)
    [order_event] = [b for b in payout if b["label"] == "ORDER" and b["info"]["merchantOrderId"] == payout_id]
    assert order_event["value"] == order_event["info"]["status"] == "FULFILLMENTS_SUCCESSFUL"
    assert order_event["info"]["orderType"] == "FULFILL_ONLY"
    [fulfillment_event] = [
        b for b in payout if b["label"] == "FULFILLMENT_ORDER" and b["info"]["merchantOrderId"] == payout_id
    ]
    assert fulfillment_event["value"] == "SUCCESS"
    fulfillment_id = fulfillment_event["info"]["id"]
    [txn_event] = [
        b for b in payout if b["label"] == "FULFILLMENT_TXN" and b["info"]["FulfillmentId"] == fulfillment_id
    ]
    assert txn_event["value"] == "SUCCESS" and txn_event["info"]["id"] == f"{fulfillment_id}-t1"
    status = juspay_sim.http.get(f"/payout/merchant/v1/orders/{payout_id}", params={"expand": "fulfillment"}).json()
    assert status["status"] == "FULFILLMENTS_SUCCESSFUL"
    assert status["fulfillments"][0]["transactions"][0]["status"] == "SUCCESS"
