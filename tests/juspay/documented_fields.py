"""The response fields each of Juspay's five documentation pages documents, page by page, as JSON paths.

Read by `tests/juspay/field_coverage.py`, which measures how many of them the product shows to a person.

How the lists were made. Each list follows its page top to bottom and names every field the page documents
in its *successful* response, once per page (a field the page describes twice, e.g. `gateway_reference_id` on
the offer page, counts once). Error bodies (HTTP 400/401/500) are not counted: no page names their fields
for a success answer, and the product shows a failed call as one message. Where our copy of a page gives a
field's description without its name, the name is the one Juspay's own sample payloads use for that
description (our `tests/juspay/payloads/` carry those shapes); where no name could be matched, the field is
left out and a comment says so. Nothing here is invented: a description we could not place is not counted.

Paths: `a.b` is key `b` inside object `a`; `a[]` is an array whose items are objects (`a[].b`) or strings
(`preferredMethodList[]`, a leaf).

Kinds decide the value each field carries in the measured answer (see field_coverage.py):
- value kinds (`text`, `email`, `phone`, `name`, `url`, `amount`, `amount_text`, `integer`, `timestamp`,
  `digits4`, `digits6`): a unique sentinel; shown when the sentinel (in any formatting) is on the page.
- `choice` (enumerations, and booleans as `True, False`): two documented values; shown when the page a
  person sees differs between the two, everything else equal.
- `object` / `array`: a block the page documents without naming its parts (e.g. Fulfillment Sync's
  `commands`); filled with the parts Juspay's samples carry (`parts`), shown when any of them is.
`same_as`: Juspay sends the same value in both places (e.g. `txn_detail.order_id` is the order's
`order_id`), so both carry one sentinel and each is shown when that value is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    path: str
    kind: str = "text"
    choices: tuple[Any, ...] = ()  # for `choice`: the value of the measured answer first, then the other one
    same_as: str = ""
    parts: tuple[tuple[str, str], ...] = ()  # for `object`/`array`: (key, kind) of the parts filled in


@dataclass(frozen=True)
class Scenario:
    """One answer (or set of answers) the measurement feeds the product; `fields` are counted from it."""

    name: str
    fields: tuple[Field, ...]
    base: dict[str, Any] | None = None  # values the answer needs that this scenario does not count (merged in)
    drop: tuple[str, ...] = ()  # paths of the measurement's filler answer to leave out of this one


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    url: str
    api: str  # "order_status", "payout_order_status" or "fulfillment_sync": which answer the fields are in
    scenarios: tuple[Scenario, ...]
    notes: str = ""

    @property
    def fields(self) -> list[Field]:
        return [f for s in self.scenarios for f in s.fields]


def boolean(path: str, first: bool = True) -> Field:
    return Field(path, "choice", (first, not first))


def choice(path: str, *values: str) -> Field:
    return Field(path, "choice", tuple(values))


def udfs(prefix: str = "") -> tuple[Field, ...]:
    return tuple(Field(f"{prefix}udf{n}") for n in range(1, 11))


ORDER_STATUSES = ("CHARGED", "AUTHORIZING")  # both documented order statuses (Status Mapping)
REFUND_STATUSES = ("SUCCESS", "MANUAL_REVIEW")

# --- 1. Order Status API --------------------------------------------------------------------------------

_card = (
    Field("card.expiry_year", "digits4"),
    Field("card.card_reference"),
    choice("card.expiry_month", "11", "04"),  # two digits cannot be unique on a page: judged by difference
    boolean("card.saved_to_locker"),
    Field("card.name_on_card", "name"),
    Field("card.card_issuer"),
    Field("card.last_four_digits", "digits4"),
    boolean("card.using_saved_card"),
    Field("card.card_fingerprint"),  # "The unique identifier for the card"
    Field("card.card_isin", "digits6"),
    choice("card.card_type", "CREDIT", "DEBIT"),
    Field("card.card_brand"),  # "can be VISA, RUPAY etc.": an open list, so a sentinel
)

ORDER_STATUS = Page(
    key="order-status",
    title="Order Status API",
    url="https://juspay.io/api-reference/docs/express-checkout/order-status-api",
    api="order_status",
    notes=(
        "udf1..udf10 are one row on the page ('The user defined fields passed during order creation'); Juspay's "
        "samples send them as ten top-level keys, each counted. The `authorization` block's three parameters "
        "(auth id code, acquirer BIN, acquirer MID) have no names in our copy of the page: counted as one block. "
        "Two txn_list examples ('1', '1') whose field names the page does not give are not counted."
    ),
    scenarios=(
        Scenario(
            "one payment",
            (
                Field("id"),
                Field("order_id"),
                choice("status", *ORDER_STATUSES),
                Field("status_id", "integer"),
                Field("amount", "amount"),
                Field("date_created", "timestamp"),
                Field("customer_email", "email"),
                Field("customer_phone", "phone"),
                Field("customer_id"),
                Field("merchant_id"),
                Field("currency"),
                Field("return_url", "url"),
                Field("product_id"),
                *udfs(),
                Field("txn_id"),
                choice("payment_method_type", "CARD", "CONSUMER_FINANCE"),
                Field("payment_method"),
                choice("auth_type", "THREE_DS", "VIES"),
                boolean("refunded", first=False),
                Field("amount_refunded", "amount"),
                Field("refunds[].unique_request_id"),
                choice("refunds[].status", *REFUND_STATUSES),
                boolean("refunds[].sent_to_gateway"),
                choice("refunds[].refund_type", "STANDARD", "INSTANT"),
                Field("refunds[].refund_source"),  # "The name of gateway from which amount is refunded"
                Field("refunds[].ref"),  # "The refund id provided by the PG"
                Field("refunds[].initiated_by"),  # "The source of initiation"
                Field("refunds[].id"),  # "The reference id provided by PG, if not available ... unique request id"
                Field("refunds[].amount", "amount"),
                Field("refunds[].created", "timestamp"),
                Field("txn_uuid"),
                choice("txn_detail.txn_amount_breakup[].name", "SURCHARGE", "TAX_ON_SURCHARGE"),
                Field("txn_detail.txn_amount_breakup[].amount", "amount"),
                Field("txn_detail.txn_amount_breakup[].sno", "integer"),
                choice("txn_detail.txn_amount_breakup[].method", "ADD", "SUB"),
                Field("txn_detail.txn_amount_breakup[].desc"),
                Field("payment_gateway_response.resp_code"),
                Field("payment_gateway_response.rrn"),
                Field("payment_gateway_response.created", "timestamp"),
                Field("payment_gateway_response.epg_txn_id"),
                Field("payment_gateway_response.auth_id_code"),
                Field("payment_gateway_response.txn_id", same_as="txn_id"),
                Field("payment_gateway_response.resp_message"),
                Field("payment_gateway_response.offer_type"),
                boolean("payment_gateway_response.offer_availed"),
                Field("payment_gateway_response.discount_amount", "amount"),
                Field("gateway_id", "integer"),
                Field("gateway_reference_id"),
                *_card,
                Field("authentication.eci"),
                Field("authentication.cavv"),
                Field("authentication.threeDSVersion"),
                Field("authentication.threeDSTransStatusReason"),
                Field("authentication.threeDSServerTransID"),
                Field("authentication.threeDSTransStatus"),
                Field("authentication.cavvAlgorithm"),
                Field("authentication.threeDSTransId"),  # in the page's JSON example, without its own line
                Field(
                    "authorization",
                    "object",
                    parts=(("auth_id_code", "text"), ("acquirer_bin", "text"), ("acquirer_mid", "text")),
                ),
            ),
        ),
        Scenario(
            "split payment (txn_list)",
            (
                Field("txn_list[].txn_id"),
                choice("txn_list[].payment_method_type", "NB", "WALLET"),
                choice("txn_list[].auth_type", "THREE_DS", "OTP"),
                Field("txn_list[].payment_method"),
                boolean("txn_list[].refunded", first=False),
                Field("txn_list[].txn_uuid"),
                Field("txn_list[].txn_detail.txn_id", same_as="txn_list[].txn_id"),
                Field("txn_list[].txn_detail.order_id", same_as="order_id"),
                choice("txn_list[].txn_detail.status", *ORDER_STATUSES),
                Field("txn_list[].txn_detail.gateway_id", "integer"),
                Field("txn_list[].txn_detail.currency"),
                Field("txn_list[].txn_detail.gateway"),
                Field("txn_list[].txn_detail.created", "timestamp"),
                Field("txn_list[].txn_detail.txn_flow_type"),  # the example NET_BANKING
                Field("txn_list[].payment_gateway_response.resp_code"),
                Field("txn_list[].payment_gateway_response.rrn"),
                Field("txn_list[].payment_gateway_response.created", "timestamp"),
                Field("txn_list[].payment_gateway_response.epg_txn_id"),
                Field("txn_list[].payment_gateway_response.resp_message"),
                Field("txn_list[].payment_gateway_response.txn_id", same_as="txn_list[].txn_id"),
                Field("txn_list[].gateway_id", "integer"),
                choice("txn_list[].status", *ORDER_STATUSES),
            ),
            # A split payment carries its transactions only in txn_list (no top-level txn_detail, card, ...).
            drop=("txn_id", "txn_uuid", "txn_detail", "payment_gateway_response", "payment_method_type", "card"),
            base={"txn_list": [{"txn_detail": {"txn_amount": 1500.0, "net_amount": 1500.0}}]},
        ),
    ),
)

# --- 2. Offer Order Status ---------------------------------------------------------------------------

OFFER_ORDER_STATUS = Page(
    key="offer-order-status",
    title="Get Offer Order Status",
    url="https://juspay.io/api-reference/docs/express-checkout/get-offer-order-status",
    api="order_status",
    notes=(
        "The page shows three payment links (desktop, mobile, iframe) as `payment_links`' web, mobile and iframe. "
        "Its refund block is named without parts: counted as one block, filled with the Order Status page's "
        "refund fields."
    ),
    scenarios=(
        Scenario(
            "order with an offer",
            (
                Field("customer_email", "email"),
                Field("customer_phone", "phone"),
                Field("customer_id"),
                Field("status_id", "integer"),
                choice("status", *ORDER_STATUSES),
                Field("id"),
                Field("merchant_id"),
                Field("amount", "amount"),
                Field("currency"),
                Field("order_id"),
                Field("date_created", "timestamp"),
                Field("return_url", "url"),
                Field("product_id"),
                Field("payment_links.web", "url"),
                Field("payment_links.mobile", "url"),
                Field("payment_links.iframe", "url"),
                *udfs(),
                Field("txn_id"),
                choice("payment_method_type", "CARD", "CONSUMER_FINANCE"),
                choice("auth_type", "THREE_DS", "VIES"),
                *_card,
                Field("payment_method"),
                boolean("refunded", first=False),
                Field("amount_refunded", "amount"),
                Field("txn_uuid"),
                Field("txn_detail.txn_id", same_as="txn_id"),
                Field("txn_detail.order_id", same_as="order_id"),
                choice("txn_detail.status", *ORDER_STATUSES),
                Field("txn_detail.currency", same_as="currency"),
                Field("txn_detail.txn_uuid", same_as="txn_uuid"),
                Field("txn_detail.gateway"),
                Field("txn_detail.created", "timestamp"),
                Field("payment_gateway_response.resp_code"),
                Field("payment_gateway_response.rrn"),
                Field("payment_gateway_response.created", "timestamp"),
                Field("payment_gateway_response.epg_txn_id"),
                Field("payment_gateway_response.resp_message"),
                Field("payment_gateway_response.auth_id_code"),
                Field("payment_gateway_response.txn_id", same_as="txn_id"),
                Field("gateway_id", "integer"),
                Field("gateway_reference_id"),
                Field("offers[].offer_id"),
                Field("offers[].offer_code"),
                choice("offers[].status", "AVAILED", "REFUNDED"),
                choice("offers[].benefits[].type", "DISCOUNT", "CASHBACK"),
                Field("offers[].benefits[].calculation_info.value", "amount"),
                choice("offers[].benefits[].calculation_info.calculation_rule", "PERCENTAGE", "ABSOLUTE"),
                Field("offers[].benefits[].calculation_info.max_amount", "amount"),
                Field("offers[].benefits[].amount", "amount"),
                Field(
                    "refunds",
                    "array",
                    parts=(("unique_request_id", "text"), ("ref", "text"), ("id", "text"), ("amount", "amount")),
                ),
            ),
        ),
    ),
)

# --- 3. Order Status for split settlement (v3.2) ------------------------------------------------------------

SPLIT_SETTLEMENT = Page(
    key="split-settlement",
    title="Order Status for Split Settlement (v3.2)",
    url="https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement",
    api="order_status",
    notes="udf1 is documented as 'udf1 to udf10': ten fields.",
    scenarios=(
        Scenario(
            "marketplace order",
            (
                boolean("split_settlement_response.split_applied"),
                Field("split_settlement_response.split_details[].sub_vendor_id"),
                Field("split_settlement_response.split_details[].amount", "amount"),
                Field("payment_links.web", "url"),
                Field("payment_links.mobile", "url"),
                Field("payment_links.iframe", "url"),
                Field("payment_gateway_response.txn_id", same_as="txn_id"),
                Field("payment_gateway_response.rrn"),
                Field("payment_gateway_response.resp_message"),
                Field("payment_gateway_response.resp_code"),
                Field("payment_gateway_response.epg_txn_id"),
                Field("payment_gateway_response.created", "timestamp"),
                Field("payment_gateway_response.auth_id_code"),
                Field("txn_detail.txn_uuid", same_as="txn_uuid"),
                Field("txn_detail.txn_id", same_as="txn_id"),
                Field("txn_detail.txn_amount", "amount_text"),
                Field("txn_detail.tax_amount", "amount_text"),
                Field("txn_detail.surcharge_amount", "amount_text"),
                choice("txn_detail.status", *ORDER_STATUSES),
                boolean("txn_detail.redirect"),
                Field("txn_detail.order_id", same_as="order_id"),
                Field("txn_detail.net_amount", "amount_text"),
                Field("txn_detail.gateway_id", same_as="gateway_id"),
                Field("txn_detail.gateway"),
                boolean("txn_detail.express_checkout"),
                Field("txn_detail.error_message"),
                Field("txn_detail.error_code"),
                Field("txn_detail.currency", same_as="currency"),
                Field("txn_detail.created", "timestamp"),
                boolean("card.using_saved_card"),
                boolean("card.saved_to_locker"),
                Field("card.last_four_digits", "digits4"),
                Field("card.name_on_card", "name"),
                Field("card.expiry_year", "digits4"),
                choice("card.expiry_month", "11", "04"),
                choice("card.card_type", "CREDIT", "DEBIT"),
                Field("card.card_reference"),
                Field("card.card_issuer"),
                Field("card.card_isin", "digits6"),
                Field("card.card_brand"),
                Field("refunds[].id"),
                Field("refunds[].unique_request_id"),
                Field("refunds[].ref"),
                Field("refunds[].amount", "amount"),
                Field("refunds[].created", "timestamp"),
                choice("refunds[].status", *REFUND_STATUSES),
                Field("refunds[].error_message"),
                boolean("refunds[].sent_to_gateway"),
                Field("merchant_id"),
                Field("order_id"),
                Field("id"),
                Field("customer_id"),
                Field("customer_email", "email"),
                Field("customer_phone", "phone"),
                Field("product_id"),
                choice("status", *ORDER_STATUSES),
                Field("status_id", "integer"),
                Field("amount", "amount"),
                Field("currency"),
                boolean("refunded", first=False),
                Field("date_created", "timestamp"),
                Field("return_url", "url"),
                *udfs(),
                Field("txn_id"),
                Field("txn_uuid"),
                Field("gateway_id", "integer"),
                Field("gateway_reference_id"),
                Field("bank_error_code"),
                Field("bank_error_message"),
                choice("payment_method_type", "CARD", "UPI"),
                Field("payment_method"),
                choice("auth_type", "THREE_DS", "OTP"),
            ),
        ),
    ),
)

# --- 4. Payout Order Status (v3.2), expand=fulfillment,payment,refund ------------------------------------------

PAYOUT_TOP = (
    Field("orderId"),
    Field("amount", "amount_text"),
    Field("customerId"),
    Field("createdAt", "timestamp"),
    Field("updatedAt", "timestamp"),
    choice("type", "FULFILL_ONLY", "PAYMENTS_ONLY"),
    choice("status", "FULFILLMENTS_SUCCESSFUL", "FULFILLMENTS_MANUAL_REVIEW"),
)
FULFILLMENT = (
    Field("fulfillments[].updatedBy"),  # '"DEFAULT" unless otherwise indicated': an open value, a sentinel
    Field("fulfillments[].updatedAt", "timestamp"),
    Field("fulfillments[].type"),  # '"ORDER"'; one documented value, so a sentinel (shown as sent or not at all)
    Field("fulfillments[].id"),
    Field("fulfillments[].createdAt", "timestamp"),
    choice("fulfillments[].status", "SUCCESS", "MANUAL_REVIEW"),
    Field("fulfillments[].statusUpdatedAt", "timestamp"),
    Field("fulfillments[].merchantCustomerId"),
    Field("fulfillments[].preferredMethodList[]"),
    Field("fulfillments[].fulfillmentMethodList[]"),
    Field("fulfillments[].amount", "amount_text"),
    Field("fulfillments[].transactions[].updatedAt", "timestamp"),
    Field("fulfillments[].transactions[].transactionRef"),
    Field("fulfillments[].transactions[].timeStamp", "timestamp"),
    choice("fulfillments[].transactions[].status", "SUCCESS", "FAILURE"),
    Field("fulfillments[].transactions[].gatewayRefId"),
    Field("fulfillments[].transactions[].fulfillmentMethod"),
    Field("fulfillments[].transactions[].createdAt", "timestamp"),
    Field("fulfillments[].transactions[].amount", "amount"),
    choice("fulfillments[].transactions[].txnResponse.status", "SUCCESS", "PENDING"),
    Field(
        "fulfillments[].transactions[].txnResponse.requestId", same_as="fulfillments[].transactions[].transactionRef"
    ),
    Field("fulfillments[].transactions[].txnResponse.amount", "amount"),
)
PAYMENT = (
    Field("payments[].payment_method"),
    Field("payments[].updatedBy"),
    Field("payments[].updatedAt", "timestamp"),
    Field("payments[].type"),  # '"PAYMENT"'
    Field("payments[].id"),
    Field("payments[].createdAt", "timestamp"),
    choice("payments[].status", "SUCCESS", "MANUAL_REVIEW"),
    Field("payments[].statusUpdatedAt", "timestamp"),
    Field("payments[].merchantCustomerId"),
    Field("payments[].amount", "amount_text"),
    Field("payments[].auth-type"),  # the page's key, with its hyphen
)
REFUND = (
    Field("refunds[].unique_request_id"),
    Field("refunds[].ref"),
    Field("refunds[].id"),
    Field("refunds[].type"),  # '"REFUND"'
    Field("refunds[].amount", "amount_text"),
    Field("refunds[].updatedBy"),
    Field("refunds[].createdAt", "timestamp"),
    Field("refunds[].updatedAt", "timestamp"),
    Field("refunds[].statusUpdatedAt", "timestamp"),
    choice("refunds[].status", "SUCCESS", "MANUAL_REVIEW"),
    Field("refunds[].merchantCustomerId"),
    Field("refunds[].error_message"),
    boolean("refunds[].sent_to_gateway"),
)

PAYOUT_ORDER_STATUS = Page(
    key="payout-order-status",
    title="Payout Order Status (v3.2, expand=fulfillment,payment,refund)",
    url="https://juspay.io/api-reference/docs/payout/order-status",
    api="payout_order_status",
    notes=(
        "The three responses (expand=fulfillment, payment, refund) share their top-level fields: counted once. "
        "A beneficiary and a payment instrument have the details of one type, so the page is measured with four "
        "answers: account (ACCOUNT_IFSC, bank_details), card (CARD, card details), UPI (UPI_ID, upi_details) and "
        "wallet (WALLET, wallet_details); each counts its own fields. The page writes the card block's key as "
        "'card details'; Juspay's other blocks are snake_case (upi_details, wallet_details, bank_details), so it "
        "is `card_details` here."
    ),
    scenarios=(
        Scenario(
            "account transfer, bank account payment, refund",
            (
                *PAYOUT_TOP,
                *FULFILLMENT,
                Field("fulfillments[].beneficiaryDetails.type", "choice", ("ACCOUNT_IFSC", "UPI_ID")),
                Field("fulfillments[].beneficiaryDetails.details.name", "name"),
                Field("fulfillments[].beneficiaryDetails.details.account", "digits6"),
                Field("fulfillments[].beneficiaryDetails.details.ifsc"),
                *PAYMENT,
                choice("payments[].payment_method_type", "NB", "CARD"),
                Field("payments[].bank_details.object"),  # '"bank_account"'
                Field("payments[].bank_details.id"),
                Field("payments[].bank_details.customer_id"),
                Field("payments[].bank_details.date_created", "timestamp"),
                Field("payments[].bank_details.bank_name"),
                Field("payments[].bank_details.account_number", "digits6"),
                Field("payments[].bank_details.beneficiary_name", "name"),
                Field("payments[].bank_details.ifsc"),
                Field("payments[].bank_details.validation_amount", "amount_text"),
                Field("payments[].bank_details.currency"),
                choice("payments[].bank_details.validation_status", "ACTIVE", "PENDING"),
                Field("payments[].bank_details.last_validated", "timestamp"),
                Field("payments[].bank_details.metadata", "object", parts=(("note", "text"),)),
                *REFUND,
            ),
        ),
        Scenario(
            "card transfer, card payment",
            (
                Field("fulfillments[].beneficiaryDetails.details.cardReference"),
                Field("fulfillments[].beneficiaryDetails.details.bankCode"),
                Field("fulfillments[].beneficiaryDetails.details.brand"),
                choice("fulfillments[].beneficiaryDetails.details.cardType", "CREDIT", "DEBIT"),
                boolean("payments[].card_details.using_saved_card"),
                boolean("payments[].card_details.saved_to_locker"),
                Field("payments[].card_details.last_four_digits", "digits4"),
                Field("payments[].card_details.name_on_card", "name"),
                Field("payments[].card_details.expiry_year", "digits4"),
                choice("payments[].card_details.expiry_month", "11", "04"),
                choice("payments[].card_details.card_type", "CREDIT", "DEBIT"),
                Field("payments[].card_details.card_issuer"),
                Field("payments[].card_details.card_isin", "digits6"),
                Field("payments[].card_details.card_brand"),
            ),
            drop=("fulfillments[].beneficiaryDetails.details",),
            base={
                "fulfillments": [{"beneficiaryDetails": {"type": "CARD", "details": {"name": "Fc Filler"}}}],
                "payments": [{"payment_method_type": "CARD"}],
            },
        ),
        Scenario(
            "UPI transfer, UPI payment",
            (
                Field("fulfillments[].beneficiaryDetails.details.vpa", "email"),
                Field("payments[].upi_details.payer_vpa", "email"),
            ),
            drop=("fulfillments[].beneficiaryDetails.details",),
            base={
                "fulfillments": [{"beneficiaryDetails": {"type": "UPI_ID", "details": {"name": "Fc Filler"}}}],
                "payments": [{"payment_method_type": "UPI"}],
            },
        ),
        Scenario(
            "wallet transfer, wallet payment",
            (
                Field("fulfillments[].beneficiaryDetails.details.walletIdentifier", "phone"),
                Field("payments[].wallet_details.brand"),
                Field("payments[].wallet_details.walletIdentifier", "phone"),
            ),
            drop=("fulfillments[].beneficiaryDetails.details",),
            base={
                "fulfillments": [{"beneficiaryDetails": {"type": "WALLET", "details": {"name": "Fc Filler"}}}],
                "payments": [{"payment_method_type": "WALLET"}],
            },
        ),
    ),
)

# --- 5. Fulfillment Sync API (its response) ---------------------------------------------------------------

FULFILLMENT_SYNC = Page(
    key="fulfillment-sync",
    title="Order Fulfillment Sync API (response)",
    url="https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api",
    api="fulfillment_sync",
    notes=(
        "The page documents `commands` as 'Details of each command associated with the order' without naming "
        "its parts: one block, filled with the parts Juspay's sample carries (metadata, error_message, "
        "date_created; `command` and `fulfillment_id` echo the request). `order_id` and `merchant_id` echo the "
        "order and the merchant account, so they are on the page whenever the order's id or our merchant id is."
    ),
    scenarios=(
        Scenario(
            "NO_ACTION command",
            (
                Field("order_id"),
                choice("status", "SUCCESS", "FAILURE"),
                Field("merchant_id"),
                Field(
                    "commands",
                    "array",
                    parts=(("metadata", "text"), ("error_message", "text"), ("date_created", "timestamp")),
                ),
            ),
        ),
    ),
)

PAGES: tuple[Page, ...] = (ORDER_STATUS, OFFER_ORDER_STATUS, SPLIT_SETTLEMENT, PAYOUT_ORDER_STATUS, FULFILLMENT_SYNC)


def all_paths(page: Page) -> list[str]:
    return [f.path for f in page.fields]
