"""Webhook delivery: POST each envelope with Basic auth, retry non-2xx with bounded exponential backoff,
optionally deliver a duplicate. Delivery runs in background tasks and never blocks request handling.

Juspay documents a 16-retry schedule over 24 hours for its UPI products only
(https://juspay.io/resources/docs/common-resources/webhooks); the simulator retries in real seconds
(backoff_seconds × 2^n, capped at 60 s) so that tests and demos see retries.
"""

import asyncio
import base64
import json
import logging
import random
import time
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import httpx

logger = logging.getLogger("juspay_simulator.webhooks")
MAX_BACKOFF = 60.0
QUEUE_LIMIT = 10_000
Delivery = tuple[str, str, bytes, int]  # event id, event name, body, attempt number


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str = ""
    username: str = ""
    password: str = ""
    duplicates: float = 0.0
    max_attempts: int = 6
    backoff_seconds: float = 1.0
    headers: dict[str, str] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data["password"] = "***" if self.password else ""
        return data

    def updated(self, changes: dict[str, Any]) -> "WebhookConfig":
        allowed = set(asdict(self))
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown webhook settings {sorted(unknown)}; known: {sorted(allowed)}")
        new = replace(self, **changes)
        if not 0 <= float(new.duplicates) <= 1:
            raise ValueError("duplicates must be between 0 and 1")
        if int(new.max_attempts) < 1 or float(new.backoff_seconds) < 0:
            raise ValueError("max_attempts must be >= 1 and backoff_seconds >= 0")
        if new.url and not new.url.startswith(("http://", "https://")):
            raise ValueError("url must be http(s)")
        return replace(
            new,
            duplicates=float(new.duplicates),
            max_attempts=int(new.max_attempts),
            backoff_seconds=float(new.backoff_seconds),
            headers=dict(new.headers),
        )

    def auth_header(self) -> str | None:
        if not self.username and not self.password:
            return None
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"


def event_name(payload: dict[str, Any]) -> str:
    return str(payload.get("event_name") or f"{payload.get('label')}:{payload.get('value')}")


class WebhookSender:
    def __init__(self, config: WebhookConfig, seed: int, workers: int = 4) -> None:
        self.config = config
        self.rng = random.Random(seed)
        self.workers = workers
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=1000)
        self._queue: asyncio.Queue[Delivery] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._client = httpx.AsyncClient(timeout=5.0, verify=False)  # noqa: S501 - local receivers, self-signed
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def emit(self, payload: dict[str, Any]) -> None:
        """Queue one event (and maybe a duplicate of it). Returns at once."""
        if not self.config.url or self._queue is None:
            return
        body = json.dumps(payload, separators=(",", ":")).encode()
        copies = 2 if self.rng.random() < self.config.duplicates else 1
        for _ in range(copies):
            self._put(payload["id"], event_name(payload), body, 1)

    def pending(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    def _put(self, event_id: str, name: str, body: bytes, attempt: int) -> None:
        if self._queue is None:  # stopped
            return
        try:
            self._queue.put_nowait((event_id, name, body, attempt))
        except asyncio.QueueFull:
            self._record(event_id, name, attempt, None, "dropped: delivery queue full")

    async def _work(self) -> None:
        queue = self._queue
        while queue is not None:
            event_id, name, body, attempt = await queue.get()
            await self._deliver(event_id, name, body, attempt)

    async def _deliver(self, event_id: str, name: str, body: bytes, attempt: int) -> None:
        config, client = self.config, self._client
        if not config.url or client is None:
            return
        headers = {"Content-Type": "application/json", **config.headers}
        auth = config.auth_header()
        if auth:
            headers["Authorization"] = auth
        status, error = None, None
        try:
            response = await client.post(config.url, content=body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivered = status is not None and 200 <= status < 300
        retry_in = None
        if not delivered and attempt < config.max_attempts:
            retry_in = min(MAX_BACKOFF, config.backoff_seconds * 2 ** (attempt - 1))
        self._record(event_id, name, attempt, status, error, retry_in)
        if retry_in is not None:
            asyncio.get_running_loop().call_later(retry_in, self._put, event_id, name, body, attempt + 1)
        elif not delivered:
            logger.warning("webhook %s %s given up after %d attempts", name, event_id, attempt)

    def _record(
        self,
        event_id: str,
        name: str,
        attempt: int,
        status: int | None,
        error: str | None,
        retry_in: float | None = None,
    ) -> None:
        """One attempt; `retry_in_seconds` is when the next one comes, None when there is none (delivered,
        given up or dropped), so a test can see that an event is settled without waiting for it."""
        self.deliveries.append(
            {
                "event_id": event_id,
                "event_name": name,
                "attempt": attempt,
                "status": status,
                "error": error,
                "retry_in_seconds": retry_in,
                "at": time.time(),
            }
        )
