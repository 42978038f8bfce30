"""Error bodies, each in the shape its endpoint documents: Order Status
(https://juspay.io/api-reference/docs/express-checkout/order-status-api), Fulfillment Sync
(https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api) and Refund (https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api)."""

import uuid
from typing import Any

UNAUTHORIZED = {
    "status": "error",
    "error_code": "access_denied",
    "error_info": {
        "user_message": "Unauthorized.",
        "developer_message": "Invalid API Key. Please pass a valid and active api key.",
        "code": "UNAUTHORIZED",
        "category": "USER_ERROR",
    },
}


def order_not_found(order_id: str) -> dict[str, Any]:
    """Order Status and Fulfillment Sync: 400 with status NOT_FOUND / 40 and structured error_info."""
    return {
        "status": "NOT_FOUND",
        "status_id": 40,
        "order_id": order_id,
        "error_info": {
            "user_message": "Order Not Found",
            "developer_message": "Order Not Found",
            "code": "RESOURCE_NOT_FOUND",
            "category": "USER_ERROR",
        },
    }


def refund_order_not_found(order_id: str) -> dict[str, Any]:
    """The Refund API's older shape, without error_info (see the Refund API reference above)."""
    return {"status_id": 40, "status": "NOT_FOUND", "order_id": order_id}


def payout_order_not_found(order_id: str) -> dict[str, Any]:
    """Not documented for the payout API; the structured style (`error_info`) of the other endpoints is assumed."""
    return structured(
        "error", "RESOURCE_NOT_FOUND", f"Order {order_id} not found", "RESOURCE_NOT_FOUND", "Order not found."
    )


def structured(
    status: str, error_code: str, message: str, code: str, user_message: str, developer_message: str | None = None
) -> dict[str, Any]:
    return {
        "status": status,
        "error_code": error_code,
        "error_message": message,
        "error_info": {
            "request_id": str(uuid.uuid4()),
            "href": "NA",
            "code": code,
            "category": "USER_ERROR",
            "developer_message": developer_message or message,
            "user_message": user_message,
        },
    }


def invalid_input(message: str) -> dict[str, Any]:
    body = structured(
        "Bad Request", "Invalid", message, "INVALID_INPUT", "Invalid request params. Please verify your input."
    )
    del body["error_info"]["request_id"], body["error_info"]["href"]
    return body


def no_txn_found() -> dict[str, Any]:
    return {
        "status": "ERROR",
        "error_code": "No txn Found",
        "error_message": "No successfull txn found for given order_id ",
        "error_info": {
            "request_id": str(uuid.uuid4()),
            "developer_message": "No successfull txn found for given order_id",
            "user_message": "Cannot process your request as no transaction found for this order.",
            "code": "RESOURCE_NOT_FOUND",
        },
    }


def fulfillment_duplicate() -> dict[str, Any]:
    return structured(
        "ERROR",
        "invalid_request",
        "The request is redundant,command has been previously executed successfully",
        "ALREADY_EXISTS",
        "Request has already been executed successfully.",
        "Duplicate request. Provided command has already been executed previously.",
    )


def legacy(message: str, error_code: str, status_id: int | str = -1) -> dict[str, Any]:
    return {"status_id": status_id, "status": "ERROR", "error_message": message, "error_code": error_code}


REFUND_DUPLICATE_REQUEST_ID = legacy(
    "A refund call was already completed with this unique_request_id for the order.", "duplicate.call"
)
REFUND_DUPLICATE_AMOUNT = legacy(
    "A refund call was already processing with this amount for the order.", "duplicate.call", "-1"
)
REFUND_AMOUNT_EXCEEDED = legacy("Refund amount exceeds the refundable amount.", "invalid.amount.exceeded")
REFUND_AMOUNT_INVALID = legacy("Amount is invalid.", "invalid amount")
REFUND_ORDER_NOT_SUCCESSFUL = legacy("Cannot process unsuccessful order.", "invalid.order.not_successful")
REFUND_MISSING_FIELDS = {
    "status": "Bad Request",
    "error_message": "Mandatory fields are missing",
    "error_code": "Mandatory fields are missing",
}

SERVER_ERROR = b"Internal Server Error"
NOT_FOUND = b"Not Found"
