"""What we send: the form bodies of the state-changing calls, validated before anything leaves.

Juspay's EC endpoints take `application/x-www-form-urlencoded` bodies
(https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api,
https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api,
https://juspay.io/api-reference/docs/express-checkout/transaction-id-based-and-instant-refund).
Amounts go out as decimal strings with two places (`"499.00"`); the split-settlement instructions go
out as compact JSON text inside one form field, as in `examples/fulfillment_sync_split_request.form.txt`.
Field names are Juspay's, so a documented request example validates as-is.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .enums import FulfillmentCommand, FulfillmentStatus, RefundType

CENT = Decimal("0.01")


def _decode_json_text(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def format_amount(amount: Decimal) -> str:
    """`Decimal("499")` -> `"499.00"`."""
    return f"{amount.quantize(CENT):f}"


def _check_amount(amount: Decimal) -> Decimal:
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a positive number")
    if amount != amount.quantize(CENT):
        raise ValueError("amount must have at most two decimal places")
    return amount


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_form(self) -> dict[str, str]:
        raise NotImplementedError

    def encode(self) -> str:
        """The wire body, in the documented field order."""
        return urlencode(self.to_form())


class _Json(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- Split settlement instructions ------------------------------------------------------------------
# https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement


class MarketplaceShare(_Json):
    amount: Decimal


class VendorShare(_Json):
    sub_mid: str = Field(min_length=1)
    amount: Decimal
    merchant_commission: Decimal | None = None


class VendorSplit(_Json):
    split: list[VendorShare] = Field(min_length=1)


class SplitSettlementDetails(_Json):
    """`{"marketplace":{"amount":N},"mdr_borne_by":"ALL","vendor":{"split":[{"sub_mid","amount",...}]}}`"""

    marketplace: MarketplaceShare
    mdr_borne_by: str = "ALL"
    vendor: VendorSplit

    def to_json_text(self) -> str:
        split = [
            {"amount": _json_number(s.amount), "sub_mid": s.sub_mid}
            | (
                {"merchant_commission": _json_number(s.merchant_commission)}
                if s.merchant_commission is not None
                else {}
            )
            for s in self.vendor.split
        ]
        data = {
            "marketplace": {"amount": _json_number(self.marketplace.amount)},
            "mdr_borne_by": self.mdr_borne_by,
            "vendor": {"split": split},
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


class VendorRefundShare(_Json):
    sub_mid: str = Field(min_length=1)
    refund_amount: Decimal


class VendorRefundSplit(_Json):
    split: list[VendorRefundShare] = Field(min_length=1)


class MarketplaceRefundShare(_Json):
    refund_amount: Decimal


class SplitRefundDetails(_Json):
    """`{"marketplace":{"refund_amount":N},"vendor":{"split":[{"sub_mid","refund_amount"}]}}`"""

    marketplace: MarketplaceRefundShare
    vendor: VendorRefundSplit

    def to_json_text(self) -> str:
        data = {
            "marketplace": {"refund_amount": _json_number(self.marketplace.refund_amount)},
            "vendor": {
                "split": [
                    {"refund_amount": _json_number(s.refund_amount), "sub_mid": s.sub_mid} for s in self.vendor.split
                ]
            },
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


# --- The requests --------------------------------------------------------------------------------------


class RefundRequest(_Form):
    """`POST /orders/{order_id}/refunds`. `unique_request_id` is the idempotency key."""

    unique_request_id: str = Field(min_length=1, max_length=64)
    amount: Decimal
    split_settlement_details: Annotated[SplitRefundDetails | None, BeforeValidator(_decode_json_text)] = Field(
        default=None, alias="metadata.split_settlement_details"
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal:
        return _check_amount(value)

    def to_form(self) -> dict[str, str]:
        form = {"unique_request_id": self.unique_request_id, "amount": format_amount(self.amount)}
        if self.split_settlement_details is not None:
            form["metadata.split_settlement_details"] = self.split_settlement_details.to_json_text()
        return form


class TxnRefundRequest(_Form):
    """`POST /refunds` (transaction-id based or instant refund). Not sent by our client yet."""

    unique_request_id: str = Field(min_length=1, max_length=64)
    amount: Decimal
    order_id: str | None = None
    txn_id: str | None = None
    refund_type: RefundType = RefundType.STANDARD
    beneficiary_details: Annotated[dict[str, Any] | None, BeforeValidator(_decode_json_text)] = None

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: Decimal) -> Decimal:
        return _check_amount(value)

    @model_validator(mode="after")
    def _target(self) -> "TxnRefundRequest":
        if not self.order_id and not self.txn_id:
            raise ValueError("give order_id or txn_id")
        return self

    def to_form(self) -> dict[str, str]:
        form = {"unique_request_id": self.unique_request_id, "amount": format_amount(self.amount)}
        if self.order_id:
            form["order_id"] = self.order_id
        if self.txn_id:
            form["txn_id"] = self.txn_id
        form["refund_type"] = str(self.refund_type)
        if self.beneficiary_details is not None:
            form["beneficiary_details"] = json.dumps(self.beneficiary_details, separators=(",", ":"))
        return form


class FulfillmentRequest(_Form):
    """`POST /orders/{order_id}/fulfillment`. `fulfillment_id` is our idempotency key for it.

    `fulfillment_command` is any upper-snake value (Juspay adds commands; the dashboard lets Admin add them
    without code); `fulfillment_time` goes out without a zone, as Juspay documents it; an aware time is first
    converted to UTC.
    """

    fulfillment_status: FulfillmentStatus
    # Juspay says the command list grows: any upper-snake value goes out; FulfillmentCommand names the known ones.
    fulfillment_command: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
    fulfillment_time: datetime | None = None
    fulfillment_id: str | None = Field(default=None, min_length=1, max_length=128)
    fulfillment_data: str | None = None
    split_settlement_details: Annotated[SplitSettlementDetails | None, BeforeValidator(_decode_json_text)] = None

    @model_validator(mode="after")
    def _split_needs_details(self) -> "FulfillmentRequest":
        is_split = self.fulfillment_command == FulfillmentCommand.POST_TXN_SPLIT_SETTLEMENT
        if is_split and self.split_settlement_details is None:
            raise ValueError("POST_TXN_SPLIT_SETTLEMENT needs split_settlement_details")
        return self

    def wire_time(self) -> str | None:
        if self.fulfillment_time is None:
            return None
        moment = self.fulfillment_time
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.replace(microsecond=0).isoformat()

    def to_form(self) -> dict[str, str]:
        form = {
            "fulfillment_status": str(self.fulfillment_status),
            "fulfillment_command": str(self.fulfillment_command),
        }
        optional = {
            "fulfillment_time": self.wire_time(),
            "fulfillment_id": self.fulfillment_id,
            "fulfillment_data": self.fulfillment_data,
            "split_settlement_details": (
                self.split_settlement_details.to_json_text() if self.split_settlement_details else None
            ),
        }
        form.update({key: value for key, value in optional.items() if value is not None})
        return form
