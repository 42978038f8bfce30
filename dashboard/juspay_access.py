"""How the application reaches Juspay: a client for one merchant account, with our timeouts and request id.

The Juspay client (`dashboard.juspay`) is a library that knows no Django, no settings and no merchants.
This module binds it to the platform: the `Merchant` row says where and as whom, the
`JUSPAY_TIMEOUT_SECONDS` / `JUSPAY_RETRY_TIMEOUT_SECONDS` settings say how long a try may take, and every
request carries the running request's or task's id (`request_context`) as `x-request-id`, so Juspay's logs,
ours and the audit log line up.

    with client_for(merchant) as juspay:
        order = juspay.order_status("LH2503K11")
"""

from __future__ import annotations

import dataclasses

import httpx
from django.conf import settings

from dashboard.juspay.async_client import AsyncJuspayClient
from dashboard.juspay.client import JuspayClient
from dashboard.juspay.config import DEFAULT_VERSION, JuspayConfig
from dashboard.models import Merchant
from dashboard.request_context import current_request_id


def config_for(merchant: Merchant) -> JuspayConfig:
    """The merchant's base URL, keys and API version, with the timeouts from settings."""
    return JuspayConfig(
        base_url=merchant.base_url,
        api_key=merchant.api_key,
        merchant_id=merchant.merchant_id,
        version=merchant.api_version or DEFAULT_VERSION,
        timeout=settings.JUSPAY_TIMEOUT_SECONDS,
        retry_timeout=settings.JUSPAY_RETRY_TIMEOUT_SECONDS,
    )


def client_for(merchant: Merchant, *, transport: httpx.BaseTransport | None = None) -> JuspayClient:
    """A client for pages, tasks and the executor (`transport`: tests only). It borrows the process's shared
    connection pool for the merchant's endpoint and keys (`dashboard.juspay.connections`): closing it, as
    `with client_for(merchant) as juspay:` does, keeps the connections for the next call."""
    return JuspayClient(config_for(merchant), transport=transport, request_id=current_request_id, shared=True)


def async_client_for(
    merchant: Merchant, *, concurrency: int, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncJuspayClient:
    """A client for bulk sync, with one pooled connection per request in flight (`transport`: tests only)."""
    config = dataclasses.replace(config_for(merchant), max_connections=max(concurrency, 1))
    return AsyncJuspayClient(config, transport=transport, request_id=current_request_id)
