"""The two state-changing operations, minus the I/O: what to send, and how to find its effect.

`JuspayClient` drives them through `posts.PostPlan`; keeping them free of I/O lets the tests drive
them too. Juspay's documentation: https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api
and https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from . import calls, lookups
from .enums import FulfillmentCommand
from .errors import JuspayDuplicateRequest
from .exchange import Body
from .forms import FulfillmentRequest, RefundRequest, SplitRefundDetails, SplitSettlementDetails
from .outcomes import FulfillmentOutcome, RefundOutcome
from .posts import UNOBSERVABLE, Lookup, PostPlan, Resolution
from .retry import RetryPolicy
from .types_fulfillment import FulfillmentCommandResult, FulfillmentResponse
from .types_order import Order, Refund


@dataclass(frozen=True)
class RefundOperation:
    order_id: str
    request: RefundRequest
    customer_id: str | None = None

    @classmethod
    def build(
        cls,
        order_id: str,
        *,
        unique_request_id: str,
        amount: Decimal,
        customer_id: str | None = None,
        split_settlement_details: SplitRefundDetails | None = None,
    ) -> RefundOperation:
        request = RefundRequest(
            unique_request_id=unique_request_id, amount=amount, split_settlement_details=split_settlement_details
        )
        return cls(order_id, request, customer_id)

    @property
    def call(self) -> calls.Call:
        return calls.refund(self.order_id, self.request, customer_id=self.customer_id)

    def plan(
        self, policy: RetryPolicy, *, check_first: bool, rng: random.Random | None = None
    ) -> PostPlan[tuple[Order, Refund]]:
        return PostPlan(
            policy,
            operation="refund",
            order_id=self.order_id,
            key=self.request.unique_request_id,
            check_first=check_first,
            rng=rng,
        )

    def in_answer(self, body: Body) -> tuple[Order, Refund] | None:
        """The refund answer is the whole order; ours is the refund with our key."""
        return self.in_order(Order.parse(body))

    def in_order(self, order: Order) -> tuple[Order, Refund] | None:
        refund = lookups.refund_in(order, self.request)
        return (order, refund) if refund is not None else None

    def outcome(self, found: tuple[Order, Refund], resolution: Resolution) -> RefundOutcome:
        order, refund = found
        lookups.ensure_same_refund(refund, self.request)
        return RefundOutcome(order=order, refund=refund, resolution=resolution)


@dataclass(frozen=True)
class FulfillmentOperation:
    order_id: str
    request: FulfillmentRequest
    customer_id: str | None = None

    @classmethod
    def build(
        cls,
        order_id: str,
        *,
        fulfillment_id: str,
        status: str,
        command: str,
        time: datetime | None = None,
        data: str | None = None,
        split_settlement_details: SplitSettlementDetails | None = None,
        customer_id: str | None = None,
    ) -> FulfillmentOperation:
        request = FulfillmentRequest(
            fulfillment_status=status,
            fulfillment_command=command,
            fulfillment_time=time,
            fulfillment_id=fulfillment_id,
            fulfillment_data=data,
            split_settlement_details=split_settlement_details,
        )
        return cls(order_id, request, customer_id)

    @property
    def call(self) -> calls.Call:
        return calls.fulfillment_sync(self.order_id, self.request, customer_id=self.customer_id)

    def plan(
        self, policy: RetryPolicy, *, check_first: bool, rng: random.Random | None = None, moves_money: bool = False
    ) -> PostPlan[FulfillmentOutcome]:
        """The decision table for this command. A command that moves money is never resent to learn its
        outcome: the Fulfillment Sync page calls `fulfillment_id` "A unique/repeat merchant-generated
        identifier", so Juspay does not promise to refuse a repeat of it, and a resend could pay twice."""
        key = self.request.fulfillment_id or ""
        return PostPlan(
            policy,
            operation="fulfillment_sync",
            order_id=self.order_id,
            key=key,
            check_first=check_first,
            confirm_duplicate=None if moves_money else self.confirmed_by_duplicate,
            rng=rng,
        )

    def in_answer(self, body: Body) -> FulfillmentOutcome | None:
        response = FulfillmentResponse.parse(body)
        return _found(lookups.command_in(response.commands, self.request), response=response)

    def in_order(self, order: Order) -> Lookup[FulfillmentOutcome]:
        """Order Status shows a split settlement, but no documented list of fulfilment commands. Nor can
        it show INITIATE_REFUND's effect: its `refunds[]` are keyed by the `unique_request_id` the Refund API
        was given, and the Fulfillment Sync request carries none, so no refund there is known to be ours."""
        if self.request.fulfillment_command != FulfillmentCommand.POST_TXN_SPLIT_SETTLEMENT:
            return UNOBSERVABLE
        if not lookups.split_applied_in(order, self.request):
            return None
        return _found(lookups.command_assumed(self.request), order=order)

    def confirmed_by_duplicate(self, error: JuspayDuplicateRequest) -> FulfillmentOutcome:
        command = lookups.command_assumed(self.request, error_message=error.user_message or error.message)
        return FulfillmentOutcome(command=command, resolution=Resolution.CONFIRMED_BY_DUPLICATE)

    def outcome(self, found: FulfillmentOutcome, resolution: Resolution) -> FulfillmentOutcome:
        return FulfillmentOutcome(
            command=found.command, resolution=resolution, response=found.response, order=found.order
        )


def _found(
    command: FulfillmentCommandResult | None, *, response: FulfillmentResponse | None = None, order: Order | None = None
) -> FulfillmentOutcome | None:
    if command is None:
        return None
    return FulfillmentOutcome(command=command, resolution=Resolution.SENT, response=response, order=order)
