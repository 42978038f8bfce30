"""When to try a call again, how long to wait first, and how long each try may take.

Timeouts follow Juspay's published Order Status latency: TP99.9 is 594 ms and TP99.99 is 1431 ms,
with Juspay recommending 1000 ms and 2000 ms. So the first try gets `first_timeout` (1 s) and every
later try `retry_timeout` (2 s). Between tries we wait an exponential backoff with full jitter
(a random time between 0 and `backoff_base * 2**(n-1)`, capped at `backoff_max`), or what a
`Retry-After` header asks for, within the same cap.

Which failures are worth another try, and whether the request may have reached Juspay:

- the connection could not be made (connect error/timeout, no pooled connection): nothing was sent;
- 429: Juspay refused before processing;
- a read timeout, a dropped connection after sending, a 5xx or a 2xx we cannot read: the request may
  have been processed. A GET is simply tried again. A POST is *not*: see `dashboard.juspay.posts`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

import httpx


class Delivery(Enum):
    """What we know about whether a failed request reached Juspay."""

    NOT_PROCESSED = "not_processed"  # never sent, or refused before processing: safe to send again
    UNKNOWN = "unknown"  # may have been processed: a state-changing request must be checked first


_NEVER_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)


def delivery_of(exc: httpx.TransportError) -> Delivery:
    """Connection set-up failures never reached Juspay; anything after that may have."""
    return Delivery.NOT_PROCESSED if isinstance(exc, _NEVER_SENT_ERRORS) else Delivery.UNKNOWN


def is_timeout(exc: httpx.TransportError) -> bool:
    return isinstance(exc, httpx.TimeoutException)


def is_retryable_status(http_status: int) -> bool:
    return http_status == 429 or 500 <= http_status <= 599


def delivery_of_status(http_status: int) -> Delivery:
    """A 429 was refused before processing; a 5xx may have failed after processing."""
    return Delivery.NOT_PROCESSED if http_status == 429 else Delivery.UNKNOWN


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    first_timeout: float = 1.0
    retry_timeout: float = 2.0
    backoff_base: float = 0.1
    backoff_max: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.first_timeout <= 0 or self.retry_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff must not be negative")

    def timeout_for(self, attempt: int) -> float:
        """Attempt 1 gets the TP99.9-based timeout, later attempts the TP99.99-based one."""
        return self.first_timeout if attempt <= 1 else self.retry_timeout

    def can_retry(self, attempt: int) -> bool:
        """Whether another try may follow try number `attempt` (counting from 1)."""
        return attempt < self.max_attempts

    def delay_before(
        self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait before try number `attempt` (2, 3, ...): full jitter, capped."""
        if attempt <= 1:
            return 0.0
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 2)))
        delay = (rng or random).uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay


def retry_after_of(value: str | None) -> float | None:
    """A `Retry-After` header's value in seconds, when it is a number (dates are ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
