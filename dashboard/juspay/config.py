"""Where and as whom the client talks to Juspay: one small, immutable value.

The same client works against the local simulator, Juspay's sandbox and production: only this
config changes. The application builds one per merchant account (`dashboard.juspay_access`); this
package itself knows no merchants and no settings. Headers and timeouts follow
https://juspay.io/api-reference/docs/express-checkout/order-status-api.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from .retry import RetryPolicy

DEFAULT_VERSION = "2023-06-30"


@dataclass(frozen=True)
class JuspayConfig:
    base_url: str
    api_key: str = field(repr=False)
    merchant_id: str
    version: str = DEFAULT_VERSION
    timeout: float = 1.0  # first try (Juspay's recommended 1000 ms, from TP99.9 = 594 ms)
    retry_timeout: float = 2.0  # later tries (Juspay's recommended 2000 ms, from TP99.99 = 1431 ms)
    max_attempts: int = 3
    backoff_base: float = 0.1
    backoff_max: float = 2.0
    pool_timeout: float = 10.0  # waiting for a free pooled connection is not Juspay's latency
    max_connections: int = 64
    user_agent: str = "juspay-ops"

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.api_key:
            raise ValueError("api_key is empty")
        if not self.merchant_id:
            raise ValueError("merchant_id is empty")
        self.retry_policy  # noqa: B018 (validates the numbers)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            first_timeout=self.timeout,
            retry_timeout=self.retry_timeout,
            backoff_base=self.backoff_base,
            backoff_max=self.backoff_max,
        )

    @property
    def authorization(self) -> str:
        """`Basic base64(api_key + ":")`: the key is the user name, the password is empty."""
        return "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode("ascii")
