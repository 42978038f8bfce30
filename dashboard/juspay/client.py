"""The synchronous Juspay client, for request/response work (pages, the executor, Celery tasks).

    with JuspayClient.for_merchant(merchant) as juspay:
        order = juspay.order_status("ORD2406A17")
        outcome = juspay.refund("ORD2406A17", unique_request_id="RFD-A17-0001", amount=Decimal("499.00"))

Money-safety rule: a state-changing request (refund, fulfilment command) never goes out twice
without first checking Order Status. Every try sends the same idempotency key; when a try's outcome
is unknown (timeout or dropped connection after sending, 5xx, an answer we cannot read) the client
looks for the refund's `unique_request_id` (or the command's `fulfillment_id`) in Order Status and
returns what it finds instead of sending again. The decision table is `dashboard.juspay.posts`.

GETs are retried on timeouts, connection errors, 429 and 5xx, with exponential backoff and jitter,
at most `config.max_attempts` tries (1 s for the first, 2 s for the others by default).
Every error is one of `dashboard.juspay.errors`; httpx exceptions never escape.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from . import calls
from .config import JuspayConfig
from .errors import JuspayError, JuspayOutcomeUnknown
from .exchange import AttemptFailure, Body, final_error, read_response, transport_failure
from .forms import SplitRefundDetails, SplitSettlementDetails
from .operations import FulfillmentOperation, RefundOperation
from .outcomes import FulfillmentOutcome, RefundOutcome
from .posts import Check, Fail, Finish, Lookup, PostPlan, Resolution, Send, Step
from .types_order import Order
from .types_payout import PayoutOrder

if TYPE_CHECKING:
    from dashboard.models import Merchant

log = logging.getLogger("dashboard.juspay")


def default_request_id() -> str:
    """Our request id for `x-request-id`: the running request's or task's (see request_context)."""
    from dashboard.request_context import current_request_id

    return current_request_id()


def http_timeout(config: JuspayConfig, seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, pool=config.pool_timeout)


def http_limits(config: JuspayConfig) -> httpx.Limits:
    return httpx.Limits(
        max_connections=config.max_connections, max_keepalive_connections=config.max_connections, keepalive_expiry=30.0
    )


class JuspayClient:
    """One pool of keep-alive connections per client; safe to share between threads."""

    def __init__(
        self,
        config: JuspayConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        request_id: Callable[[], str] = default_request_id,
    ) -> None:
        self.config = config
        self.policy = config.retry_policy
        self._sleep = sleep
        self._rng = rng
        self._request_id = request_id
        self._http = httpx.Client(
            base_url=config.base_url,
            transport=transport,
            limits=http_limits(config),
            timeout=http_timeout(config, config.timeout),
            follow_redirects=False,
        )

    @classmethod
    def for_merchant(cls, merchant: Merchant, **kwargs: Any) -> JuspayClient:
        return cls(JuspayConfig.for_merchant(merchant), **kwargs)

    @classmethod
    def from_settings(cls, **kwargs: Any) -> JuspayClient:
        return cls(JuspayConfig.from_settings(), **kwargs)

    def close(self) -> None:
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
    ) -> FulfillmentOutcome:
        """`POST /orders/{order_id}/fulfillment`, settled through Order Status when the answer is lost.

        `fulfillment_id` is required here: it is the idempotency key that lets a lost answer be
        settled without sending the command again.
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
            op.plan(self.policy, check_first=check_first, rng=self._rng),
            op.call,
            op.in_answer,
            lambda: op.in_order(self.order_status(order_id, customer_id=customer_id)),
        )
        return op.outcome(found, resolution)

    # --- Driving the tries -----------------------------------------------------------------------------

    def _get(self, call: calls.Call) -> Body:
        """A GET with retries: the JSON body, or the final error."""
        failure: AttemptFailure | None = None
        attempt = 0
        while attempt < self.policy.max_attempts:
            attempt += 1
            if failure is not None:
                self._sleep(self.policy.delay_before(attempt, retry_after=failure.retry_after, rng=self._rng))
            outcome = self._try(call, attempt)
            if not isinstance(outcome, AttemptFailure):
                return outcome
            failure = outcome
            if not failure.retryable:
                break
        assert failure is not None
        raise final_error(failure, attempt)

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

    def _try(self, call: calls.Call, attempt: int) -> Body | AttemptFailure:
        request_id = self._request_id()
        timeout = self.policy.timeout_for(attempt)
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params or None,
            headers=calls.headers(self.config, call, request_id),
            content=calls.body(call),
            timeout=http_timeout(self.config, timeout),
        )
        started = time.monotonic()
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            failure = transport_failure(exc, timeout=timeout, sent_request_id=request_id)
            log_try(call, attempt, request_id, started, failure=failure)
            return failure
        outcome = read_response(response, sent_request_id=request_id)
        log_try(
            call,
            attempt,
            request_id,
            started,
            status=response.status_code,
            failure=outcome if isinstance(outcome, AttemptFailure) else None,
        )
        return outcome


def log_try(
    call: calls.Call,
    attempt: int,
    request_id: str,
    started: float,
    *,
    status: int | None = None,
    failure: AttemptFailure | None = None,
) -> None:
    elapsed_ms = (time.monotonic() - started) * 1000
    if failure is None:
        log.debug(
            "juspay %s %s try %d: %s in %.0f ms (request id %s)",
            call.method,
            call.operation,
            attempt,
            status,
            elapsed_ms,
            request_id,
        )
    else:
        log.info(
            "juspay %s %s try %d failed after %.0f ms: %s (request id %s)",
            call.method,
            call.operation,
            attempt,
            elapsed_ms,
            failure.error,
            request_id,
        )
