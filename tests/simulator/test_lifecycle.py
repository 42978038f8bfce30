"""Time: pending payments resolve, payout fulfillments progress, the clock moves with --speed."""

import pytest

from dashboard.juspay_simulator.clock import parse_iso
from tests.fixtures.simulator import start_simulator

DAY = 86400


def order(sim, order_id: str) -> dict:
    return sim.http.get(f"/orders/{order_id}").json()


def payout(sim, order_id: str) -> dict:
    return sim.http.get(f"/payout/merchant/v1/orders/{order_id}", params={"expand": "fulfillment"}).json()


@pytest.mark.parametrize(
    ("pending", "outcome", "status_id"),
    [
        ("PENDING_VBV", "CHARGED", 21),
        ("AUTHORIZING", "AUTHORIZATION_FAILED", 27),
        ("CAPTURE_INITIATED", "CHARGED", 21),
        ("VOID_INITIATED", "VOIDED", 31),
    ],
)
def test_pending_payment_resolves_when_its_time_comes(juspay_sim, pending, outcome, status_id):
    order_id = juspay_sim.create_order(amount=640, status=pending, resolve_to=outcome, resolve_after_seconds=300)

    before = order(juspay_sim, order_id)
    juspay_sim.advance(301)
    after = order(juspay_sim, order_id)

    assert before["status"] == pending and before["maximum_eligible_refund_amount"] == 0
    assert (after["status"], after["status_id"]) == (outcome, status_id)
    assert after["txn_detail"]["status"] == outcome and after["last_updated"] > before["last_updated"]
    if outcome == "CHARGED":
        assert after["maximum_eligible_refund_amount"] == 640
        assert after["payment_gateway_response"]["resp_code"]


def test_failed_attempt_shows_bank_error(juspay_sim):
    order_id = juspay_sim.create_order(amount=640, status="AUTHORIZATION_FAILED", payment_method_type="CARD")

    body = order(juspay_sim, order_id)

    assert body["bank_error_code"] and body["bank_error_message"]
    assert body["txn_detail"]["error_code"] == body["bank_error_code"]


def test_payout_fulfillment_progresses_and_goes_to_manual_review(juspay_sim):
    settled_id = juspay_sim.create_payout_order(fulfillments=["PENDING", "CREATED"])
    stuck_id = juspay_sim.create_payout_order(fulfillments=["MANUAL_REVIEW"])

    start, stuck_start = payout(juspay_sim, settled_id), payout(juspay_sim, stuck_id)
    juspay_sim.advance(5 * 3600)  # CREATED starts within 2 h, then settles within 2 h
    later = payout(juspay_sim, settled_id)
    juspay_sim.advance(10 * DAY)
    stuck_end = payout(juspay_sim, stuck_id)

    assert [f["status"] for f in start["fulfillments"]] == ["PENDING", "CREATED"]
    assert start["status"] == "FULFILLMENTS_SCHEDULED"
    assert [f["status"] for f in later["fulfillments"]] == ["SUCCESS", "SUCCESS"]
    assert later["status"] == "FULFILLMENTS_SUCCESSFUL"
    assert stuck_start["fulfillments"][0]["status"] == "PENDING"
    assert stuck_end["status"] == "FULFILLMENTS_MANUAL_REVIEW"
    assert stuck_end["fulfillments"][0]["transactions"][0]["status"] == "MANUAL_REVIEW"


class FakeMonotonic:
    """A real-time source that moves only when told to: `speed` is then checked exactly, without waiting."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def test_clock_runs_at_the_given_speed_and_freezes_at_zero():
    real_time = FakeMonotonic()
    with (
        start_simulator(speed=600, orders=20, monotonic=real_time) as fast,
        start_simulator(speed=0, orders=20, start=parse_iso("2025-01-15T10:00:00Z"), monotonic=real_time) as frozen,
    ):
        first, frozen_first = fast.now(), frozen.now()
        refund_order = fast.create_order(amount=100, status="CHARGED")
        fast.http.post(f"/orders/{refund_order}/refunds", data={"unique_request_id": "R1", "amount": "10"})
        queued = fast.refunds(refund_order)[0]["sent_to_gateway"]
        real_time.seconds += 2  # 20 simulated minutes on the fast one: past the 15-minute refund queue
        moved, frozen_second = fast.now() - first, frozen.now()
        sent = fast.refunds(refund_order)[0]["sent_to_gateway"]
        advanced = frozen.advance(90)

    assert moved == 1200
    assert (queued, sent) == (False, True)
    assert frozen_first == frozen_second == 1736935200
    assert advanced["now"] == "2025-01-15T10:01:30Z"
