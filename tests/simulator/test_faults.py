"""Fault injection: 500s, truncated JSON, spurious 401s, hangs, lost POST responses, the latency profile."""

import json
import time

import httpx
import pytest

from dashboard.juspay_simulator.faults import latency_seconds


@pytest.fixture
def order_id(juspay_sim) -> str:
    return juspay_sim.create_order(amount=800, status="CHARGED")


def get_order(sim, order_id: str, timeout: float = 5.0) -> httpx.Response:
    return sim.http.get(f"/orders/{order_id}", timeout=timeout)


def test_fail_rate_gives_500s(juspay_sim, order_id):
    juspay_sim.set_faults(fail_rate=1.0)

    assert get_order(juspay_sim, order_id).status_code == 500
    juspay_sim.reset_faults()
    assert get_order(juspay_sim, order_id).status_code == 200


def test_partial_fail_rate_fails_some_requests(juspay_sim, order_id):
    juspay_sim.set_faults(fail_rate=0.5)

    codes = [get_order(juspay_sim, order_id).status_code for _ in range(60)]

    assert 10 <= codes.count(500) <= 50 and codes.count(200) == 60 - codes.count(500)


def test_malformed_rate_truncates_the_json(juspay_sim, order_id):
    juspay_sim.set_faults(malformed_rate=1.0)

    response = get_order(juspay_sim, order_id)

    assert response.status_code == 200 and response.text.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_unauthorized_rate_gives_401_even_with_the_right_key(juspay_sim, order_id):
    juspay_sim.set_faults(unauthorized_rate=1.0)

    response = get_order(juspay_sim, order_id)

    assert response.status_code == 401 and response.json()["error_code"] == "access_denied"


def test_timeout_hangs_past_the_client_timeout(juspay_sim, order_id):
    juspay_sim.set_faults(timeout_rate=1.0, timeout_seconds=2.0)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        get_order(juspay_sim, order_id, timeout=0.5)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(("ending", "outcome"), [("close", "closed"), ("respond", 200)])
def test_timeout_then_closes_or_answers_late(juspay_sim, order_id, ending, outcome):
    juspay_sim.set_faults(timeout_rate=1.0, timeout_seconds=0.6, timeout_then=ending)

    started = time.monotonic()
    try:
        result = get_order(juspay_sim, order_id, timeout=5.0).status_code
    except httpx.RemoteProtocolError:
        result = "closed"

    assert result == outcome
    assert time.monotonic() - started >= 0.55


def test_lost_post_response_is_applied_but_never_answered(juspay_sim, order_id):
    juspay_sim.set_faults(lose_next_post_responses=1, lost_response_hang_seconds=0.5)
    url = f"/orders/{order_id}/refunds"
    fields = {"unique_request_id": "RFDLOST1", "amount": "300"}

    with pytest.raises(httpx.TransportError):
        juspay_sim.http.post(url, data=fields, timeout=3.0)
    retry = juspay_sim.http.post(url, data=fields, timeout=3.0)

    assert [r["unique_request_id"] for r in juspay_sim.refunds(order_id)] == ["RFDLOST1"]
    assert retry.status_code == 400 and retry.json()["error_code"] == "duplicate.call"
    assert juspay_sim.set_faults()["lose_next_post_responses"] == 0


def test_lost_post_response_outlasts_a_short_client_timeout(juspay_sim, order_id):
    juspay_sim.set_faults(lose_next_post_responses=2, lost_response_hang_seconds=2.0)
    url = f"/orders/{order_id}/fulfillment"

    for fulfillment_id in ("AWB-9", "AWB-10"):
        with pytest.raises(httpx.ReadTimeout):
            juspay_sim.http.post(
                url,
                timeout=0.3,
                data={
                    "fulfillment_status": "SUCCESS",
                    "fulfillment_command": "NO_ACTION",
                    "fulfillment_id": fulfillment_id,
                },
            )
    after = juspay_sim.http.post(
        url, data={"fulfillment_status": "SUCCESS", "fulfillment_command": "NO_ACTION", "fulfillment_id": "AWB-11"}
    )

    assert after.status_code == 200 and len(after.json()["commands"]) == 3


def test_bad_fault_settings_are_refused(juspay_sim):
    for bad in ({"fail_rate": 2}, {"latency": "slow"}, {"lose_next_post_responses": -1}, {"nonsense": 1}):
        response = juspay_sim.http.post("/__sim__/faults", json=bad)
        assert response.status_code == 400, bad


@pytest.mark.parametrize(
    ("quantile", "milliseconds"),
    [(0.5, 19.8), (0.9, 55.71), (0.99, 351.85), (0.999, 594.42), (0.9999, 1431.42), (0.7, (19.8 + 55.71) / 2)],
)
def test_latency_profile_hits_the_published_percentiles(quantile, milliseconds):
    assert latency_seconds(quantile) * 1000 == pytest.approx(milliseconds)


def test_juspay_latency_profile_is_applied_to_requests(juspay_sim, order_id):
    juspay_sim.set_faults(latency="juspay")

    elapsed = []
    for _ in range(40):
        started = time.perf_counter()
        juspay_sim.http.get(f"/orders/{order_id}")
        elapsed.append(time.perf_counter() - started)
    elapsed.sort()

    assert elapsed[0] >= 0.008  # the profile's floor
    assert 0.012 <= elapsed[20] <= 0.08  # TP50 is about 20 ms


def test_stats_count_requests_faults_and_refund_posts_that_repeat_a_key(juspay_sim):
    order_id = juspay_sim.create_order(amount=500, status="CHARGED")
    juspay_sim.reset_stats()
    juspay_sim.set_faults(fail_rate=1.0)
    assert juspay_sim.http.get(f"/orders/{order_id}").status_code == 500
    juspay_sim.reset_faults()
    assert juspay_sim.http.get(f"/orders/{order_id}").status_code == 200
    body = {"unique_request_id": "stats-key-1", "amount": "10.00"}
    assert juspay_sim.http.post(f"/orders/{order_id}/refunds", data=body).status_code == 200
    juspay_sim.http.post(f"/orders/{order_id}/refunds", data=body)  # the same key again: a duplicate send
    stats = juspay_sim.stats()
    assert stats["requests"] == 4 and stats["requests_by_endpoint"] == {"GET order_status": 2, "POST refunds": 2}
    assert stats["faults"] == 1 and stats["faults_by_kind"] == {"http_500": 1}
    assert stats["refund_posts"] == 2 and stats["duplicate_refund_posts"] == 1
    assert stats["duplicate_refund_keys"] == ["stats-key-1"]
