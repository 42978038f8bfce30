"""Refund Order API: bodies, documented errors, idempotency by unique_request_id, lifecycle over time."""

import httpx
import pytest

MINUTE = 60
DAY = 86400


def refund(sim, order_id: str, as_json: bool = False, **fields) -> httpx.Response:
    url = f"/orders/{order_id}/refunds"
    if as_json:
        return sim.http.post(url, json=fields)
    return sim.http.post(url, data=fields)


def status(sim, order_id: str) -> dict:
    return sim.http.get(f"/orders/{order_id}").json()


@pytest.fixture
def order_id(juspay_sim) -> str:
    return juspay_sim.create_order(amount=1000, status="CHARGED")


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_refund_returns_the_order_with_a_queued_refund(juspay_sim, order_id, as_json):
    response = refund(juspay_sim, order_id, as_json=as_json, unique_request_id="RFD1", amount="250.00")

    assert response.status_code == 200
    body = response.json()
    assert body["order_id"] == order_id and body["status"] == "CHARGED"
    assert body["amount_refunded"] == 250 and body["maximum_eligible_refund_amount"] == 750
    assert body["refunded"] is False
    [new] = body["refunds"]
    assert new["unique_request_id"] == "RFD1" and new["amount"] == 250
    assert (new["status"], new["sent_to_gateway"], new["id"], new["ref"]) == ("PENDING", False, None, None)
    assert status(juspay_sim, order_id)["refunds"] == body["refunds"]


def test_json_body_may_carry_the_amount_as_a_number(juspay_sim, order_id):
    response = refund(juspay_sim, order_id, as_json=True, unique_request_id="RFDN", amount=99.5)

    assert response.status_code == 200 and response.json()["refunds"][0]["amount"] == 99.5


def test_several_partial_refunds_then_fully_refunded_once_they_complete(juspay_sim, order_id):
    juspay_sim.set_faults(refund_outcome="SUCCESS")
    for number, amount in enumerate(["300", "200.50", "499.50"], start=1):
        assert refund(juspay_sim, order_id, unique_request_id=f"RFD{number}", amount=amount).status_code == 200

    body = status(juspay_sim, order_id)
    assert [r["amount"] for r in body["refunds"]] == [300, 200.5, 499.5]
    assert body["maximum_eligible_refund_amount"] == 0 and body["amount_refunded"] == 1000
    assert body["refunded"] is False, "refunds still pending: Juspay's `refunded` means completely refunded"

    juspay_sim.advance(DAY)
    body = status(juspay_sim, order_id)
    assert {r["status"] for r in body["refunds"]} == {"SUCCESS"}
    assert body["refunded"] is True
    assert body["status"] == "CHARGED"


def test_repeated_unique_request_id_creates_nothing(juspay_sim, order_id):
    first = refund(juspay_sim, order_id, unique_request_id="RFDDUP", amount="100")
    second = refund(juspay_sim, order_id, unique_request_id="RFDDUP", amount="100")
    third = refund(juspay_sim, order_id, as_json=True, unique_request_id="RFDDUP", amount="120")

    assert first.status_code == 200
    for repeat in (second, third):
        assert repeat.status_code == 400
        assert repeat.json() == {
            "status_id": -1,
            "status": "ERROR",
            "error_code": "duplicate.call",
            "error_message": "A refund call was already completed with this unique_request_id for the order.",
        }
    assert [r["unique_request_id"] for r in juspay_sim.refunds(order_id)] == ["RFDDUP"]


def test_amount_above_refundable_is_refused(juspay_sim, order_id):
    refund(juspay_sim, order_id, unique_request_id="RFDA", amount="900")

    response = refund(juspay_sim, order_id, unique_request_id="RFDB", amount="100.01")

    assert response.status_code == 400
    assert response.json() == {
        "status_id": -1,
        "status": "ERROR",
        "error_code": "invalid.amount.exceeded",
        "error_message": "Refund amount exceeds the refundable amount.",
    }
    assert len(juspay_sim.refunds(order_id)) == 1


@pytest.mark.parametrize("fields", [{"amount": "10"}, {"unique_request_id": "RFDX"}, {}])
def test_missing_mandatory_fields(juspay_sim, order_id, fields):
    response = refund(juspay_sim, order_id, **fields)

    assert response.status_code == 400
    assert response.json() == {
        "status": "Bad Request",
        "error_message": "Mandatory fields are missing",
        "error_code": "Mandatory fields are missing",
    }


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "10.123"])
def test_invalid_amount(juspay_sim, order_id, amount):
    response = refund(juspay_sim, order_id, unique_request_id="RFDZ", amount=amount)

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid amount"


def test_same_amount_again_within_seconds_is_refused(juspay_sim, order_id):
    refund(juspay_sim, order_id, unique_request_id="RFDS1", amount="50")

    quick = refund(juspay_sim, order_id, unique_request_id="RFDS2", amount="50")
    juspay_sim.advance(6)
    later = refund(juspay_sim, order_id, unique_request_id="RFDS3", amount="50")

    assert quick.status_code == 400
    assert quick.json()["error_message"] == "A refund call was already processing with this amount for the order."
    assert later.status_code == 200


def test_unsuccessful_order_cannot_be_refunded(juspay_sim):
    failed = juspay_sim.create_order(amount=500, status="AUTHORIZATION_FAILED")

    response = refund(juspay_sim, failed, unique_request_id="RFDF", amount="10")

    assert response.status_code == 400
    assert response.json()["error_message"] == "Cannot process unsuccessful order."
    assert juspay_sim.refunds(failed) == []


def test_unknown_order(juspay_sim):
    response = refund(juspay_sim, "NOSUCHORDER2", unique_request_id="RFD1", amount="1")

    assert response.status_code == 400
    assert response.json() == {"status_id": 40, "status": "NOT_FOUND", "order_id": "NOSUCHORDER2"}


@pytest.mark.parametrize("outcome", ["SUCCESS", "FAILURE"])
def test_refund_leaves_the_queue_then_resolves(juspay_sim, order_id, outcome):
    juspay_sim.set_faults(refund_outcome=outcome)
    refund(juspay_sim, order_id, unique_request_id="RFDL", amount="400")

    queued = status(juspay_sim, order_id)["refunds"][0]
    juspay_sim.advance(15 * MINUTE + 1)
    sent = status(juspay_sim, order_id)["refunds"][0]
    juspay_sim.advance(31 * MINUTE)
    done = status(juspay_sim, order_id)

    assert (queued["status"], queued["sent_to_gateway"]) == ("PENDING", False)
    assert sent["sent_to_gateway"] is True
    [resolved] = done["refunds"]
    assert resolved["status"] == outcome and resolved["sent_to_gateway"] is True
    assert resolved["id"] and resolved["pg_processed_at"]
    if outcome == "SUCCESS":
        assert resolved["ref"] and done["amount_refunded"] == 400
    else:
        assert resolved["error_code"] and done["amount_refunded"] == 0
        assert done["maximum_eligible_refund_amount"] == 1000


def test_refund_still_pending_after_ten_days_goes_to_manual_review(juspay_sim, order_id):
    juspay_sim.set_faults(refund_outcome="MANUAL_REVIEW")
    refund(juspay_sim, order_id, unique_request_id="RFDM", amount="100")

    juspay_sim.advance(DAY)
    day_one = status(juspay_sim, order_id)["refunds"][0]
    juspay_sim.advance(9 * DAY + 1)
    day_ten = status(juspay_sim, order_id)

    assert (day_one["status"], day_one["sent_to_gateway"]) == ("PENDING", True)
    assert day_ten["refunds"][0]["status"] == "MANUAL_REVIEW"
    assert day_ten["amount_refunded"] == 100
