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
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
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
    answer_digest,
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


@dataclass(frozen=True)
class SameAnswer:
    """Juspay's answer, byte-identical to the one whose digest the caller gave: not decoded, not parsed (the
    bytes are kept, should the caller find it must apply them after all)."""

    digest: str
    content: bytes

    def parse_order(self) -> Order:
        return Order.parse_json(self.content).with_digest(self.digest)

    def parse_payout_order(self) -> PayoutOrder:
        return PayoutOrder.parse_json(self.content).with_digest(self.digest)


type Outcome = tuple[Body, str] | SameAnswer | AttemptFailure


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
        answer = await self._get(call)
        assert not isinstance(answer, SameAnswer)  # no digest was given
        body, digest = answer
        return Order.parse(body).with_digest(digest)

    async def order_status_unless(
        self, order_id: str, *, customer_id: str | None = None, known_digest: str = ""
    ) -> Order | SameAnswer:
        """`order_status`, or `SameAnswer` when the answer's bytes have the digest `known_digest` (the one the
        caller stored with the answer it last applied): such an answer is neither decoded nor parsed."""
        call = calls.order_status(order_id, customer_id=customer_id)
        answer = await self._get(call, known_digest)
        if isinstance(answer, SameAnswer):
            return answer
        body, digest = answer
        return Order.parse(body).with_digest(digest)

    async def payout_order_status(
        self, order_id: str, *, customer_id: str | None = None, expand: Iterable[str] = calls.PAYOUT_EXPAND
    ) -> PayoutOrder:
        """As `JuspayClient.payout_order_status`."""
        answer = await self.payout_order_status_unless(order_id, customer_id=customer_id, expand=expand)
        assert not isinstance(answer, SameAnswer)  # no digest was given
        return answer

    async def payout_order_status_unless(
        self,
        order_id: str,
        *,
        customer_id: str | None = None,
        expand: Iterable[str] = calls.PAYOUT_EXPAND,
        known_digest: str = "",
    ) -> PayoutOrder | SameAnswer:
        """`payout_order_status`, or `SameAnswer` (as `order_status_unless`)."""
        call = calls.payout_order_status(order_id, customer_id=customer_id, expand=expand)
        answer = await self._get(call, known_digest)
        if isinstance(answer, SameAnswer):
            return answer
        body, digest = answer
        return PayoutOrder.parse(body).with_digest(digest)

    async def _get(self, call: calls.Call, known_digest: str = "") -> tuple[Body, str] | SameAnswer:
        """As `JuspayClient._get`, awaiting the sends and the pauses; the body with its bytes' digest."""
        attempt = 1
        while True:
            outcome = await self._try(call, attempt, known_digest)
            if not isinstance(outcome, AttemptFailure):
                return outcome
            delay = delay_before_next_get(self.policy, outcome, attempt, self._rng)
            if delay is None:
                raise final_error(outcome, attempt)
            await self._sleep(delay)
            attempt += 1

    async def _try(self, call: calls.Call, number: int, known_digest: str) -> Outcome:
        attempt = Attempt(self.config, call, number, self._request_id(), self.policy.timeout_for(number))
        if self._http is None:
            return await self._send_aiohttp(attempt, known_digest)
        try:
            response = await self._http.send(attempt.request(self._http))
        except httpx.TransportError as exc:
            return attempt.failed(exc)
        return _read(attempt, response.status_code, response.content, response.headers, known_digest)

    async def _send_aiohttp(self, attempt: Attempt, known_digest: str) -> Outcome:
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
        return _read(attempt, response.status, content, response.headers, known_digest)


def _read(attempt: Attempt, status: int, content: bytes, headers: Mapping[str, str], known_digest: str) -> Outcome:
    """A 2xx whose bytes are the ones the caller holds is `SameAnswer` (it was a usable answer when it was
    stored); anything else is read as `Attempt.answered_with` reads it, a body kept with its digest."""
    digest = answer_digest(content)
    if known_digest and digest == known_digest and 200 <= status < 300:
        attempt.unchanged(status)
        return SameAnswer(digest, content)
    outcome = attempt.answered_with(status, content, headers)
    return outcome if isinstance(outcome, AttemptFailure) else (outcome, digest)
