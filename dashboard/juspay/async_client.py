"""The asynchronous Juspay client, for bulk sync: Order Status and payout Order Status, many at a time.

    async with AsyncJuspayClient(config) as juspay:
        order = await juspay.order_status("ORD2406A17")

It reads only: the state-changing calls (refund, Fulfillment Sync) go through `JuspayClient`, which
applies the money-safety rule (`dashboard.juspay.posts`). Requests, answers, errors and GET retries are
the sync client's (`dashboard.juspay.exchange`); only the sending is asynchronous. Callers bound their
own concurrency (`orders.bulk` runs at most N of these at once); `config.max_connections` caps the pool.

Juspay's documentation: https://juspay.io/api-reference/docs/express-checkout/order-status-api and
https://juspay.io/api-reference/docs/payout/order-status.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType

import aiohttp
import httpx
from httpx_aiohttp.transport import map_aiohttp_exceptions

from . import calls
from .client import new_request_id
from .config import JuspayConfig
from .connections import ssl_context
from .exchange import (
    Attempt,
    AttemptFailure,
    Body,
    delay_before_next_get,
    final_error,
    http_limits,
    http_timeout,
)
from .types_order import Order
from .types_payout import PayoutOrder


def aiohttp_session(config: JuspayConfig) -> aiohttp.ClientSession:
    """aiohttp's pool for `config`, which the client sends through directly: its C HTTP parser costs about a
    fifth of httpx's own async transport per request, and httpx over aiohttp (`httpx_aiohttp`) still spent
    about half of a re-sync's CPU in httpx's layers (URL merging, cookies, header models, the response stream).
    One SSL context serves the process
    (`connections.ssl_context`: building one loads the CA bundle, which each bulk-sync chunk used to do)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=config.max_connections, ttl_dns_cache=300, ssl=ssl_context()),
        cookie_jar=aiohttp.DummyCookieJar(),  # Juspay's API sets none worth keeping; a jar costs every answer
    )


class AsyncJuspayClient:
    """One pool of keep-alive connections per client; use it from one event loop."""

    def __init__(
        self,
        config: JuspayConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        request_id: Callable[[], str] = new_request_id,
    ) -> None:
        self.config = config
        self.policy = config.retry_policy
        self._sleep = sleep
        self._rng = rng
        self._request_id = request_id
        # A transport given (tests: httpx.MockTransport) goes through httpx; otherwise aiohttp is used directly.
        self._http = (
            httpx.AsyncClient(
                base_url=config.base_url,
                transport=transport,
                limits=http_limits(config),
                timeout=http_timeout(config, config.timeout),
                follow_redirects=False,
            )
            if transport is not None
            else None
        )
        self._session: aiohttp.ClientSession | None = None
        self._base_url = config.base_url.rstrip("/")

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> AsyncJuspayClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def order_status(
        self, order_id: str, *, customer_id: str | None = None, full_gateway_response: bool = False
    ) -> Order:
        """As `JuspayClient.order_status`."""
        call = calls.order_status(order_id, customer_id=customer_id, full_gateway_response=full_gateway_response)
        return Order.parse(await self._get(call))

    async def payout_order_status(
        self, order_id: str, *, customer_id: str | None = None, expand: Iterable[str] = calls.PAYOUT_EXPAND
    ) -> PayoutOrder:
        """As `JuspayClient.payout_order_status`."""
        call = calls.payout_order_status(order_id, customer_id=customer_id, expand=expand)
        return PayoutOrder.parse(await self._get(call))

    async def _get(self, call: calls.Call) -> Body:
        """As `JuspayClient._get`, awaiting the sends and the pauses."""
        attempt = 1
        while True:
            outcome = await self._try(call, attempt)
            if not isinstance(outcome, AttemptFailure):
                return outcome
            delay = delay_before_next_get(self.policy, outcome, attempt, self._rng)
            if delay is None:
                raise final_error(outcome, attempt)
            await self._sleep(delay)
            attempt += 1

    async def _try(self, call: calls.Call, number: int) -> Body | AttemptFailure:
        attempt = Attempt(self.config, call, number, self._request_id(), self.policy.timeout_for(number))
        if self._http is None:
            return await self._send_aiohttp(attempt)
        try:
            response = await self._http.send(attempt.request(self._http))
        except httpx.TransportError as exc:
            return attempt.failed(exc)
        return attempt.answered(response)

    async def _send_aiohttp(self, attempt: Attempt) -> Body | AttemptFailure:
        """One try through aiohttp: the same request as `Attempt.request` builds (method, URL, query, headers,
        body; no redirects followed), the same timeouts (connect and each read within the try's timeout; waiting
        for a pooled connection within `pool_timeout`) and aiohttp's failures read as the httpx errors they are
        (`map_aiohttp_exceptions`, as the httpx transport over aiohttp maps them), so retries and error reports
        do not change."""
        if self._session is None:
            self._session = aiohttp_session(self.config)
        call = attempt.call
        timeout = aiohttp.ClientTimeout(
            sock_connect=attempt.timeout, sock_read=attempt.timeout, connect=self.config.pool_timeout
        )
        try:
            with map_aiohttp_exceptions():
                async with self._session.request(
                    call.method,
                    self._base_url + call.path,
                    params=call.params or None,
                    headers=calls.headers(self.config, call, attempt.request_id),
                    data=calls.body(call),
                    allow_redirects=False,
                    timeout=timeout,
                ) as response:
                    content = await response.read()
        except httpx.TransportError as exc:
            return attempt.failed(exc)
        return attempt.answered_with(response.status, content, response.headers)
