"""The Fulfillment Sync answer (`POST /orders/{order_id}/fulfillment`, https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api)."""

from typing import Annotated

from pydantic import BeforeValidator, Field

from .enums import FulfillmentCommand, FulfillmentStatus
from .types_base import JuspayModel, JuspayResult, Timestamp, Vocab, none_to_empty_list


class FulfillmentCommandResult(JuspayModel):
    """One entry of `commands[]`: a command executed on the order."""

    command: Annotated[str | None, Vocab(FulfillmentCommand)] = None
    status: Annotated[str | None, Vocab(FulfillmentStatus)] = None
    metadata: str | None = None  # the `fulfillment_data` that was sent, echoed
    error_message: str | None = None
    date_created: Timestamp = None
    fulfillment_id: str | None = None  # not in Juspay's samples; read when an answer carries it


class FulfillmentResponse(JuspayResult):
    status: Annotated[str | None, Vocab(FulfillmentStatus)] = None
    merchant_id: str | None = None
    order_id: str | None = None
    commands: Annotated[list[FulfillmentCommandResult], BeforeValidator(none_to_empty_list)] = Field(
        default_factory=list
    )
