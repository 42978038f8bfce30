"""What the state-changing calls and the bulk status fetch return."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import JuspayError
from .posts import Resolution
from .types_fulfillment import FulfillmentCommandResult, FulfillmentResponse
from .types_order import Order, Refund
from .types_payout import PayoutOrder


@dataclass(frozen=True)
class RefundOutcome:
    """The refund raised with our `unique_request_id`, as Juspay holds it, and how we learnt it."""

    order: Order  # the order as Juspay returned it (refund answer, or Order Status on a check)
    refund: Refund
    resolution: Resolution

    @property
    def sent_now(self) -> bool:
        return self.resolution is Resolution.SENT


@dataclass(frozen=True)
class FulfillmentOutcome:
    """The fulfilment command with our `fulfillment_id`, and how we learnt it took effect."""

    command: FulfillmentCommandResult
    resolution: Resolution
    response: FulfillmentResponse | None = None  # Juspay's answer, when it reached us
    order: Order | None = None  # the Order Status that showed it, when the answer was lost

    @property
    def sent_now(self) -> bool:
        return self.resolution is Resolution.SENT


@dataclass(frozen=True)
class FetchResult[T]:
    """One id of a bulk fetch: what was fetched, or the error that stopped it (never both)."""

    order_id: str
    value: T | None = None
    error: JuspayError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def order(self) -> T | None:
        return self.value


type OrderStatusResult = FetchResult[Order]
type PayoutOrderStatusResult = FetchResult[PayoutOrder]
