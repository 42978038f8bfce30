"""Every value Juspay documents for its enumerated fields, with what each one means.

Parsed results keep these fields as plain `str` so that a value Juspay adds tomorrow is kept and
flagged (see `JuspayModel.unknown_values`) instead of failing the parse. The classes below are
`StrEnum`s, so `order.status == OrderStatus.CHARGED` works on the plain string, and each member
carries the documented meaning that pages show beside the status badge:

    describe(OrderStatus, order.status)  ->  "Payment succeeded" (or a clear "not documented" text)

Sources: Juspay's public API reference, cited at each section below. Values marked
"(unconfirmed)" are named by Juspay's pages but never seen in a sample.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

Outcome = Literal["success", "failure", "pending", "other"]


class Documented(StrEnum):
    """A `StrEnum` whose members carry Juspay's meaning for the value."""

    meaning: str

    def __new__(cls, value: str, meaning: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    @classmethod
    def known(cls, value: object) -> bool:
        """True when Juspay documents `value` for this field."""
        return isinstance(value, str) and value in cls._value2member_map_

    @classmethod
    def lookup(cls, value: object) -> Self | None:
        return cls._value2member_map_.get(value) if isinstance(value, str) else None  # type: ignore[return-value]


def describe(vocabulary: type[Documented], value: object) -> str:
    """The documented meaning of `value`, or a plain statement that Juspay does not document it."""
    if value is None or value == "":
        return "Not set"
    member = vocabulary.lookup(value)
    if member is None:
        return f"{value} is not in Juspay's documentation for this field"
    return member.meaning


# --- Orders and transactions ----------------------------------------------------------------------
# https://juspay.io/api-reference/docs/express-checkout/order-status-api


class OrderStatus(Documented):
    """Order status, also used for `txn_detail.status` and `txn_list[].status`.

    `status_id` is the numeric code Juspay sends beside the name; `outcome` and `terminal` are our
    reading of the status table (None where Juspay does not say).
    """

    status_id: int | None
    outcome: Outcome
    terminal: bool | None
    action: str

    def __new__(
        cls, value: str, status_id: int | None, meaning: str, outcome: Outcome, terminal: bool | None, action: str = ""
    ) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status_id = status_id
        member.meaning = meaning
        member.outcome = outcome
        member.terminal = terminal
        member.action = action
        return member

    CREATED = ("CREATED", 1, "Order created (older API versions)", "pending", False, "Nothing")
    NEW = ("NEW", 10, "Order created, no payment attempted yet", "pending", False, "Nothing")
    STARTED = (
        "STARTED",
        20,
        "A transaction is pending and Juspay has not yet found a gateway for it",
        "pending",
        False,
        "Keep polling",
    )
    CHARGED = ("CHARGED", 21, "Payment succeeded", "success", True, "Fulfil. Refunds do not change this status.")
    JUSPAY_DECLINED = (
        "JUSPAY_DECLINED",
        22,
        "Juspay or the gateway rejected the input (bad data, failed offer validation, ...)",
        "failure",
        True,
        "Show failure; the customer may retry",
    )
    PENDING_VBV = (
        "PENDING_VBV",
        23,
        "Authentication in progress (3DS, OTP or UPI approval)",
        "pending",
        False,
        "Keep polling until a final state or the payment window ends",
    )
    VBV_SUCCESSFUL = (
        "VBV_SUCCESSFUL",
        24,
        "Authentication done, authorization in progress",
        "pending",
        False,
        "Keep polling",
    )
    AUTHORIZED = (
        "AUTHORIZED",
        25,
        "Pre-auth: funds authorized, awaiting capture or void",
        "pending",
        False,
        "Capture or void",
    )
    AUTHENTICATION_FAILED = (
        "AUTHENTICATION_FAILED",
        26,
        "Customer did not complete authentication",
        "failure",
        True,
        "Failure",
    )
    AUTHORIZATION_FAILED = (
        "AUTHORIZATION_FAILED",
        27,
        "Customer authenticated, but the bank declined",
        "failure",
        True,
        "Failure",
    )
    AUTHORIZING = ("AUTHORIZING", 28, "Waiting for the bank's result", "pending", False, "Keep polling")
    COD_INITIATED = ("COD_INITIATED", 29, "Customer chose cash on delivery", "other", None, "Fulfil as COD")
    VOIDED = ("VOIDED", 31, "Void of a pre-auth succeeded", "failure", True, "")
    VOID_INITIATED = ("VOID_INITIATED", 32, "Void sent, pending at the gateway", "pending", False, "Poll")
    CAPTURE_INITIATED = ("CAPTURE_INITIATED", 33, "Capture of a pre-auth pending", "pending", False, "Poll")
    CAPTURE_FAILED = ("CAPTURE_FAILED", 34, "Capture failed", "failure", None, "")
    VOID_FAILED = ("VOID_FAILED", 35, "Void failed", "failure", None, "")
    AUTO_REFUNDED = (
        "AUTO_REFUNDED",
        36,
        "Money was taken but Juspay refunded it automatically",
        "failure",
        True,
        "Do not fulfil",
    )
    PARTIAL_CHARGED = (
        "PARTIAL_CHARGED",
        37,
        "Split payment: some legs charged, others still to be charged",
        "pending",
        False,
        "Wait for the remaining leg",
    )
    NOT_FOUND = ("NOT_FOUND", 40, "The order id does not exist at Juspay (error answers only)", "other", None, "")
    TO_BE_CHARGED = (
        "TO_BE_CHARGED",
        None,
        "Transaction only: a split-payment leg waiting to be charged",
        "pending",
        False,
        "",
    )
    ERROR = ("ERROR", -1, "Not an order state: used in legacy error answers", "other", None, "")


ORDER_STATUS_BY_ID: dict[int, OrderStatus] = {s.status_id: s for s in OrderStatus if s.status_id is not None}


class PaymentMethodType(Documented):
    CARD = "CARD", "Card"
    NB = "NB", "Net banking"
    WALLET = "WALLET", "Wallet"
    UPI = "UPI", "UPI"
    CONSUMER_FINANCE = "CONSUMER_FINANCE", "Consumer finance (BNPL, EMI by lenders)"
    REWARD = "REWARD", "Reward points (seen in samples)"
    MERCHANT_CONTAINER = "MERCHANT_CONTAINER", "Merchant wallet or gift card (seen in samples)"


class AuthType(Documented):
    THREE_DS = "THREE_DS", "3-D Secure"
    OTP = "OTP", "One-time password"
    VIES = "VIES", "VIES"


class CardType(Documented):
    CREDIT = "CREDIT", "Credit card"
    DEBIT = "DEBIT", "Debit card"


class AmountBreakupName(Documented):
    BASE = "BASE", "Base amount"
    ADD_ON = "ADD_ON", "Merchant add-on amount"
    OFFER = "OFFER", "Offer discount"
    SURCHARGE = "SURCHARGE", "Surcharge (named by Juspay, not seen in samples)"
    TAX_ON_SURCHARGE = "TAX_ON_SURCHARGE", "Tax on the surcharge (named by Juspay, not seen in samples)"


class AmountBreakupMethod(Documented):
    ADD = "ADD", "Added to the base amount"
    SUB = "SUB", "Subtracted from the base amount"


# --- Refunds --------------------------------------------------------------------------------------
# https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api


class RefundStatus(Documented):
    outcome: Outcome

    def __new__(cls, value: str, meaning: str, outcome: Outcome) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        member.outcome = outcome
        return member

    PENDING = ("PENDING", "Queued with Juspay or with the gateway (every refund starts here)", "pending")
    SUCCESS = (
        "SUCCESS",
        "The gateway executed the refund; the customer's credit can take up to 7 working days",
        "success",
    )
    FAILURE = ("FAILURE", "The refund failed; raise a new refund with a new unique_request_id", "failure")
    MANUAL_REVIEW = (
        "MANUAL_REVIEW",
        "Ambiguous gateway answer or pending over 10 days; reconcile with the gateway",
        "other",
    )


class RefundType(Documented):
    STANDARD = "STANDARD", "Normal refund through the original gateway"
    INSTANT = "INSTANT", "Paid out instantly by Juspay"
    INSTANT_WITH_FALLBACK = "INSTANT_WITH_FALLBACK", "Instant, falling back to standard (Payouts product)"
    GATEWAY = "GATEWAY", "Through the gateway (Payouts product)"


# --- Offers ---------------------------------------------------------------------------------------
# https://juspay.io/api-reference/docs/express-checkout/order-status-api


class OfferStatus(Documented):
    INITIATED = "INITIATED", "Offer applied; waiting for the transaction's final status"
    AVAILED = "AVAILED", "Offer redeemed: the transaction succeeded and the benefit was given"
    REFUNDED = "REFUNDED", "Offer reverted because the transaction was refunded"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", "Order partly refunded after the offer was availed"
    FAILED = "FAILED", "Offer not redeemed: its validations failed"


class BenefitType(Documented):
    DISCOUNT = "DISCOUNT", "Discount"
    CASHBACK = "CASHBACK", "Cashback"
    MERCHANT_DISCOUNT = (
        "MERCHANT_DISCOUNT",
        "Merchant discount (payment locking): no benefit applied by Juspay (value name unconfirmed)",
    )


class CalculationRule(Documented):
    ABSOLUTE = "ABSOLUTE", "A fixed amount"
    PERCENTAGE = "PERCENTAGE", "A percentage, capped at max_amount"


# --- Fulfillment Sync -----------------------------------------------------------------------------
# https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api


class FulfillmentStatus(Documented):
    """What the merchant reports in `fulfillment_status`, and `commands[].status` in the answer."""

    SUCCESS = "SUCCESS", "Fulfilled"
    FAILURE = "FAILURE", "Not fulfilled"


class FulfillmentCommand(Documented):
    NO_ACTION = "NO_ACTION", "Only record the fulfilment; Juspay passes it to the PA/PG where needed"
    INITIATE_CREDIT = "INITIATE_CREDIT", "Delivery update for credit and consumer-finance partners"
    INITIATE_REFUND = "INITIATE_REFUND", "Ask Juspay to refund"
    BLOCK_IMEI = "BLOCK_IMEI", "Send the fulfilled device's IMEI to Pinelabs to block it"
    UNBLOCK_IMEI = "UNBLOCK_IMEI", "Send the device's IMEI to Pinelabs to unblock it"
    POST_TXN_SPLIT_SETTLEMENT = "POST_TXN_SPLIT_SETTLEMENT", "Split the settlement between vendors after payment"
    INVOICE = "INVOICE", "Share the invoice with the lender (payload unconfirmed)"
    PROTEST = "PROTEST", "Brazil only: protest an unpaid Boleto (with status FAILURE)"


# --- Payouts --------------------------------------------------------------------------------------
# https://juspay.io/api-reference/docs/payout/order-status


class PayoutOrderType(Documented):
    FULFILL_ONLY = "FULFILL_ONLY", "Payouts only"
    PAY_AND_FULFILL = "PAY_AND_FULFILL", "Collect a payment, then pay out"
    PAYMENTS_ONLY = "PAYMENTS_ONLY", "Payments only (v3.2 docs)"
    REFUNDS_ONLY = "REFUNDS_ONLY", "Refunds only (v3.2 docs)"


class PayoutOrderStatus(Documented):
    outcome: Outcome

    def __new__(cls, value: str, meaning: str, outcome: Outcome) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        member.outcome = outcome
        return member

    CREATED = ("CREATED", "Order created", "pending")
    READY_FOR_FULFILLMENT = ("READY_FOR_FULFILLMENT", "Request accepted (pay-and-fulfil: payment received)", "pending")
    FULFILLMENTS_SCHEDULED = ("FULFILLMENTS_SCHEDULED", "Queued in the scheduler, not yet picked up", "pending")
    FULFILLED_PARTIALLY = ("FULFILLED_PARTIALLY", "Some fulfilments done", "pending")
    FULFILLMENTS_SUCCESSFUL = ("FULFILLMENTS_SUCCESSFUL", "All fulfilments succeeded", "success")
    FULFILLMENTS_FAILURE = ("FULFILLMENTS_FAILURE", "Every fulfilment attempt failed", "failure")
    FULFILLMENTS_CANCELLED = ("FULFILLMENTS_CANCELLED", "Cancelled by the merchant from the dashboard", "failure")
    FULFILLMENTS_MANUAL_REVIEW = (
        "FULFILLMENTS_MANUAL_REVIEW",
        "At least one fulfilment is in manual review; check with the bank",
        "other",
    )
    READY_FOR_PAYMENTS = ("READY_FOR_PAYMENTS", "Payments received and can be scheduled", "pending")
    PAYMENTS_SCHEDULED = ("PAYMENTS_SCHEDULED", "Payments queued, not yet picked up", "pending")
    PAYMENTS_FAILURE = ("PAYMENTS_FAILURE", "All payment attempts failed", "failure")
    PAYMENTS_SUCCESSFUL = ("PAYMENTS_SUCCESSFUL", "Payments completed", "success")
    PAYMENTS_MANUAL_REVIEW = ("PAYMENTS_MANUAL_REVIEW", "A payment is in manual review; check with the bank", "other")
    READY_FOR_REFUNDS = ("READY_FOR_REFUNDS", "Refund orders received and can be scheduled", "pending")
    REFUNDS_SCHEDULED = ("REFUNDS_SCHEDULED", "Refunds queued, not yet picked up", "pending")
    REFUNDS_FAILURE = ("REFUNDS_FAILURE", "All refund attempts failed", "failure")
    REFUNDS_SUCCESSFUL = ("REFUNDS_SUCCESSFUL", "Refunds completed", "success")
    REFUNDS_MANUAL_REVIEW = ("REFUNDS_MANUAL_REVIEW", "A refund is in manual review; check with the bank", "other")


class PayoutFulfillmentStatus(Documented):
    CREATED = "CREATED", "Fulfilment created"
    INITIATED = "INITIATED", "Created at Juspay"
    PENDING = "PENDING", "Queued with Juspay or the downstream system"
    SUCCESS = "SUCCESS", "Fulfilment executed"
    FAILURE = "FAILURE", "Fulfilment failed; try again with a new request id"
    MANUAL_REVIEW = "MANUAL_REVIEW", "Ambiguous gateway answer or pending over 10 days; reconcile with the gateway"
    CANCELLED = "CANCELLED", "Cancelled by the merchant"
    DISCARDED = "DISCARDED", "Discarded by the merchant"


class PayoutTransactionStatus(Documented):
    CREATED = "CREATED", "Attempt created"
    INITIATED = "INITIATED", "Sent to the gateway"
    PENDING = "PENDING", "Queued with Juspay or the downstream system"
    SUCCESS = "SUCCESS", "Processed"
    FAILURE = "FAILURE", "Failed"
    MANUAL_REVIEW = "MANUAL_REVIEW", "Stuck pending; reconcile with the gateway"
    REVERSED = "REVERSED", "The gateway turned a success into a failure"
    CONFLICTED = "CONFLICTED", "The gateway turned a failure into a success"


class PayoutItemStatus(Documented):
    """Status of `payments[]` and `refunds[]` items of a payout order (v3.2 docs, "tentative")."""

    SUCCESS = "SUCCESS", "Executed"
    PENDING = "PENDING", "Queued with Juspay or the downstream system"
    FAILURE = "FAILURE", "Failed; try again with a new unique_request_id"
    MANUAL_REVIEW = "MANUAL_REVIEW", "Ambiguous gateway answer or pending over 10 days; reconcile with the gateway"


class BeneficiaryType(Documented):
    ACCOUNT_IFSC = "ACCOUNT_IFSC", "Bank account and IFSC"
    UPI_ID = "UPI_ID", "UPI id (VPA)"
    CARD = "CARD", "Card transfer"
    WALLET = "WALLET", "Wallet transfer"
    BENE_ID = "BENE_ID", "Pre-validated beneficiary"
    PLAIN_CARD = "PLAIN_CARD", "Card (encrypted create flow only)"


class BankValidationStatus(Documented):
    CREATED = "CREATED", "Account created"
    PENDING = "PENDING", "Validation pending"
    ACTIVE = "ACTIVE", "Validated"


# --- Errors ---------------------------------------------------------------------------------------
# https://juspay.io/api-reference/docs/express-checkout/order-status-api
# https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api


class ErrorCode(Documented):
    """`error_info.code` values seen in Juspay's error answers."""

    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND", "The order (or a successful transaction on it) was not found"
    ALREADY_EXISTS = "ALREADY_EXISTS", "The same request was already executed"
    INVALID_INPUT = "INVALID_INPUT", "Juspay rejected the request's parameters"
    UNAUTHORIZED = "UNAUTHORIZED", "The API key was refused"


# --- Webhooks -------------------------------------------------------------------------------------
# https://juspay.io/resources/docs/common-resources/webhooks
# https://docs.juspay.io/payout/docs/resources/webhooks


class WebhookEventName(Documented):
    ORDER_SUCCEEDED = "ORDER_SUCCEEDED", "Payment for the order succeeded"
    ORDER_FAILED = "ORDER_FAILED", "Payment failed"
    ORDER_REFUNDED = "ORDER_REFUNDED", "A refund succeeded (the order stays CHARGED)"
    ORDER_REFUND_FAILED = "ORDER_REFUND_FAILED", "A refund failed"
    REFUND_INITIATED = "REFUND_INITIATED", "A refund was created"
    REFUND_MANUAL_REVIEW_NEEDED = "REFUND_MANUAL_REVIEW_NEEDED", "A refund moved to manual review"
    TXN_CREATED = "TXN_CREATED", "A payment attempt started"
    TXN_CHARGED = "TXN_CHARGED", "A transaction succeeded"
    TXN_FAILED = "TXN_FAILED", "A transaction failed"
    AUTO_REFUND_SUCCEEDED = "AUTO_REFUND_SUCCEEDED", "Auto-refund succeeded"
    AUTO_REFUND_FAILED = "AUTO_REFUND_FAILED", "Auto-refund failed"
    ORDER_AUTHORIZED = "ORDER_AUTHORIZED", "Pre-auth transaction authorized"
    ORDER_PARTIAL_CHARGED = "ORDER_PARTIAL_CHARGED", "Split payment partially charged"
    MANDATE_CREATED = "MANDATE_CREATED", "Mandate created"
    MANDATE_ACTIVATED = "MANDATE_ACTIVATED", "Mandate activated"
    MANDATE_FAILED = "MANDATE_FAILED", "Mandate failed"
    MANDATE_REVOKED = "MANDATE_REVOKED", "Mandate revoked"
    MANDATE_PAUSED = "MANDATE_PAUSED", "Mandate paused"
    MANDATE_EXPIRED = "MANDATE_EXPIRED", "Mandate expired"
    NOTIFICATION_SUCCEEDED = "NOTIFICATION_SUCCEEDED", "Mandate pre-debit notification sent"
    NOTIFICATION_FAILED = "NOTIFICATION_FAILED", "Mandate pre-debit notification failed"


class PayoutWebhookLabel(Documented):
    ORDER = "ORDER", "Payout order event"
    FULFILLMENT_ORDER = "FULFILLMENT_ORDER", "Fulfilment event"
    FULFILLMENT_TXN = "FULFILLMENT_TXN", "Fulfilment transaction event"
    VALIDATION_V2 = "VALIDATION_V2", "Beneficiary validation event"
    VALIDATION = "VALIDATION", "Beneficiary validation event (older)"


class ValidationResult(Documented):
    VALID = "VALID", "Beneficiary valid"
    INVALID = "INVALID", "Beneficiary invalid"
    ERROR = "ERROR", "Validation could not be done"


PAYOUT_WEBHOOK_VALUES: dict[str, type[Documented]] = {
    PayoutWebhookLabel.ORDER: PayoutOrderStatus,
    PayoutWebhookLabel.FULFILLMENT_ORDER: PayoutFulfillmentStatus,
    PayoutWebhookLabel.FULFILLMENT_TXN: PayoutTransactionStatus,
    PayoutWebhookLabel.VALIDATION_V2: ValidationResult,
    PayoutWebhookLabel.VALIDATION: ValidationResult,
}
