"""What the state-changing calls return: the refund or command Juspay holds, and how we learnt it."""

from __future__ import annotations

from dataclasses import dataclass

from .posts import Resolution
from .types_fulfillment import FulfillmentCommandResult, FulfillmentResponse
from .types_order import Order, Refund


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
