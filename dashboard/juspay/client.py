"""The synchronous Juspay client, for request/response work (pages, the executor, Celery tasks).

    with JuspayClient(JuspayConfig(base_url=..., api_key=..., merchant_id=...)) as juspay:
        order = juspay.order_status("ORD2406A17")
        outcome = juspay.refund("ORD2406A17", unique_request_id="RFD-A17-0001", amount=Decimal("499.00"))

Money-safety rule: a state-changing request (refund, fulfilment command) never goes out twice
without first checking Order Status. Every try sends the same idempotency key; when a try's outcome
is unknown (timeout or dropped connection after sending, 5xx, an answer we cannot read) the client
looks for the refund's `unique_request_id` (or the command's `fulfillment_id`) in Order Status and
returns what it finds instead of sending again. The decision table is `dashboard.juspay.posts`.

GETs are retried on timeouts, connection errors, 429 and 5xx, with exponential backoff and jitter,
at most `config.max_attempts` tries (1 s for the first, 2 s for the others by default).
Every error is one of `dashboard.juspay.errors`; httpx exceptions never escape. Building a request,
reading its answer and deciding whether to retry a GET are shared with the async client (`exchange`).

Juspay's documentation: https://juspay.io/api-reference/docs/express-checkout/order-status-api,
https://juspay.io/api-reference/docs/payout/order-status,
https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api and
https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from types import TracebackType

import httpx

from . import calls
from .config import JuspayConfig
from .connections import shared_http
from .errors import JuspayError, JuspayOutcomeUnknown
from .exchange import (
    Attempt,
    AttemptFailure,
    Body,
    delay_before_next_get,
    final_error,
    http_limits,
    http_timeout,
)
from .forms import SplitRefundDetails, SplitSettlementDetails
from .operations import FulfillmentOperation, RefundOperation
from .outcomes import FulfillmentOutcome, RefundOutcome
from .posts import Check, Fail, Finish, Lookup, PostPlan, Resolution, Send, Step
from .types_order import Order
from .types_payout import PayoutOrder

log = logging.getLogger("dashboard.juspay")


def new_request_id() -> str:
    """A fresh `x-request-id` per try, for callers that have no request id of their own to pass."""
    return uuid.uuid4().hex


class JuspayClient:
    """One pool of keep-alive connections per client; safe to share between threads.

    `shared=True` borrows the process's client for this endpoint and credentials (`connections.shared_http`)
    instead of building one: its connections and SSL context outlive this object, and `close()` leaves them
    open for the next caller. Without it (or with a `transport`, for tests) the client owns its pool.
    """

    def __init__(
        self,
        config: JuspayConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        request_id: Callable[[], str] = new_request_id,
        shared: bool = False,
    ) -> None:
        self.config = config
        self.policy = config.retry_policy
        self._sleep = sleep
        self._rng = rng
        self._request_id = request_id
        self._owns_http = transport is not None or not shared
        if self._owns_http:
            self._http = httpx.Client(
                base_url=config.base_url,
                transport=transport,
                limits=http_limits(config),
                timeout=http_timeout(config, config.timeout),
                follow_redirects=False,
            )
        else:
            self._http = shared_http(config)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> JuspayClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- Reads ---------------------------------------------------------------------------------------

    def order_status(
        self, order_id: str, *, customer_id: str | None = None, full_gateway_response: bool = False
    ) -> Order:
        """`GET /orders/{order_id}`. Raises `JuspayNotFound` for an unknown order id."""
        call = calls.order_status(order_id, customer_id=customer_id, full_gateway_response=full_gateway_response)
        return Order.parse(self._get(call))

    def payout_order_status(
        self, order_id: str, *, customer_id: str | None = None, expand: Iterable[str] = calls.PAYOUT_EXPAND
    ) -> PayoutOrder:
        """`GET /payout/merchant/v1/orders/{orderId}?expand=fulfillment,payment,refund`."""
        call = calls.payout_order_status(order_id, customer_id=customer_id, expand=expand)
        return PayoutOrder.parse(self._get(call))

    # --- State-changing calls ------------------------------------------------------------------------

    def refund(
        self,
        order_id: str,
        *,
        unique_request_id: str,
        amount: Decimal,
        customer_id: str | None = None,
        split_settlement_details: SplitRefundDetails | None = None,
        check_first: bool = False,
    ) -> RefundOutcome:
        """`POST /orders/{order_id}/refunds`, settled through Order Status when the answer is lost.

        `unique_request_id` is the idempotency key: always the same one for the same refund. Pass
        `check_first=True` when an earlier process may already have sent this refund.
        """
        op = RefundOperation.build(
            order_id,
            unique_request_id=unique_request_id,
            amount=amount,
            customer_id=customer_id,
            split_settlement_details=split_settlement_details,
        )
        found, resolution = self._run_post(
            op.plan(self.policy, check_first=check_first, rng=self._rng),
            op.call,
            op.in_answer,
            lambda: op.in_order(self.order_status(order_id, customer_id=customer_id)),
        )
        return op.outcome(found, resolution)

    def fulfillment_sync(
        self,
        order_id: str,
        *,
        fulfillment_id: str,
        status: str,
        command: str,
        time: datetime | None = None,
        data: str | None = None,
        split_settlement_details: SplitSettlementDetails | None = None,
        customer_id: str | None = None,
        check_first: bool = False,
        moves_money: bool = False,
    ) -> FulfillmentOutcome:
        """`POST /orders/{order_id}/fulfillment`, settled through Order Status when the answer is lost.

        `fulfillment_id` is required here: it is the idempotency key that lets a lost answer be
        settled without sending the command again. `moves_money=True` (e.g. INITIATE_REFUND): an unknown
        outcome is never settled by resending, only by Order Status, else `JuspayOutcomeUnknown`.
        """
        op = FulfillmentOperation.build(
            order_id,
            fulfillment_id=fulfillment_id,
            status=status,
            command=command,
            time=time,
            data=data,
            split_settlement_details=split_settlement_details,
            customer_id=customer_id,
        )
        found, resolution = self._run_post(
            op.plan(self.policy, check_first=check_first, rng=self._rng, moves_money=moves_money),
            op.call,
            op.in_answer,
            lambda: op.in_order(self.order_status(order_id, customer_id=customer_id)),
        )
        return op.outcome(found, resolution)

    # --- Driving the tries -----------------------------------------------------------------------------

    def _get(self, call: calls.Call) -> Body:
        """A GET with retries (`exchange.delay_before_next_get`): the JSON body, or the final error."""
        attempt = 1
        while True:
            outcome = self._try(call, attempt)
            if not isinstance(outcome, AttemptFailure):
                return outcome
            delay = delay_before_next_get(self.policy, outcome, attempt, self._rng)
            if delay is None:
                raise final_error(outcome, attempt)
            self._sleep(delay)
            attempt += 1

    def _run_post[T](
        self, plan: PostPlan[T], call: calls.Call, in_answer: Callable[[Body], T | None], check: Callable[[], Lookup[T]]
    ) -> tuple[T, Resolution]:
        """Drive the money-safety decision table (`posts.PostPlan`) to its end."""
        step: Step[T] = plan.start()
        while True:
            if isinstance(step, Send):
                self._sleep(step.delay)
                outcome = self._try(call, step.attempt)
                if isinstance(outcome, AttemptFailure):
                    step = plan.after_failure(outcome)
                else:
                    step = plan.after_body(outcome, in_answer)
            elif isinstance(step, Check):
                self._sleep(step.delay)
                try:
                    found = check()
                except JuspayError as error:
                    step = plan.after_check_failed(error)
                else:
                    step = plan.after_check(found)
            elif isinstance(step, Finish):
                log.info("juspay %s %s: %s", call.operation, plan.key, step.resolution)
                return step.value, step.resolution
            else:
                assert isinstance(step, Fail)
                if isinstance(step.error, JuspayOutcomeUnknown):
                    log.warning("juspay %s %s: outcome unknown", call.operation, plan.key)
                raise step.error

    def _try(self, call: calls.Call, number: int) -> Body | AttemptFailure:
        attempt = Attempt(self.config, call, number, self._request_id(), self.policy.timeout_for(number))
        try:
            response = self._http.send(attempt.request(self._http))
        except httpx.TransportError as exc:
            return attempt.failed(exc)
        return attempt.answered(response)
