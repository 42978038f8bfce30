"""The flat refund answer of the transaction-id based / instant refund API (`POST /refunds`,
https://juspay.io/api-reference/docs/express-checkout/transaction-id-based-and-instant-refund).

The order-based Refund Order API answers with the whole order instead (`types_order.Order`).
"""

from typing import Annotated

from .enums import RefundStatus, RefundType
from .types_base import Flag, JuspayResult, Money, Timestamp, Vocab


class TxnRefund(JuspayResult):
    unique_request_id: str | None = None
    order_id: str | None = None
    txn_id: str | None = None
    amount: Money = None
    status: Annotated[str | None, Vocab(RefundStatus)] = None
    sent_to_gateway: Flag = None
    refund_type: Annotated[str | None, Vocab(RefundType)] = None
    refund_source: str | None = None
    gateway: str | None = None
    reference_id: str | None = None
    epg_txn_id: str | None = None
    response_code: str | None = None
    error_message: str | None = None
    refund_arn: str | None = None
    authorization_id: str | None = None
    initiated_by: str | None = None
    created: Timestamp = None
