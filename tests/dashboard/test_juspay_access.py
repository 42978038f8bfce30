"""The platform's Juspay clients: the merchant's account, the timeouts from settings, our request id."""

import asyncio

import httpx

from dashboard.juspay_access import async_client_for, client_for, config_for
from dashboard.models import Merchant
from dashboard.request_context import bind
from tests.fixtures.orders import example


def a_merchant() -> Merchant:
    return Merchant(
        code="acme",
        name="Acme",
        base_url="https://sandbox.juspay.in",
        api_key="sk_live_secret",
        merchant_id="acme",
        api_version="2025-01-10",
    )


def test_the_config_is_the_merchants_account_with_the_timeouts_from_settings(settings):
    settings.JUSPAY_TIMEOUT_SECONDS, settings.JUSPAY_RETRY_TIMEOUT_SECONDS = 0.7, 1.5
    config = config_for(a_merchant())
    assert (config.base_url, config.merchant_id, config.version) == ("https://sandbox.juspay.in", "acme", "2025-01-10")
    assert (config.timeout, config.retry_timeout) == (0.7, 1.5)
    assert "sk_live_secret" not in repr(config)


def test_a_merchant_without_an_api_version_gets_the_default_one():
    merchant = a_merchant()
    merchant.api_version = ""
    assert config_for(merchant).version == "2023-06-30"


def test_the_sync_client_sends_the_running_requests_id():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=example("order_status_charged.json"))

    with bind(request_id="req-42"), client_for(a_merchant(), transport=httpx.MockTransport(handler)) as juspay:
        juspay.order_status("LH2503K11")
    assert seen[0].headers["x-request-id"] == "req-42"
    assert seen[0].url.host == "sandbox.juspay.in" and seen[0].headers["version"] == "2025-01-10"


def test_the_bulk_client_pools_one_connection_per_request_in_flight_and_sends_our_request_id():
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=example("order_status_charged.json"))

    async def main() -> int:
        juspay = async_client_for(a_merchant(), concurrency=16, transport=httpx.MockTransport(handler))
        async with juspay:
            await juspay.order_status("LH2503K11")
        return juspay.config.max_connections

    with bind(request_id="task-7"):
        assert asyncio.run(main()) == 16
    assert seen[0].headers["x-request-id"] == "task-7"
