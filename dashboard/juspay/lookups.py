"""Finding the effect of a state-changing call in Juspay's answers, by its idempotency key."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import JuspayDuplicateRequest
from .forms import FulfillmentRequest, RefundRequest
from .types_fulfillment import FulfillmentCommandResult
from .types_order import Order, Refund


def refund_in(order: Order, request: RefundRequest) -> Refund | None:
    """Our refund in an order answer, found by `unique_request_id`."""
    return order.find_refund(request.unique_request_id)


def ensure_same_refund(refund: Refund, request: RefundRequest, *, sent_request_id: str | None = None) -> None:
    """A refund found under our key must be for our amount; otherwise the key was reused."""
    if refund.amount is not None and refund.amount != request.amount:
        raise JuspayDuplicateRequest(
            f"unique_request_id {request.unique_request_id} was already used for a refund of {refund.amount}, "
            f"not {request.amount}",
            error_code="duplicate.call",
            sent_request_id=sent_request_id,
        )


def command_in(
    commands: Sequence[FulfillmentCommandResult], request: FulfillmentRequest
) -> FulfillmentCommandResult | None:
    """Our command among `commands[]`: by `fulfillment_id` when entries carry one, else by data.

    Juspay's documented `commands[]` entries carry no `fulfillment_id`; then an entry with our command
    and our `fulfillment_data` (echoed as `metadata`) is taken as ours, the latest one first.
    """
    same_command = [c for c in commands if c.command == request.fulfillment_command]
    if any(c.fulfillment_id for c in same_command):
        return next((c for c in reversed(same_command) if c.fulfillment_id == request.fulfillment_id), None)
    if request.fulfillment_data is not None:
        same_command = [c for c in same_command if c.metadata == request.fulfillment_data]
    return same_command[-1] if same_command else None


def split_applied_in(order: Order, request: FulfillmentRequest) -> bool:
    """Whether Order Status shows the vendor split a POST_TXN_SPLIT_SETTLEMENT asked for."""
    details = request.split_settlement_details
    applied = order.split_settlement_response
    if details is None or applied is None or not applied.split_applied:
        return False
    wanted = {(share.sub_mid, share.amount) for share in details.vendor.split}
    shown = {(split.sub_vendor_id, split.amount) for split in applied.split_details}
    return wanted == shown


def command_assumed(request: FulfillmentRequest, *, error_message: str | None = None) -> FulfillmentCommandResult:
    """Our command as executed, when Juspay confirmed it without listing it (Order Status, or a duplicate
    refusal): the fields we sent, status SUCCESS, no execution time."""
    return FulfillmentCommandResult(
        command=request.fulfillment_command,
        status="SUCCESS",
        metadata=request.fulfillment_data,
        fulfillment_id=request.fulfillment_id,
        error_message=error_message,
    )
