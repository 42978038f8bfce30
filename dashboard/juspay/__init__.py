"""Juspay API client: typed answers, one error hierarchy, retries, and a money-safety rule.

    from dashboard.juspay import JuspayClient, JuspayConfig
    config = JuspayConfig(base_url="https://sandbox.juspay.in", api_key=..., merchant_id=...)
    with JuspayClient(config) as juspay:
        order = juspay.order_status("ORD2406A17")

The application builds clients for a merchant account, with its timeouts and request id, through
`dashboard.juspay_access`.

Money-safety rule: a state-changing request (refund, fulfilment command) never goes out twice
without first checking Order Status for its idempotency key (`dashboard.juspay.posts`).

This package is a library: it imports no Django and nothing of ours (checked by `lint-imports`), and
works unchanged against the simulator, Juspay's sandbox or production by changing the config's base
URL and keys.

Modules: `config` (where and as whom), `calls` (what each endpoint sends), `exchange` (one try:
the request, the answer, the GET retry decision), `retry` (timeouts and backoff), `posts` (the POST
decision table), `operations` and `lookups` (refund/fulfilment specifics), `client` (every call) and
`async_client` (the reads, for bulk sync), `errors`, `enums` (documented values and meanings),
`types_*` (parsed answers), `forms` (request bodies), `outcomes` (results).
"""

from .async_client import AsyncJuspayClient
from .client import JuspayClient
from .config import JuspayConfig
from .errors import (
    JuspayAmountError,
    JuspayApiError,
    JuspayAuthError,
    JuspayDuplicateRequest,
    JuspayError,
    JuspayInvalidRequest,
    JuspayNoSuccessfulTxn,
    JuspayNotFound,
    JuspayOutcomeUnknown,
    JuspayParseError,
    JuspayUnavailable,
)
from .forms import SplitRefundDetails, SplitSettlementDetails
from .outcomes import FulfillmentOutcome, RefundOutcome
from .posts import Resolution
from .retry import RetryPolicy
from .types_fulfillment import FulfillmentCommandResult, FulfillmentResponse
from .types_order import Order, Refund, Txn, TxnDetail
from .types_payout import PayoutFulfillment, PayoutOrder, PayoutTransaction
from .types_refund import TxnRefund
from .types_webhook import PayoutWebhookEvent, WebhookEvent

__all__ = [
    "AsyncJuspayClient",
    "FulfillmentCommandResult",
    "FulfillmentOutcome",
    "FulfillmentResponse",
    "JuspayAmountError",
    "JuspayApiError",
    "JuspayAuthError",
    "JuspayClient",
    "JuspayConfig",
    "JuspayDuplicateRequest",
    "JuspayError",
    "JuspayInvalidRequest",
    "JuspayNoSuccessfulTxn",
    "JuspayNotFound",
    "JuspayOutcomeUnknown",
    "JuspayParseError",
    "JuspayUnavailable",
    "Order",
    "PayoutFulfillment",
    "PayoutOrder",
    "PayoutTransaction",
    "PayoutWebhookEvent",
    "Refund",
    "RefundOutcome",
    "Resolution",
    "RetryPolicy",
    "SplitRefundDetails",
    "SplitSettlementDetails",
    "Txn",
    "TxnDetail",
    "TxnRefund",
    "WebhookEvent",
]
