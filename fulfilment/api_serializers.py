"""Serializers of the action-request API: what a request looks like, and the shapes of the raise bodies.

They check shapes only (types, lengths, the split's JSON shape); every rule (limits, sums, roles, the
two-person rule) is in `fulfilment.services`, which the views call exactly as the pages do.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from rest_framework import serializers

from dashboard.api.money import MoneyField
from dashboard.juspay.enums import FulfillmentStatus
from dashboard.juspay.forms import SplitRefundDetails, SplitSettlementDetails
from fulfilment import selectors
from fulfilment.models import ActionKind, ActionRequest, ActionState, Verdict
from fulfilment.services import REFUND_REASONS

MAX_AMOUNT_DIGITS = 14  # as the raise forms: 12 digits before the point, 2 after


class DecisionSerializer(serializers.Serializer[Any]):
    approver = serializers.CharField(source="approver.username")
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class AbilitiesSerializer(serializers.Serializer[Any]):
    """What the caller may do with the request now: the same rules the services enforce."""

    approve = serializers.BooleanField(source="can_decide", help_text="approve or reject")
    cancel = serializers.BooleanField(source="can_cancel")
    retry = serializers.BooleanField(source="can_retry")
    resolve = serializers.BooleanField(
        source="can_resolve", help_text="settle a request whose outcome is unknown (state unresolved)"
    )
    why_not = serializers.CharField(help_text='Why you may not decide on a waiting request ("You raised it"), or "".')


class ActionRequestSerializer(serializers.Serializer[Any]):
    """One request: what it asks Juspay for, where it stands, who raised and decided it. Reads a `selectors.Row`."""

    id = serializers.IntegerField(source="req.pk")
    kind = serializers.ChoiceField(source="req.kind", choices=ActionKind.choices)
    state = serializers.ChoiceField(source="req.state", choices=ActionState.choices)
    state_label = serializers.CharField(source="req.get_state_display")
    summary = serializers.CharField()
    order_id = serializers.CharField(source="req.order.order_id")
    merchant = serializers.CharField(source="req.order.merchant.code")
    amount = MoneyField(amount="amount", help_text="The refund's amount, or what a money-moving command holds.")
    command = serializers.CharField(source="req.command", help_text="fulfillment_command (fulfilment only)")
    fulfillment_id = serializers.CharField(source="req.fulfillment_id")
    unique_request_id = serializers.SerializerMethodField(help_text="The refund's key at Juspay (refunds only).")
    reason_code = serializers.CharField(source="req.reason_code")
    comment = serializers.CharField(source="req.comment")
    maker = serializers.CharField(source="req.maker.username")
    moves_money = serializers.BooleanField(source="req.moves_money")
    required_approvals = serializers.IntegerField(source="req.required_approvals")
    approvals = serializers.IntegerField()
    approver_roles = serializers.ListField(source="req.approver_roles", child=serializers.CharField())
    decisions = DecisionSerializer(source="req.decisions.all", many=True)
    created_at = serializers.DateTimeField(source="req.created_at")
    updated_at = serializers.DateTimeField(source="req.updated_at")
    expires_at = serializers.DateTimeField(source="req.expires_at")
    approved_at = serializers.DateTimeField(source="req.approved_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="req.closed_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="req.finished_at", allow_null=True)
    attempts = serializers.IntegerField(source="req.attempts")
    error = serializers.CharField(source="req.error")
    retry_safe = serializers.BooleanField(source="req.retry_safe")
    you_may = AbilitiesSerializer(source="*")

    def get_unique_request_id(self, row: selectors.Row) -> str:
        return row.req.idempotency_key if row.req.kind == ActionKind.REFUND else ""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        req: ActionRequest = instance.req
        # The column keeps 4 decimals; the amounts asked for have at most 2 (the services refuse more).
        amount = None if req.amount is None else req.amount.normalize()
        data["amount"] = MoneyField(amount="amount").to_representation({"amount": amount, "currency": req.currency})
        return data


def _pydantic_problem(error: PydanticError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def _parse[Model: BaseModel](model: type[Model], value: Any) -> Model:
    if not isinstance(value, dict):
        raise serializers.ValidationError("Give a JSON object.")
    try:
        return model.model_validate(value)
    except PydanticError as error:
        raise serializers.ValidationError(f"The split is not valid: {_pydantic_problem(error)}") from None


@extend_schema_field(
    {
        "type": "object",
        "description": "Split orders only: how much comes back from the marketplace and each vendor.",
        "example": {
            "marketplace": {"refund_amount": "60.00"},
            "vendor": {"split": [{"sub_mid": "vendor_a", "refund_amount": "40.00"}]},
        },
    }
)
class RefundSplitField(serializers.Field[Any, Any, Any, Any]):
    def to_internal_value(self, data: Any) -> SplitRefundDetails:
        return _parse(SplitRefundDetails, data)


@extend_schema_field(
    {
        "type": "object",
        "description": "POST_TXN_SPLIT_SETTLEMENT only: the marketplace share and the vendors' amounts.",
        "example": {
            "marketplace": {"amount": "900.00"},
            "mdr_borne_by": "ALL",
            "vendor": {"split": [{"sub_mid": "vendor_a", "amount": "599.00", "merchant_commission": "20.00"}]},
        },
    }
)
class SettlementSplitField(serializers.Field[Any, Any, Any, Any]):
    def to_internal_value(self, data: Any) -> SplitSettlementDetails:
        return _parse(SplitSettlementDetails, data)


class OrderRefSerializer(serializers.Serializer[Any]):
    order_id = serializers.CharField(max_length=64, help_text="The merchant's order id.")
    merchant = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="A merchant code; needed only when ids clash."
    )


class RefundCreateSerializer(OrderRefSerializer):
    amount = serializers.DecimalField(
        max_digits=MAX_AMOUNT_DIGITS, decimal_places=2, min_value=Decimal("0.01"), help_text='e.g. "250.00"'
    )
    reason_code = serializers.ChoiceField(choices=REFUND_REASONS)
    comment = serializers.CharField(max_length=1000, help_text="Why, for the approver.")
    split = RefundSplitField(required=False, allow_null=True)


class FulfilmentCreateSerializer(OrderRefSerializer):
    fulfillment_command = serializers.CharField(
        max_length=64, help_text="A command the approval policy knows, e.g. INITIATE_CREDIT."
    )
    fulfillment_status = serializers.ChoiceField(choices=[(s.value, s.value) for s in FulfillmentStatus])
    fulfillment_id = serializers.CharField(
        max_length=128, required=False, allow_blank=True, default="", help_text="Your reference; made when blank."
    )
    fulfillment_time = serializers.DateTimeField(required=False, allow_null=True, default=None)
    fulfillment_data = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, trim_whitespace=True, max_length=10000
    )
    amount = serializers.DecimalField(
        max_digits=MAX_AMOUNT_DIGITS,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Only for a command that moves money.",
    )
    split = SettlementSplitField(required=False, allow_null=True)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


RESOLVE_OUTCOMES = [
    ("happened", "Juspay confirms it took effect: the request succeeded"),
    ("not_happened", "Juspay confirms it did not take effect: the request failed, and a retry is safe"),
]


class ResolveSerializer(serializers.Serializer[Any]):
    """The page's settle form: what Juspay confirmed, and whether the command took effect."""

    outcome = serializers.ChoiceField(
        choices=RESOLVE_OUTCOMES, help_text="What Juspay confirmed: `happened` or `not_happened`."
    )
    comment = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        help_text="What Juspay confirmed (who, when, reference); required, the audit log keeps it.",
    )


class RejectSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, help_text="Why you reject it; the maker sees it.")
