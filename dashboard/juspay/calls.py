"""What each Juspay call sends: method, path, query, body and headers.

Pure values, no I/O: the sync and the async client build the same requests from these. Documented at
https://juspay.io/api-reference/docs/express-checkout/order-status-api,
https://juspay.io/api-reference/docs/payout/order-status,
https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api and
https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, urlencode

from .config import JuspayConfig
from .forms import FulfillmentRequest, RefundRequest

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PAYOUT_EXPAND = ("fulfillment", "payment", "refund")


@dataclass(frozen=True)
class Call:
    operation: str
    method: Literal["GET", "POST"]
    path: str
    routing_id: str
    content_type: str = FORM
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    send_version: bool = True


def _segment(value: str) -> str:
    if not value:
        raise ValueError("order id is empty")
    return quote(value, safe="")


def order_status(order_id: str, *, customer_id: str | None = None, full_gateway_response: bool = False) -> Call:
    """`GET /orders/{order_id}`; `options.add_full_gateway_response=true` adds the gateway's raw answer."""
    params = {"options.add_full_gateway_response": "true"} if full_gateway_response else {}
    return Call("order_status", "GET", f"/orders/{_segment(order_id)}", customer_id or order_id, params=params)


def payout_order_status(
    order_id: str, *, customer_id: str | None = None, expand: Iterable[str] = PAYOUT_EXPAND
) -> Call:
    """`GET /payout/merchant/v1/orders/{orderId}?expand=fulfillment,payment,refund` (JSON API, no version)."""
    params = {"expand": ",".join(expand)} if expand else {}
    return Call(
        "payout_order_status",
        "GET",
        f"/payout/merchant/v1/orders/{_segment(order_id)}",
        customer_id or order_id,
        content_type=JSON,
        params=params,
        send_version=False,
    )


def refund(order_id: str, request: RefundRequest, *, customer_id: str | None = None) -> Call:
    """`POST /orders/{order_id}/refunds`, form-encoded."""
    return Call(
        "refund", "POST", f"/orders/{_segment(order_id)}/refunds", customer_id or order_id, form=request.to_form()
    )


def fulfillment_sync(order_id: str, request: FulfillmentRequest, *, customer_id: str | None = None) -> Call:
    """`POST /orders/{order_id}/fulfillment`, form-encoded."""
    return Call(
        "fulfillment_sync",
        "POST",
        f"/orders/{_segment(order_id)}/fulfillment",
        customer_id or order_id,
        form=request.to_form(),
    )


def headers(config: JuspayConfig, call: Call, request_id: str) -> dict[str, str]:
    """Basic auth (key as user, empty password), merchant, routing key, version, our request id.

    Compared with Juspay's official Node SDK (expresscheckout-nodejs 1.0.0, driven in tests/sdk), nothing here
    changes: this client already sends every header the SDK sends (`Authorization`, `x-merchantid`, `version`,
    the form `Content-Type` on GETs too, a `User-Agent`). Where they differ we follow the docs: the SDK encodes
    the bare key without the `:` of the empty password (the docs say "Password: Empty string"; the simulator
    accepts both forms), sends no `x-routing-id` (the docs recommend it), defaults `version` to 2019-05-07 (ours
    is the merchant's configured version), and repeats the order id as an `order_id` query parameter on Order
    Status, which the docs do not list (the id is in the path).
    """
    result = {
        "Authorization": config.authorization,
        "x-merchantid": config.merchant_id,
        "x-routing-id": call.routing_id,
        "Content-Type": call.content_type,
        "Accept": JSON,
        "x-request-id": request_id,
        "User-Agent": config.user_agent,
    }
    if call.send_version and config.version:
        result["version"] = config.version
    return result


def body(call: Call) -> bytes | None:
    """The form body, encoded as documented (`examples/*.form.txt`)."""
    return urlencode(call.form).encode("ascii") if call.form is not None else None
