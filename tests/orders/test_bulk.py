"""Bulk sync's fetch: Order Status for many ids, never more than `concurrency` in flight, one result per id.

Moved here from the Juspay client tests when the client's own bounded-concurrency helper was removed:
`orders.bulk.fetch_all` is the one that bulk sync (`sync_many`, the freshness sweep, `bench_sync`) runs.
"""

import asyncio
import queue

import httpx

from dashboard.juspay import AsyncJuspayClient, JuspayConfig, errors
from orders.bulk import Fetched, fetch_all
from tests.fixtures.orders import example

CONFIG = JuspayConfig(base_url="https://sandbox.example.test/", api_key="sk_test_7Hq2Lr9Vx4Pz", merchant_id="acme")


def fetch(client: AsyncJuspayClient, ids: list[str], customers: dict[str, str], concurrency: int) -> list[Fetched]:
    out: queue.Queue = queue.Queue()

    async def main() -> None:
        async with client:
            await fetch_all(client, ids, customers, concurrency, out)

    asyncio.run(main())
    return [out.get_nowait() for _ in range(out.qsize())]


def test_concurrency_stays_bounded_and_each_id_gets_its_answer_or_its_error():
    in_flight = 0
    peak = 0
    routing: dict[str, str] = {}

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        order_id = request.url.path.rsplit("/", 1)[-1]
        routing[order_id] = request.headers["x-routing-id"]
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        if order_id.endswith("7"):
            return httpx.Response(400, json={**example("error_400.json"), "order_id": order_id})
        return httpx.Response(200, json={**example("order_status_charged.json"), "order_id": order_id})

    ids = [f"ORD{i}" for i in range(100)]
    client = AsyncJuspayClient(CONFIG, transport=httpx.MockTransport(handler))
    results = fetch(client, ids, {"ORD3": "cust_3"}, concurrency=8)

    assert sorted(r.order_id for r in results) == sorted(ids)
    assert {r.order_id for r in results if r.error} == {i for i in ids if i.endswith("7")}
    assert all(isinstance(r.error, errors.JuspayNotFound) and r.parsed is None for r in results if r.error)
    assert all(r.parsed is not None and r.parsed.order_id == r.order_id for r in results if not r.error)
    assert all(r.latency > 0 for r in results)
    assert 1 < peak <= 8
    assert (routing["ORD3"], routing["ORD4"]) == ("cust_3", "ORD4")


class CountingTransport(httpx.AsyncBaseTransport):
    """A real HTTP transport that records how many requests are in flight at once."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.in_flight = 0
        self.peak = 0
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.requests += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_against_the_simulator_with_juspay_latency_nothing_is_fetched_twice(juspay_sim):
    juspay_sim.set_faults(latency="juspay")  # Juspay's published latency spread, so requests overlap
    ids = juspay_sim.order_ids() + ["NOSUCH1", "NOSUCH2"]
    transport = CountingTransport()
    config = JuspayConfig(
        base_url=juspay_sim.base_url,
        api_key=juspay_sim.api_key,
        merchant_id=juspay_sim.merchant_id,
        timeout=3.0,
        retry_timeout=3.0,
    )
    results = fetch(AsyncJuspayClient(config, transport=transport, request_id=lambda: "bulk"), ids, {}, concurrency=8)

    assert sorted(r.order_id for r in results) == sorted(ids)
    assert {r.order_id for r in results if r.error} == {"NOSUCH1", "NOSUCH2"}
    assert all(isinstance(r.error, errors.JuspayNotFound) for r in results if r.error)
    assert all(r.parsed is not None and r.parsed.order_id == r.order_id for r in results if not r.error)
    assert 1 < transport.peak <= 8
    assert transport.requests == len(ids)  # nothing retried, nothing fetched twice
