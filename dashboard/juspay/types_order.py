"""The Order Status answer (`GET /orders/{order_id}`) and every block inside it.

Documented at https://juspay.io/api-reference/docs/express-checkout/order-status-api
(split settlement: https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement).

The same order object comes back from the Refund Order API (with the new refund appended) and inside
`content.order` of order webhooks. Field names are Juspay's; every field is optional except
`order_id` and `status`, because Juspay leaves blocks out depending on flow and API version.
"""

from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field

from .enums import (
    AmountBreakupMethod,
    AmountBreakupName,
    AuthType,
    BenefitType,
    CalculationRule,
    CardType,
    OfferStatus,
    OrderStatus,
    PaymentMethodType,
    RefundStatus,
    RefundType,
)
from .types_base import (
    AnyList,
    Count,
    Flag,
    JsonObject,
    JuspayModel,
    JuspayResult,
    Money,
    Timestamp,
    Vocab,
    json_text_to_list,
    masked_to_none,
    none_to_empty_list,
)

OrderStatusText = Annotated[str | None, Vocab(OrderStatus)]
PaymentMethodTypeText = Annotated[str | None, Vocab(PaymentMethodType)]
AuthTypeText = Annotated[str | None, Vocab(AuthType)]


class PaymentLinks(JuspayModel):
    web: str | None = None
    mobile: str | None = None
    iframe: str | None = None


class TokenCreated(JuspayModel):
    card_reference: str | None = None
    card_fingerprint: str | None = None
    tokenization_status: str | None = None


class CardToken(JuspayModel):
    card_reference: str | None = None
    card_fingerprint: str | None = None
    last_four_digits: str | None = None
    card_isin: str | None = None
    expiry_year: str | None = None
    expiry_month: str | None = None
    par: str | None = None
    tokenization_status: str | None = None


class Card(JuspayModel):
    """The `card` block. In webhooks the whole block may be masked as "FILTERED"; it then parses as None."""

    last_four_digits: str | None = None
    card_isin: str | None = None
    card_brand: str | None = None
    card_type: Annotated[str | None, Vocab(CardType)] = None
    extended_card_type: str | None = None
    card_issuer: str | None = None
    card_issuer_country: str | None = None
    juspay_bank_code: str | None = None
    name_on_card: str | None = None
    expiry_month: str | None = None
    expiry_year: str | None = None
    card_reference: str | None = None
    card_fingerprint: str | None = None
    saved_to_locker: Flag = None
    using_saved_card: Flag = None
    using_token: Flag = None
    token_type: str | None = None
    tokens: AnyList = Field(default_factory=list)
    payment_account_reference: str | None = None
    tokenization_user_consent: Flag = None
    token_created: Annotated[TokenCreated | None, BeforeValidator(masked_to_none)] = None
    token: Annotated[CardToken | None, BeforeValidator(masked_to_none)] = None


MaskableCard = Annotated[Card | None, BeforeValidator(masked_to_none)]


class AmountBreakupItem(JuspayModel):
    """One entry of `txn_amount_breakup`. Older answers call the amount `value`; both read into `amount`."""

    name: Annotated[str | None, Vocab(AmountBreakupName)] = None
    amount: Money = Field(default=None, validation_alias=AliasChoices("amount", "value"))
    sno: Count = None
    method: Annotated[str | None, Vocab(AmountBreakupMethod)] = None
    desc: str | None = None


class TxnDetail(JuspayModel):
    """The `txn_detail` block: the transaction behind the order."""

    txn_id: str | None = None
    order_id: str | None = None
    txn_uuid: str | None = None
    status: OrderStatusText = None
    error_code: str | None = None
    error_message: str | None = None
    gateway: str | None = None
    gateway_id: Count = None
    currency: str | None = None
    net_amount: Money = None
    txn_amount: Money = None
    surcharge_amount: Money = None
    tax_amount: Money = None
    offer_deduction_amount: Money = None
    express_checkout: Flag = None
    redirect: Flag = None
    txn_flow_type: str | None = None
    created: Timestamp = None
    last_updated: Timestamp = None
    metadata: JsonObject = None
    txn_amount_breakup: Annotated[list[AmountBreakupItem], BeforeValidator(json_text_to_list)] = Field(
        default_factory=list
    )


class PaymentGatewayResponse(JuspayModel):
    """The `payment_gateway_response` block.

    `gateway_response` holds the gateway's raw fields (with `full_gateway_response=True`).
    """

    resp_code: str | None = None
    resp_message: str | None = None
    rrn: str | None = None
    epg_txn_id: str | None = None
    auth_id_code: str | None = None
    txn_id: str | None = None
    created: Timestamp = None
    network_error_code: str | None = None
    network_error_message: str | None = None
    arn: str | None = None
    gateway_merchant_id: str | None = None
    eci: str | None = None
    auth_ref_num: str | None = None
    debit_amount: Money = None
    # offer fields, "available only if offers are applied" (names as in Juspay payloads)
    offer_type: str | None = None
    offer_availed: Flag = None
    discount_amount: Money = None
    gateway_response: JsonObject = None


class Refund(JuspayModel):
    """One entry of `refunds[]` (also in the Refund Order API's answer)."""

    id: str | None = None
    unique_request_id: str | None = None
    ref: str | None = None
    amount: Money = None
    status: Annotated[str | None, Vocab(RefundStatus)] = None
    sent_to_gateway: Flag = None
    refund_type: Annotated[str | None, Vocab(RefundType)] = None
    refund_source: str | None = None
    initiated_by: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    created: Timestamp = None
    pg_processed_at: Timestamp = None
    arn: str | None = None
    expected_refund_credit_time: Timestamp = None
    metadata: JsonObject = None
    reversal_type: str | None = None


class CalculationInfo(JuspayModel):
    calculation_rule: Annotated[str | None, Vocab(CalculationRule)] = None
    value: Money = None
    max_amount: Money = None


class Benefit(JuspayModel):
    type: Annotated[str | None, Vocab(BenefitType)] = None
    amount: Money = None
    calculation_info: CalculationInfo | None = None


class Offer(JuspayModel):
    """One entry of `offers[]`."""

    offer_id: str | None = None
    offer_code: str | None = None
    status: Annotated[str | None, Vocab(OfferStatus)] = None
    benefits: Annotated[list[Benefit], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)
    metadata: JsonObject = None


class SplitDetail(JuspayModel):
    sub_vendor_id: str | None = None
    amount: Money = None
    merchant_commission: Money = None
    gateway_sub_account_id: str | None = None
    epg_txn_id: str | None = None
    notes: str | None = None


class SplitSettlementResponse(JuspayModel):
    """The `split_settlement_response` block (https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement)."""

    split_applied: Flag = None
    split_details: Annotated[list[SplitDetail], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)


class Upi(JuspayModel):
    txn_flow_type: str | None = None
    payer_app: str | None = None
    payer_vpa: str | None = None


class Wallet(JuspayModel):
    txn_flow_type: str | None = None


class EmiDetails(JuspayModel):
    bank: str | None = None
    tenure: Count = None
    emi_type: str | None = None
    interest: Money = None
    monthly_payment: Money = None
    additional_processing_fee_info: Any = None


class RiskCheck(JuspayModel):
    recommended_action: str | None = None
    status: str | None = None
    invocation_mode: str | None = None
    flagged: Flag = None
    txn_id: str | None = None
    provider: str | None = None


class Authentication(JuspayModel):
    """The 3DS result Order Status gives for `txn_type = AUTHENTICATION` (kept 15 minutes)."""

    eci: str | None = None
    cavv: str | None = None
    threeDSVersion: str | None = None  # noqa: N815 (Juspay's key)
    threeDSTransStatusReason: str | None = None  # noqa: N815
    threeDSServerTransID: str | None = None  # noqa: N815
    threeDSTransStatus: str | None = None  # noqa: N815
    cavvAlgorithm: str | None = None  # noqa: N815
    threeDSTransId: str | None = None  # noqa: N815


Refunds = Annotated[list[Refund], BeforeValidator(none_to_empty_list)]
Offers = Annotated[list[Offer], BeforeValidator(none_to_empty_list)]


class Txn(JuspayModel):
    """One leg of a split payment (`txn_list[]`)."""

    txn_id: str | None = None
    txn_uuid: str | None = None
    status: OrderStatusText = None
    payment_method_type: PaymentMethodTypeText = None
    payment_method: str | None = None
    auth_type: AuthTypeText = None
    card: MaskableCard = None
    refunded: Flag = None
    amount_refunded: Money = None
    effective_amount: Money = None
    resp_code: str | None = None
    resp_message: str | None = None
    resp_category: str | None = None
    bank_error_code: str | None = None
    bank_error_message: str | None = None
    txn_detail: TxnDetail | None = None
    payment_gateway_response: PaymentGatewayResponse | None = None
    gateway_id: Count = None
    gateway_reference_id: str | None = None
    metadata: JsonObject = None
    offers: Offers = Field(default_factory=list)
    refunds: Refunds = Field(default_factory=list)


class Order(JuspayResult):
    """The order object. `status` is the single authoritative payment state of the order."""

    id: str | None = None
    order_id: str
    merchant_id: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None
    status: Annotated[str, Vocab(OrderStatus)]
    status_id: Count = None
    amount: Money = None
    effective_amount: Money = None
    currency: str | None = None
    date_created: Timestamp = None
    last_updated: Timestamp = None
    return_url: str | None = None
    product_id: str | None = None
    payment_links: Annotated[PaymentLinks | None, BeforeValidator(masked_to_none)] = None
    udf1: str | None = None
    udf2: str | None = None
    udf3: str | None = None
    udf4: str | None = None
    udf5: str | None = None
    udf6: str | None = None
    udf7: str | None = None
    udf8: str | None = None
    udf9: str | None = None
    udf10: str | None = None
    txn_id: str | None = None
    txn_uuid: str | None = None
    payment_method_type: PaymentMethodTypeText = None
    payment_method: str | None = None
    auth_type: AuthTypeText = None
    refunded: Flag = None
    amount_refunded: Money = None
    maximum_eligible_refund_amount: Money = None
    refunds: Refunds = Field(default_factory=list)
    txn_detail: TxnDetail | None = None
    payment_gateway_response: PaymentGatewayResponse | None = None
    gateway_id: Count = None
    gateway_reference_id: str | None = None
    bank_error_code: str | None = None
    bank_error_message: str | None = None
    resp_code: str | None = None
    resp_message: str | None = None
    resp_category: str | None = None
    card: MaskableCard = None
    upi: Upi | None = None
    payer_app_name: str | None = None
    wallet: Wallet | None = None
    emi_bank: str | None = None
    emi_tenure: Count = None
    emi_details: EmiDetails | None = None
    offers: Offers = Field(default_factory=list)
    split_settlement_response: SplitSettlementResponse | None = None
    txn_list: Annotated[list[Txn], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)
    metadata: JsonObject = None
    additional_info: JsonObject = None
    order_expiry: Timestamp = None
    risk_checks: Annotated[list[RiskCheck], BeforeValidator(none_to_empty_list)] = Field(default_factory=list)
    risk: Any = None
    rewards_breakup: Any = None
    bank_pg: Any = None
    refund_supported: Flag = None
    last_date_to_refund: Timestamp = None
    chargebacks: AnyList = Field(default_factory=list)  # name unconfirmed: no sample seen
    authentication: Authentication | None = None
    authorization: JsonObject = None  # field names not documented

    @property
    def is_paid(self) -> bool:
        """Juspay: treat only CHARGED as paid."""
        return self.status == OrderStatus.CHARGED

    @property
    def status_info(self) -> OrderStatus | None:
        """The documented status (meaning, status_id, outcome), or None for an undocumented value."""
        return OrderStatus.lookup(self.status)

    @property
    def all_refunds(self) -> list[Refund]:
        """Refunds on the order and on each split-payment leg, without repeats."""
        seen: set[tuple[str | None, str | None]] = set()
        result: list[Refund] = []
        for refund in [*self.refunds, *(r for txn in self.txn_list for r in txn.refunds)]:
            key = (refund.unique_request_id, refund.id)
            if key not in seen:
                seen.add(key)
                result.append(refund)
        return result

    def find_refund(self, unique_request_id: str) -> Refund | None:
        """The refund raised with this idempotency key, if Juspay has it."""
        return next((r for r in self.all_refunds if r.unique_request_id == unique_request_id), None)

    def transaction_details(self) -> list[TxnDetail]:
        """Every transaction of the order: the split-payment legs, or the single `txn_detail`."""
        if self.txn_list:
            return [txn.txn_detail for txn in self.txn_list if txn.txn_detail is not None]
        return [self.txn_detail] if self.txn_detail is not None else []
