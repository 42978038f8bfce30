"""The payout Order Status answer (`GET /payout/merchant/v1/orders/{orderId}?expand=...`,
https://juspay.io/api-reference/docs/payout/order-status).

Keys are camelCase on the wire and snake_case here. The `payments[]` and `refunds[]` item layouts come from
the v3.2 page (Juspay calls them "tentative"): it names the instrument and refund fields in snake_case
(`payment_method_type`, `upi_details`, `unique_request_id`, `sent_to_gateway`), the bookkeeping ones in
camelCase (`updatedAt`, `merchantCustomerId`), the auth type "auth-type" and the card block "card details";
both spellings of each are read.
"""

from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .enums import (
    BankValidationStatus,
    BeneficiaryType,
    CardType,
    PaymentMethodType,
    PayoutFulfillmentStatus,
    PayoutItemStatus,
    PayoutOrderStatus,
    PayoutOrderType,
    PayoutTransactionStatus,
)
from .types_base import (
    Count,
    Flag,
    JsonObject,
    JuspayModel,
    JuspayResult,
    Money,
    StrList,
    Timestamp,
    Vocab,
    none_to_empty_list,
)


class PayoutModel(JuspayModel):
    model_config = ConfigDict(alias_generator=to_camel)


def _either(snake: str, *others: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(snake, to_camel(snake), *others))


class BeneficiaryDetailFields(PayoutModel):
    """`beneficiaryDetails.details`: which keys are set depends on the beneficiary type."""

    name: str | None = None
    account: str | None = None
    ifsc: str | None = None
    vpa: str | None = None
    card_reference: str | None = None
    bank_code: str | None = None
    brand: str | None = None
    card_type: Annotated[str | None, Vocab(CardType)] = None
    wallet_identifier: str | None = None
    id: str | None = None


class Beneficiary(PayoutModel):
    type: Annotated[str | None, Vocab(BeneficiaryType)] = None
    details: BeneficiaryDetailFields | None = None
    payee_additional_details: JsonObject = None


class WebhookDetails(PayoutModel):
    url: str | None = None
    username: str | None = None
    password: str | None = None  # Juspay does not echo it
    custom_header: Any = None


class FulfillmentAdditionalInfo(PayoutModel):
    remark: str | None = None
    use_this_as_tr: Flag = Field(default=None, alias="useThisAsTR")
    schedule_time: str | None = None
    attempt_threshold: Count = None
    is_retriable: Flag = None
    webhook_details: WebhookDetails | None = None


class TxnResponse(PayoutModel):
    """`transactions[].txnResponse`: the gateway's summary; free-form beyond these keys."""

    status: Annotated[str | None, Vocab(PayoutTransactionStatus)] = None
    request_id: str | None = None
    amount: Money = None


class PayoutTransaction(PayoutModel):
    """One payout attempt of a fulfilment."""

    transaction_ref: str | None = None
    status: Annotated[str | None, Vocab(PayoutTransactionStatus)] = None
    amount: Money = None
    fulfillment_method: str | None = None
    gateway_ref_id: str | None = None
    epg_txn_id: str | None = None
    response_code: str | None = None
    response_message: str | None = None
    response_description: str | None = None
    txn_response: TxnResponse | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    time_stamp: Timestamp = None


class PayoutFulfillment(PayoutModel):
    id: str | None = None
    type: str | None = None
    status: Annotated[str | None, Vocab(PayoutFulfillmentStatus)] = None
    amount: Money = None
    merchant_customer_id: str | None = None
    preferred_method_list: StrList = Field(default_factory=list)
    fulfillment_method_list: StrList = Field(default_factory=list)
    fulfillment_currency: str | None = None
    updated_by: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    status_updated_at: Timestamp = None
    udf1: str | None = None
    udf2: str | None = None
    udf3: str | None = None
    udf4: str | None = None
    udf5: str | None = None
    beneficiary_details: Beneficiary | None = None
    additional_info: FulfillmentAdditionalInfo | None = None
    transactions: Annotated[list[PayoutTransaction], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)


class UpiDetails(PayoutModel):
    payer_vpa: str | None = _either("payer_vpa")


class WalletDetails(PayoutModel):
    brand: str | None = None
    wallet_identifier: str | None = None


class PayoutCardDetails(JuspayModel):
    using_saved_card: Flag = None
    saved_to_locker: Flag = None
    last_four_digits: str | None = None
    name_on_card: str | None = None
    expiry_year: str | None = None
    expiry_month: str | None = None
    card_type: Annotated[str | None, Vocab(CardType)] = None
    card_issuer: str | None = None
    card_isin: str | None = None
    card_brand: str | None = None


class BankDetails(JuspayModel):
    object: str | None = None
    id: str | None = None
    customer_id: str | None = None
    date_created: Timestamp = None
    bank_name: str | None = None
    account_number: str | None = None
    beneficiary_name: str | None = None
    ifsc: str | None = None
    validation_amount: Money = None
    currency: str | None = None
    validation_status: Annotated[str | None, Vocab(BankValidationStatus)] = None
    last_validated: Timestamp = None
    metadata: JsonObject = None


class PayoutPayment(PayoutModel):
    """`payments[]` item (expand=payment). Its `id` is, in the page's words, the "Unique ID generated by Juspay
    for the payment order": Order Status's `id` of that order ("Unique ID generated by JusPay for the given
    order"), the one documented field that names a payment order."""

    id: str | None = None
    type: str | None = None
    status: Annotated[str | None, Vocab(PayoutItemStatus)] = None
    amount: Money = None
    payment_method_type: Annotated[str | None, Vocab(PaymentMethodType)] = _either("payment_method_type")
    payment_method: str | None = _either("payment_method")
    auth_type: str | None = _either("auth_type", "auth-type")
    merchant_customer_id: str | None = None
    updated_by: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    status_updated_at: Timestamp = None
    upi_details: UpiDetails | None = _either("upi_details")
    wallet_details: WalletDetails | None = _either("wallet_details")
    card_details: PayoutCardDetails | None = _either("card_details", "card details")
    bank_details: BankDetails | None = _either("bank_details")
    metadata: JsonObject = None


class PayoutRefund(PayoutModel):
    """`refunds[]` item (expand=refund)."""

    id: str | None = None
    unique_request_id: str | None = _either("unique_request_id")
    ref: str | None = None
    type: str | None = None
    status: Annotated[str | None, Vocab(PayoutItemStatus)] = None
    amount: Money = None
    merchant_customer_id: str | None = None
    updated_by: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    status_updated_at: Timestamp = None
    error_message: str | None = _either("error_message")
    sent_to_gateway: Flag = _either("sent_to_gateway")


class PayoutOrder(JuspayResult):
    model_config = ConfigDict(alias_generator=to_camel)

    order_id: str
    status: Annotated[str, Vocab(PayoutOrderStatus)]
    type: Annotated[str | None, Vocab(PayoutOrderType)] = None
    amount: Money = None
    customer_id: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    udf1: str | None = None
    udf2: str | None = None
    udf3: str | None = None
    udf4: str | None = None
    udf5: str | None = None
    fulfillments: Annotated[list[PayoutFulfillment], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)
    payments: Annotated[list[PayoutPayment], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)
    refunds: Annotated[list[PayoutRefund], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)

    @property
    def status_info(self) -> PayoutOrderStatus | None:
        return PayoutOrderStatus.lookup(self.status)

    @property
    def transactions(self) -> list[PayoutTransaction]:
        return [txn for fulfillment in self.fulfillments for txn in fulfillment.transactions]
