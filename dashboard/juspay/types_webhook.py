"""Webhook bodies: Express Checkout events (https://juspay.io/resources/docs/common-resources/webhooks)
and payout events (https://docs.juspay.io/payout/docs/resources/webhooks).

A webhook is only a trigger: Juspay recommends confirming with Order Status before acting.
"""

from typing import Annotated, Any

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from .enums import PAYOUT_WEBHOOK_VALUES, PayoutOrderType, PayoutWebhookLabel, WebhookEventName
from .types_base import Count, Flag, JsonObject, JuspayModel, JuspayResult, Money, Timestamp, UnknownValue, Vocab
from .types_order import MaskableCard, Order, PaymentGatewayResponse, PaymentMethodTypeText, TxnDetail
from .types_payout import TxnResponse


class WebhookTxn(TxnDetail):
    """`content.txn` of TXN_* events: a transaction with its status id, method, gateway answer and card."""

    status_id: Count = None
    payment_method: str | None = None
    payment_method_type: PaymentMethodTypeText = None
    payment_gateway_response: PaymentGatewayResponse | None = None
    card: MaskableCard = None


class WebhookContent(JuspayModel):
    order: Order | None = None
    txn: WebhookTxn | None = None
    mandate: JsonObject = None
    notification: JsonObject = None


class WebhookEvent(JuspayResult):
    """The envelope `{id, event_name, date_created, content: {order | txn | mandate | notification}}`."""

    id: str | None = None
    event_name: Annotated[str, Vocab(WebhookEventName)]
    date_created: Timestamp = None
    content: WebhookContent = Field(default_factory=WebhookContent)


class PayoutWebhookInfo(JuspayModel):
    """`info` of a payout event. Order events fill the order keys, transaction events the txn keys."""

    model_config = ConfigDict(alias_generator=to_camel)

    id: str | None = None
    merchant_order_id: str | None = None
    merchant_customer_id: str | None = None
    order_type: Annotated[str | None, Vocab(PayoutOrderType)] = None
    status: str | None = None
    amount: Money = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    fulfillment_id: str | None = Field(default=None, alias="FulfillmentId")
    transaction_ref: str | None = None
    attempted: Flag = None
    fulfillment_method: str | None = None
    gateway_ref_id: str | None = None
    txn_response: TxnResponse | None = None


class PayoutWebhookEvent(JuspayResult):
    """`{id, category, label, value, info}`; which values `value` may take depends on `label`."""

    id: str | None = None
    category: str | None = None
    label: Annotated[str, Vocab(PayoutWebhookLabel)]
    value: str | None = None
    info: PayoutWebhookInfo | None = None

    def _extra_unknown_values(self, path: str) -> list[UnknownValue]:
        vocabulary = PAYOUT_WEBHOOK_VALUES.get(self.label)
        found: list[UnknownValue] = []
        if vocabulary is None:
            return found
        prefix = f"{path}." if path else ""
        if self.value and not vocabulary.known(self.value):
            found.append(UnknownValue(f"{prefix}value", self.value, vocabulary.__name__))
        status: Any = self.info.status if self.info else None
        if status and not vocabulary.known(status):
            found.append(UnknownValue(f"{prefix}info.status", status, vocabulary.__name__))
        return found
