"""The orders API's JSON: orders and payout orders, from the same presenters as the pages.

The pages' presenters (orders/presenters.py, payout_presenters.py, timeline.py) decide what is shown and how
personal data is masked (orders/masking.py); these serializers only give their dataclasses a stable JSON shape,
so the API shows exactly what the page shows the same person. Lists are always masked, as on the list pages.
Money is `{"amount": "38023.00", "currency": "INR"}` (dashboard/api/money.py).
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dashboard.api.money import MoneyField, MoneySerializer, amount_text
from orders import masking, payout_presenters, presenters, registry
from orders.models import Order, PayoutOrder
from orders.statuses import Status
from orders.timeline import EventView, present_timeline

# Juspay's payout API is India's: payout orders carry no currency field, and every amount is in rupees.
PAYOUT_CURRENCY = "INR"


class FactSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.CharField()


@extend_schema_field(FactSerializer)
class FactField(serializers.Field[Any, Any, Any, Any]):
    """A page's (label, value) row: `{"label": "RRN", "value": "..."}`; statuses as their value."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, str]:
        label, shown = value
        return {"label": str(label), "value": "" if shown is None else str(shown)}


def fact_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=FactField(), read_only=True, **kwargs)


class StatusSerializer(serializers.Serializer[Any]):
    value = serializers.CharField(help_text="As Juspay sent it")
    meaning = serializers.CharField(help_text="Its documented meaning")
    known = serializers.BooleanField(help_text="False for a value Juspay does not document (shown as it came)")
    outcome = serializers.ChoiceField(choices=["success", "failure", "pending", "other", "unknown"])


class CustomerSerializer(serializers.Serializer[Any]):
    customer_id = serializers.CharField()
    email = serializers.CharField(help_text="Masked (r•••@example.com) unless a Finance user revealed the order")
    phone = serializers.CharField(help_text="Masked (••••••5670) unless revealed")


class PiiSerializer(serializers.Serializer[Any]):
    can_reveal = serializers.BooleanField(help_text="The caller's role may reveal this order's personal data")
    revealed = serializers.BooleanField(help_text="Personal data is shown unmasked (a reveal is in force)")
    expires_at = serializers.DateTimeField(allow_null=True)


# --- orders: the list ------------------------------------------------------------------------------------------


class OrderRowSerializer(serializers.Serializer[Any]):
    """One row of the orders list (personal data masked, as on the list page)."""

    order_id = serializers.CharField(source="order.order_id")
    merchant = serializers.CharField(source="order.merchant.code", help_text="Our code of the Juspay merchant account")
    status = StatusSerializer()
    amount = MoneyField(amount="amount", source="order")
    effective_amount = MoneyField(amount="effective_amount", source="order")
    customer_id = serializers.CharField(source="order.customer_id")
    email = serializers.CharField(help_text="Masked")
    phone = serializers.CharField(help_text="Masked")
    payment_method_type = serializers.CharField(source="order.payment_method_type")
    payment_method = serializers.CharField(source="order.payment_method")
    gateway = serializers.CharField(source="order.gateway")
    refund_state = serializers.CharField(source="order.refund_state")
    fulfilment_state = serializers.CharField(source="order.fulfilment_state")
    created_at = serializers.DateTimeField(source="order.juspay_created_at", allow_null=True)
    last_synced_at = serializers.DateTimeField(source="order.last_synced_at", allow_null=True)
    match = serializers.ListField(
        source="reasons", child=serializers.CharField(), help_text="With `q`: why the search found this order"
    )


# --- orders: one order -----------------------------------------------------------------------------------------


class BreakupSerializer(serializers.Serializer[Any]):
    sno = serializers.IntegerField(allow_null=True)
    name = StatusSerializer()
    desc = serializers.CharField()
    method = serializers.CharField(help_text="ADD or SUB")
    amount = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=True)


class TransactionSerializer(serializers.Serializer[Any]):
    txn_id = serializers.CharField()
    txn_uuid = serializers.CharField()
    status = StatusSerializer()
    gateway = serializers.CharField()
    gateway_id = serializers.IntegerField(allow_null=True)
    amount = serializers.SerializerMethodField()
    net_amount = serializers.SerializerMethodField()
    method = serializers.CharField()
    rrn = serializers.CharField()
    epg_txn_id = serializers.CharField()
    error = serializers.CharField()
    created = serializers.DateTimeField(allow_null=True)
    detail = fact_list()
    pg = fact_list(help_text="The gateway's response, as the page lists it")
    breakup = BreakupSerializer(many=True)
    card = fact_list(help_text="Card number masked to its last four digits unless revealed")
    gateway_response = serializers.SerializerMethodField()

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_amount(self, txn: Any) -> dict[str, str] | None:
        return None if txn.amount is None else {"amount": amount_text(txn.amount), "currency": txn.currency}

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_net_amount(self, txn: Any) -> dict[str, str] | None:
        return None if txn.net_amount is None else {"amount": amount_text(txn.net_amount), "currency": txn.currency}

    @extend_schema_field({"type": ["object", "array", "null"], "description": "The gateway's own answer (masked)"})
    def get_gateway_response(self, txn: Any) -> Any:
        return json.loads(txn.gateway_response) if txn.gateway_response else None


class PaymentSerializer(serializers.Serializer[Any]):
    facts = fact_list()
    split_payment = serializers.BooleanField()
    authentication = fact_list()
    authorization = fact_list()
    transactions = TransactionSerializer(many=True)


class RefundRowSerializer(serializers.Serializer[Any]):
    unique_request_id = serializers.CharField(source="refund.unique_request_id")
    juspay_id = serializers.CharField()
    ref = serializers.CharField(source="refund.ref")
    status = StatusSerializer()
    type = StatusSerializer()
    amount = serializers.SerializerMethodField()
    arn = serializers.CharField(source="refund.arn")
    sent_to_gateway = serializers.BooleanField(source="refund.sent_to_gateway", allow_null=True)
    error = serializers.SerializerMethodField()
    source = serializers.CharField()  # type: ignore[assignment]
    initiated_by = serializers.CharField()
    expected_credit = serializers.CharField()
    created = serializers.DateTimeField(source="refund.created", allow_null=True)
    processed_at = serializers.DateTimeField(source="refund.processed_at", allow_null=True)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_amount(self, row: Any) -> dict[str, str] | None:
        refund = row.refund
        return None if refund.amount is None else {"amount": amount_text(refund.amount), "currency": self.currency}

    def get_error(self, row: Any) -> str:
        return " ".join(v for v in (row.refund.error_code, row.refund.error_message) if v)

    @property
    def currency(self) -> str:
        return str(self.context.get("currency", ""))


class RefundsSerializer(serializers.Serializer[Any]):
    rows = RefundRowSerializer(many=True)
    succeeded = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()
    in_review = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    amount_refunded = serializers.SerializerMethodField()
    refundable = serializers.SerializerMethodField()
    refundable_from_juspay = serializers.BooleanField(help_text="False: `refundable` is our estimate")

    def _money(self, value: Any) -> dict[str, str] | None:
        return (
            None if value is None else {"amount": amount_text(value), "currency": str(self.context.get("currency", ""))}
        )

    @extend_schema_field(MoneySerializer)
    def get_succeeded(self, obj: Any) -> dict[str, str] | None:
        return self._money(obj.succeeded)

    @extend_schema_field(MoneySerializer)
    def get_pending(self, obj: Any) -> dict[str, str] | None:
        return self._money(obj.pending)

    @extend_schema_field(MoneySerializer)
    def get_in_review(self, obj: Any) -> dict[str, str] | None:
        return self._money(obj.in_review)

    @extend_schema_field(MoneySerializer)
    def get_failed(self, obj: Any) -> dict[str, str] | None:
        return self._money(obj.failed)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_amount_refunded(self, obj: Any) -> dict[str, str] | None:
        return self._money(obj.amount_refunded)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_refundable(self, obj: Any) -> dict[str, str] | None:
        return self._money(obj.refundable)


class SplitRowSerializer(serializers.Serializer[Any]):
    sub_vendor_id = serializers.CharField(source="detail.sub_vendor_id")
    amount = serializers.DecimalField(
        source="detail.amount", max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    merchant_commission = serializers.DecimalField(
        source="detail.merchant_commission", max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    gateway_sub_account_id = serializers.CharField()
    transfer_id = serializers.CharField()


class SplitsSerializer(serializers.Serializer[Any]):
    split_applied = serializers.BooleanField(allow_null=True)
    requested = serializers.BooleanField()
    rows = SplitRowSerializer(many=True)
    marketplace = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)
    marketplace_stated = serializers.BooleanField()
    paid = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)
    shares_total = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)
    mismatch = serializers.BooleanField()
    difference = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)
    verdict = serializers.CharField()
    explanation = serializers.CharField()


class BenefitSerializer(serializers.Serializer[Any]):
    type = StatusSerializer()
    rule = StatusSerializer()
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=True)
    cap = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=True)
    amount = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True, coerce_to_string=True)


class OfferSerializer(serializers.Serializer[Any]):
    offer_id = serializers.CharField(source="offer.offer_id")
    offer_code = serializers.CharField(source="offer.offer_code")
    status = StatusSerializer()
    benefits = BenefitSerializer(many=True)
    rules = fact_list()


class OffersSerializer(serializers.Serializer[Any]):
    rows = OfferSerializer(many=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=True)


class TimelineEventSerializer(serializers.Serializer[Any]):
    """One line of the order's story (orders.timeline.EventView): what happened at Juspay at Juspay's own time,
    and what the dashboard saw and did, oldest first, each told as a sentence."""

    at = serializers.DateTimeField(help_text="When it happened (Juspay's own time for what happened at Juspay)")
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    known = serializers.BooleanField()
    category = serializers.CharField()
    sentence = serializers.CharField(help_text='e.g. "Refund of ₹50.00 approved by finance"')
    at_juspay = serializers.BooleanField(help_text="Happened at Juspay (from the cached answer), at Juspay's time")
    link = serializers.CharField(allow_blank=True, help_text="The page the line is about (a request), if any")
    source = serializers.SerializerMethodField(  # type: ignore[assignment]
        help_text="juspay_poll, webhook, dashboard... or at_juspay: read from Juspay's cached answer"
    )
    actor = serializers.SerializerMethodField()
    summary = serializers.CharField()
    text = serializers.CharField(help_text="A note's text")
    details = fact_list()
    unknown_values = serializers.ListField(child=serializers.CharField())

    def get_source(self, view: Any) -> str:
        return view.event.source if view.event is not None else "at_juspay"

    def get_actor(self, view: Any) -> str | None:
        actor = view.event.actor if view.event is not None else None
        return actor.username if actor is not None else None


class FulfilmentCommandSerializer(serializers.Serializer[Any]):
    """One command of Juspay's latest Fulfillment Sync answer for the order (filled by the fulfilment app
    through orders.registry)."""

    command = serializers.CharField()
    status = serializers.CharField()
    fulfillment_id = serializers.CharField()
    date_created = serializers.CharField()
    error_message = serializers.CharField()
    data = serializers.CharField(help_text="`metadata`: the echoed fulfillment_data, as text")  # type: ignore[assignment]
    not_final = serializers.BooleanField(help_text="NO_ACTION's SUCCESS is not terminal")


class OrderDetailSerializer(serializers.Serializer[Any]):
    """One order as its page shows it to the caller (masked unless a Finance user revealed it)."""

    order_id = serializers.CharField(source="order.order_id")
    merchant = serializers.CharField(source="order.merchant.code")
    juspay_id = serializers.CharField(source="order.juspay_id")
    status = StatusSerializer()
    amount = MoneyField(amount="amount", source="order")
    effective_amount = MoneyField(amount="effective_amount", source="order")
    amount_refunded = MoneyField(amount="amount_refunded", source="order")
    customer = CustomerSerializer()
    pii = PiiSerializer()
    refund_state = serializers.CharField(source="order.refund_state")
    fulfilment_state = serializers.CharField(source="order.fulfilment_state")
    payment_method_type = serializers.CharField(source="order.payment_method_type")
    payment_method = serializers.CharField(source="order.payment_method")
    gateway = serializers.CharField(source="order.gateway")
    created_at = serializers.DateTimeField(source="order.juspay_created_at", allow_null=True)
    updated_at = serializers.DateTimeField(source="order.juspay_updated_at", allow_null=True)
    last_synced_at = serializers.DateTimeField(source="order.last_synced_at", allow_null=True)
    last_sync_error = serializers.CharField(source="order.last_sync_error")
    identifiers = fact_list()
    udfs = fact_list()
    payment_links = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    unknown_fields = serializers.ListField(child=serializers.CharField())
    payment = PaymentSerializer()
    refunds = RefundsSerializer()
    splits = SplitsSerializer()
    offers = OffersSerializer()
    fulfilment_commands = FulfilmentCommandSerializer(many=True)
    timeline = TimelineEventSerializer(many=True)
    timeline_truncated = serializers.BooleanField()


# --- payout orders ---------------------------------------------------------------------------------------------


class PayoutRowSerializer(serializers.Serializer[Any]):
    payout_order_id = serializers.CharField(source="payout.payout_order_id")
    merchant = serializers.CharField(source="payout.merchant.code")
    status = StatusSerializer()
    type = serializers.CharField(source="payout.type")
    amount = serializers.SerializerMethodField()
    customer_id = serializers.CharField(source="payout.customer_id")
    manual_review = serializers.BooleanField(source="payout.manual_review")
    beneficiary_types = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField(source="payout.juspay_created_at", allow_null=True)
    last_synced_at = serializers.DateTimeField(source="payout.last_synced_at", allow_null=True)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_amount(self, row: Any) -> dict[str, str] | None:
        amount = row.payout.amount
        return None if amount is None else {"amount": amount_text(amount), "currency": PAYOUT_CURRENCY}


class PayoutTxnSerializer(serializers.Serializer[Any]):
    transaction_ref = serializers.CharField(source="txn.transaction_ref")
    status = StatusSerializer()
    review = serializers.BooleanField()
    amount = serializers.DecimalField(
        source="txn.amount", max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    method = serializers.CharField(source="txn.method")
    gateway = serializers.CharField()
    rail = serializers.CharField()
    gateway_ref_id = serializers.CharField(source="txn.gateway_ref_id")
    response_code = serializers.CharField(source="txn.response_code")
    response_message = serializers.CharField(source="txn.response_message")
    description = serializers.CharField()
    epg_txn_id = serializers.CharField()
    created = serializers.DateTimeField(source="txn.created", allow_null=True)
    txn_response = fact_list()


class FulfillmentSerializer(serializers.Serializer[Any]):
    fulfillment_id = serializers.CharField(source="fulfillment.fulfillment_id")
    status = StatusSerializer()
    in_review = serializers.BooleanField()
    amount = serializers.DecimalField(
        source="fulfillment.amount", max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    beneficiary_type = StatusSerializer()
    beneficiary = fact_list(help_text="Account numbers, UPI ids and names masked unless revealed")
    preferred_methods = serializers.ListField(child=serializers.CharField())
    methods = serializers.ListField(child=serializers.CharField())
    kind = serializers.CharField()
    udfs = fact_list()
    additional_info = fact_list()
    transactions = PayoutTxnSerializer(many=True)


class PayoutPaymentSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    order_id = serializers.CharField(source="order.order_id", allow_null=True, default=None)
    status = StatusSerializer()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True)
    method_type = StatusSerializer()
    method = serializers.CharField()
    auth_type = StatusSerializer()
    facts = fact_list()
    upi = fact_list()
    wallet = fact_list()
    card = fact_list()
    bank = fact_list()


class PayoutRefundSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    unique_request_id = serializers.CharField()
    ref = serializers.CharField()
    status = StatusSerializer()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True, coerce_to_string=True)
    sent_to_gateway = serializers.BooleanField(allow_null=True)
    error_message = serializers.CharField()
    type = serializers.CharField()
    created = serializers.CharField()
    updated = serializers.CharField()


class RelatedOrderSerializer(serializers.Serializer[Any]):
    order_id = serializers.CharField()
    merchant = serializers.CharField(source="merchant.code")
    status = serializers.CharField()
    amount = MoneyField(amount="amount")
    created_at = serializers.DateTimeField(source="juspay_created_at", allow_null=True)


class RelatedPayoutSerializer(serializers.Serializer[Any]):
    payout_order_id = serializers.CharField()
    merchant = serializers.CharField(source="merchant.code")
    status = serializers.CharField()
    created_at = serializers.DateTimeField(source="juspay_created_at", allow_null=True)


class PayoutDetailSerializer(serializers.Serializer[Any]):
    """One payout order as its page shows it to the caller (masked unless revealed)."""

    payout_order_id = serializers.CharField(source="payout.payout_order_id")
    merchant = serializers.CharField(source="payout.merchant.code")
    status = StatusSerializer()
    type = StatusSerializer()
    amount = serializers.SerializerMethodField()
    customer_id = serializers.CharField(source="payout.customer_id")
    manual_review = serializers.BooleanField(source="payout.manual_review")
    pii = PiiSerializer()
    udfs = fact_list()
    unknown_fields = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField(source="payout.juspay_created_at", allow_null=True)
    updated_at = serializers.DateTimeField(source="payout.juspay_updated_at", allow_null=True)
    last_synced_at = serializers.DateTimeField(source="payout.last_synced_at", allow_null=True)
    fulfillments = FulfillmentSerializer(many=True)
    payments = PayoutPaymentSerializer(many=True)
    refunds = PayoutRefundSerializer(many=True)
    related_orders = RelatedOrderSerializer(many=True, help_text="Payment orders its payments[] name")
    customer_orders = RelatedOrderSerializer(many=True, help_text="Other orders of this customer")
    customer_payouts = RelatedPayoutSerializer(many=True, help_text="Other payout orders of this customer")
    timeline = TimelineEventSerializer(many=True)
    timeline_truncated = serializers.BooleanField()

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_amount(self, obj: Any) -> dict[str, str] | None:
        amount = obj.payout.amount
        return None if amount is None else {"amount": amount_text(amount), "currency": PAYOUT_CURRENCY}


# --- what the detail endpoints serialize: the page's presenters, composed --------------------------------------


@dataclass
class OrderDocument:
    """Everything the order page shows this viewer, from the page's own presenters."""

    order: Order
    status: Status
    customer: masking.Customer
    pii: masking.PiiView
    identifiers: list[tuple[str, str]]
    udfs: list[tuple[str, str]]
    payment_links: list[dict[str, str]]
    unknown_fields: list[str]
    payment: presenters.Payment
    refunds: presenters.Refunds
    splits: presenters.Splits
    offers: presenters.Offers
    timeline: list[EventView]
    timeline_truncated: bool
    fulfilment_commands: list[dict[str, Any]] = field(default_factory=list)


def order_document(order: Order, user: User | AnonymousUser, session: MutableMapping[str, Any]) -> OrderDocument:
    pii = masking.pii_view(user, session, order.pk)
    head = presenters.header(order, pii)
    timeline = present_timeline(order)
    return OrderDocument(
        order=order,
        status=head.status,
        customer=head.customer,
        pii=pii,
        identifiers=head.identifiers,
        udfs=head.udfs,
        payment_links=[{"label": link.label, "url": link.url} for link in head.payment_links],
        unknown_fields=head.unknown_fields,
        payment=presenters.payment(order, unmasked=pii.unmasked),
        refunds=presenters.refunds(order),
        splits=presenters.splits(order),
        offers=presenters.offers(order),
        timeline=timeline.events,
        timeline_truncated=timeline.truncated,
        fulfilment_commands=registry.order_api_section("fulfilment_commands", order, user, default=[]),
    )


@dataclass
class PayoutDocument:
    """Everything the payout order page shows this viewer, from the page's own presenters."""

    payout: PayoutOrder
    status: Status
    type: Status
    pii: masking.PiiView
    udfs: list[tuple[str, str]]
    unknown_fields: list[str]
    fulfillments: list[payout_presenters.FulfillmentView]
    payments: list[payout_presenters.PaymentView]
    refunds: list[payout_presenters.RefundView]
    related_orders: list[Order]
    customer_orders: list[Order]
    customer_payouts: list[PayoutOrder]
    timeline: list[EventView]
    timeline_truncated: bool


def payout_document(
    payout: PayoutOrder, user: User | AnonymousUser, session: MutableMapping[str, Any]
) -> PayoutDocument:
    pii = masking.payout_pii_view(user, session, payout.pk)
    head = payout_presenters.header(payout, pii)
    money = payout_presenters.payments_and_refunds(payout, unmasked=pii.unmasked)
    related = payout_presenters.related(payout)
    timeline = present_timeline(payout)
    return PayoutDocument(
        payout=payout,
        status=head.status,
        type=head.type,
        pii=pii,
        udfs=head.udfs,
        unknown_fields=head.unknown_fields,
        fulfillments=payout_presenters.fulfillments(payout, unmasked=pii.unmasked).rows,
        payments=money.payments,
        refunds=money.refunds,
        related_orders=related.named,
        customer_orders=related.customer_orders,
        customer_payouts=related.customer_payouts,
        timeline=timeline.events,
        timeline_truncated=timeline.truncated,
    )
