"""The requests Juspay's official Node SDK (expresscheckout-nodejs 1.0.0) sends, replayed byte for byte with httpx
against the in-process simulator, so the simulator's side of the contract is checked even where node is missing.

Seen on the wire from the SDK (tests/sdk/official_sdk_contract.cjs against a recording server):
  GET /orders/{id}?order_id={id}      POST /orders/{id}/refunds   (body form-encoded, sent chunked)
  Authorization: Basic base64(api_key)          (no ":" after the key)
  Content-Type: application/x-www-form-urlencoded (on the GET too), version: 2019-05-07, x-merchantid,
  User-Agent: NODEJS_SDK/<version>; no x-routing-id, no x-request-id.
"""

import base64
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.fixtures.simulator import SimulatorHandle


def colonless(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


def sdk_headers(sim: SimulatorHandle) -> dict[str, str]:
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "NODEJS_SDK/1.0.0",
        "version": "2019-05-07",
        "x-merchantid": sim.merchant_id,
        "Authorization": colonless(sim.api_key),
    }


@pytest.fixture
def order_id(juspay_sim: SimulatorHandle) -> str:
    return juspay_sim.create_order(amount=800, status="CHARGED", payment_method_type="UPI")


def test_the_sdks_order_status_request_is_answered(juspay_sim, order_id):
    response = juspay_sim.http.get(
        f"/orders/{order_id}", params={"order_id": order_id}, headers=sdk_headers(juspay_sim), auth=None
    )

    assert response.status_code == 200
    assert response.json()["order_id"] == order_id and response.json()["status"] == "CHARGED"


@pytest.mark.parametrize(
    "authorization",
    [
        colonless("sk_wrong_key"),  # the SDK's form, another key
        "Basic " + base64.b64encode(b":sk_test_sim_key").decode(),  # the key as the password
    ],
)
def test_a_colonless_header_still_needs_the_right_key(juspay_sim, order_id, authorization):
    headers = {**sdk_headers(juspay_sim), "Authorization": authorization}

    response = juspay_sim.http.get(f"/orders/{order_id}", headers=headers, auth=None)

    assert response.status_code == 401
    assert response.json()["error_code"] == "access_denied"


def test_the_documented_form_with_the_colon_is_still_accepted(juspay_sim, order_id):
    documented = "Basic " + base64.b64encode(f"{juspay_sim.api_key}:".encode()).decode()

    response = juspay_sim.http.get(f"/orders/{order_id}", headers={"Authorization": documented}, auth=None)

    assert response.status_code == 200


def test_the_sdks_chunked_refund_is_applied_once_and_its_repeat_refused(juspay_sim, order_id):
    form = urlencode({"unique_request_id": "sdk-shape-1", "amount": "120.00"}).encode()

    def chunked() -> Iterator[bytes]:  # an iterator body makes httpx send Transfer-Encoding: chunked, as node does
        yield form

    first = juspay_sim.http.post(
        f"/orders/{order_id}/refunds", content=chunked(), headers=sdk_headers(juspay_sim), auth=None
    )
    again = juspay_sim.http.post(
        f"/orders/{order_id}/refunds", content=chunked(), headers=sdk_headers(juspay_sim), auth=None
    )

    assert first.request.headers["transfer-encoding"] == "chunked"
    assert first.status_code == 200
    assert [r["unique_request_id"] for r in first.json()["refunds"]] == ["sdk-shape-1"]
    assert again.status_code == 400 and again.json()["error_code"] == "duplicate.call"
    assert [(r["unique_request_id"], r["amount"]) for r in juspay_sim.refunds(order_id)] == [("sdk-shape-1", 120.0)]
