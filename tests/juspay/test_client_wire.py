"""What the clients put on the wire and how they retry, checked with httpx's in-memory transport.

The same behaviour against a real HTTP server is in test_client_contract.py (the simulator).
"""

import asyncio
from decimal import Decimal
from urllib.parse import parse_qsl

import httpx
import pytest

from dashboard.juspay import AsyncJuspayClient, JuspayClient, JuspayConfig, Resolution, errors

from .examples import example

CONFIG = JuspayConfig(
    base_url="https://sandbox.example.test/",
    api_key="sk_test_LotusHome42",
    merchant_id="lotus_home",
    version="2023-06-30",
    timeout=1.0,
    retry_timeout=2.0,
    max_attempts=3,
)


def client(handler, **kwargs) -> JuspayClient:
    return JuspayClient(CONFIG, transport=httpx.MockTransport(handler), sleep=lambda s: None, **kwargs)


def test_order_status_request_carries_the_documented_headers():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=example("order_status_charged.json"))

    with client(handler, request_id=lambda: "req-42") as juspay:
        order = juspay.order_status("LH2503K11", customer_id="cust_lh_0417", full_gateway_response=True)
    assert order.order_id == "LH2503K11"
    (request,) = seen
    assert request.method == "GET"
    assert request.url.path == "/orders/LH2503K11"
    assert request.url.params["options.add_full_gateway_response"] == "true"
    # Basic auth, the API key as username and an empty password:
    # https://juspay.io/api-reference/docs/express-checkout/order-status-api
    assert request.headers["authorization"] == "Basic c2tfdGVzdF9Mb3R1c0hvbWU0Mjo="  # base64("sk_test_LotusHome42:")
    assert request.headers["x-merchantid"] == "lotus_home"
    assert request.headers["x-routing-id"] == "cust_lh_0417"
    assert request.headers["version"] == "2023-06-30"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["x-request-id"] == "req-42"
    assert request.extensions["timeout"]["read"] == 1.0


def test_routing_id_falls_back_to_the_order_id_and_ids_are_path_escaped():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={**example("payout_order_status_fulfillment.json"), "orderId": "PO_1@x"})

    with client(handler) as juspay:
        payout = juspay.payout_order_status("PO_1@x/..")
    assert payout.order_id == "PO_1@x"
    assert seen[0].url.raw_path.startswith(b"/payout/merchant/v1/orders/PO_1%40x%2F..")
    assert seen[0].url.params["expand"] == "fulfillment,payment,refund"
    assert seen[0].headers["x-routing-id"] == "PO_1@x/.."
    assert seen[0].headers["content-type"] == "application/json"


def test_refund_is_form_encoded_as_documented():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=example("refund_response.json"))

    with client(handler) as juspay:
        outcome = juspay.refund("LH2503K11", unique_request_id="RF-K11-01", amount=Decimal("499"))
    assert (outcome.resolution, outcome.refund.status, outcome.refund.amount) == (
        Resolution.SENT,
        "PENDING",
        Decimal("499"),
    )
    assert seen[0].content == b"unique_request_id=RF-K11-01&amount=499.00"
    assert seen[0].url.path == "/orders/LH2503K11/refunds"


def test_get_retries_a_timeout_with_the_longer_timeout_then_succeeds():
    timeouts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        if len(timeouts) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=example("order_status_charged.json"))

    with client(handler) as juspay:
        assert juspay.order_status("LH2503K11").status == "CHARGED"
    assert timeouts == [1.0, 2.0]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_get_retries_server_faults_and_gives_up_after_max_attempts(status):
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status, text="busy")

    with client(handler) as juspay, pytest.raises(errors.JuspayUnavailable) as caught:
        juspay.order_status("ORD1")
    assert len(calls) == 3 and caught.value.attempts == 3 and caught.value.http_status == status


def test_get_does_not_retry_a_refusal():
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json=example("error_400.json"))

    with client(handler) as juspay, pytest.raises(errors.JuspayNotFound):
        juspay.order_status("LH-NO-SUCH-ORDER-9")
    assert len(calls) == 1


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.PoolTimeout])
def test_callers_never_see_httpx_exceptions(exc):
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    with client(handler) as juspay, pytest.raises(errors.JuspayUnavailable) as caught:
        juspay.order_status("ORD1")
    assert not isinstance(caught.value, httpx.HTTPError)


def test_refund_with_a_lost_answer_is_settled_by_order_status_without_a_second_post():
    posts: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request.content)
            raise httpx.ReadTimeout("answer lost", request=request)
        return httpx.Response(200, json=example("refund_response.json"))

    with client(handler) as juspay:
        outcome = juspay.refund("LH2503K11", unique_request_id="RF-K11-01", amount=Decimal("499.00"))
    assert outcome.resolution is Resolution.FOUND_ON_CHECK and outcome.refund.unique_request_id == "RF-K11-01"
    assert len(posts) == 1


def test_a_key_reused_for_another_amount_is_a_duplicate_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=example("refund_response.json"))  # holds RF-K11-01 for 499

    with client(handler) as juspay, pytest.raises(errors.JuspayDuplicateRequest):
        juspay.refund("LH2503K11", unique_request_id="RF-K11-01", amount=Decimal("10"), check_first=True)


def test_fulfillment_request_body_and_answer():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=example("fulfillment_sync_response.json"))

    with client(handler) as juspay:
        outcome = juspay.fulfillment_sync(
            "LH2503K11",
            fulfillment_id="SHP-30417-PNQ",
            status="SUCCESS",
            command="NO_ACTION",
            data="courier=Delhivery;awb=9001234567801",
        )
    assert outcome.resolution is Resolution.SENT and outcome.command.command == "NO_ACTION"
    assert dict(parse_qsl(seen[0].content.decode())) == {
        "fulfillment_status": "SUCCESS",
        "fulfillment_command": "NO_ACTION",
        "fulfillment_id": "SHP-30417-PNQ",
        "fulfillment_data": "courier=Delhivery;awb=9001234567801",
    }


def test_bad_arguments_fail_before_anything_is_sent():
    def handler(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not be reached
        raise AssertionError("sent")

    with client(handler) as juspay:
        with pytest.raises(ValueError):
            juspay.refund("ORD1", unique_request_id="R1", amount=Decimal("1.001"))
        with pytest.raises(ValueError):
            juspay.fulfillment_sync("ORD1", fulfillment_id="F1", status="SUCCESS", command="not a command")


def test_the_async_client_sends_the_same_requests_and_retries_them_the_same_way():
    seen: list[httpx.Request] = []
    sleeps: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=example("order_status_charged.json"))

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> str:
        async with AsyncJuspayClient(
            CONFIG, transport=httpx.MockTransport(handler), sleep=record_sleep, request_id=lambda: "req-7"
        ) as juspay:
            return (await juspay.order_status("LH2503K11", customer_id="cust_lh_0417")).status

    assert asyncio.run(main()) == "CHARGED"
    assert [r.extensions["timeout"]["read"] for r in seen] == [1.0, 2.0] and len(sleeps) == 1
    for request in seen:
        assert (request.method, request.url.path) == ("GET", "/orders/LH2503K11")
        assert (
            request.headers["authorization"] == "Basic c2tfdGVzdF9Mb3R1c0hvbWU0Mjo="
        )  # base64("sk_test_LotusHome42:")
        assert (request.headers["x-merchantid"], request.headers["x-routing-id"]) == ("lotus_home", "cust_lh_0417")
        assert (request.headers["version"], request.headers["x-request-id"]) == ("2023-06-30", "req-7")


def test_the_async_client_gives_up_on_a_refusal_with_the_same_error():
    calls: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json=example("error_400.json"))

    async def main() -> None:
        async with AsyncJuspayClient(CONFIG, transport=httpx.MockTransport(handler)) as juspay:
            await juspay.payout_order_status("PO_1")

    with pytest.raises(errors.JuspayNotFound):
        asyncio.run(main())
    assert len(calls) == 1


def test_the_config_keeps_the_api_key_out_of_repr():
    config = JuspayConfig(base_url="https://sandbox.juspay.in", api_key="sk_live_secret", merchant_id="acme")
    assert "sk_live_secret" not in repr(config) and "acme" in repr(config)
