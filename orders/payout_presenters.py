"""What the payout pages show: the payouts list's rows, one payout order's header, its fulfilments with their
transactions, the `payments[]` and `refunds[]` that `expand=payment` and `expand=refund` return, the orders it
is connected to, and the payouts panel of an order page.

The fields and their meanings follow Juspay's payout Order Status v3.2 page
(https://juspay.io/api-reference/docs/payout/order-status). Fulfilments and their transactions are read from
the cache's rows; payments and refunds from the stored answer, parsed again by the client's types (which read
both the page's snake_case names and camelCase). Anything the model does not know stays in the raw answer and
is listed as unknown. Personal data (beneficiary and payer details) is masked unless the viewer revealed this
payout order (orders.masking). Every presenter runs a fixed number of queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.dateparse import parse_datetime
from pydantic import ValidationError

from dashboard.juspay.enums import (
    AuthType,
    BankValidationStatus,
    BeneficiaryType,
    PaymentMethodType,
    PayoutFulfillmentStatus,
    PayoutItemStatus,
    PayoutOrderStatus,
    PayoutOrderType,
    PayoutTransactionStatus,
)
from dashboard.juspay.types_payout import PayoutOrder as JuspayPayoutOrder
from dashboard.juspay.types_payout import PayoutPayment, PayoutRefund
from dashboard.time_display import time_html
from orders import masking
from orders.models import Fulfillment, Order, PayoutOrder, PayoutTransaction
from orders.statuses import Status, payout_status, status

MANUAL_REVIEW = "MANUAL_REVIEW"
OTHER_ORDERS_LIMIT = 20

# A fact shown as "label: value"; the value as Juspay sent it (flags as yes/no).
Fact = tuple[str, str]


def _facts(rows: Iterable[tuple[str, object]]) -> list[Fact]:
    shown = []
    for label, value in rows:
        if value is None or value == "":
            continue
        shown.append((label, "yes" if value is True else "no" if value is False else str(value)))
    return shown


def _stamp(value: object) -> str:
    """A stored ISO timestamp (the JSON of an answer) in the viewer's zone with UTC on hover
    (dashboard.time_display); as it came when it does not parse."""
    if not value:
        return ""
    parsed = parse_datetime(str(value))
    return time_html(parsed, seconds=True) if parsed else str(value)


def _in_review(value: str | None) -> bool:
    return bool(value) and str(value).endswith(MANUAL_REVIEW)


# --- the list ------------------------------------------------------------------------------------------------


@dataclass
class PayoutRow:
    payout: PayoutOrder
    status: Status
    type: Status
    fulfillments: int
    beneficiary_types: list[str]


def list_rows(payouts: Iterable[PayoutOrder]) -> list[PayoutRow]:
    """The list's rows; `payouts` come with their fulfilments prefetched (`with_fulfillment_types`)."""
    rows = []
    for payout in payouts:
        fulfillments = list(payout.fulfillments.all())
        rows.append(
            PayoutRow(
                payout,
                status(PayoutOrderStatus, payout.status),
                status(PayoutOrderType, payout.type),
                len(fulfillments),
                sorted({f.beneficiary_type for f in fulfillments if f.beneficiary_type}),
            )
        )
    return rows


def with_fulfillment_types(payouts: Any) -> Any:
    """The queryset with what the list's rows read of the fulfilments (one query more, whatever the page size)."""
    return payouts.prefetch_related(
        Prefetch("fulfillments", queryset=Fulfillment.objects.only("pk", "payout_order_id", "beneficiary_type"))
    )


# --- the header ----------------------------------------------------------------------------------------------


@dataclass
class PayoutHeader:
    payout: PayoutOrder
    status: Status
    type: Status
    pii: masking.PiiView
    udfs: list[Fact]
    unknown_fields: list[str]


def header(payout: PayoutOrder, pii: masking.PiiView) -> PayoutHeader:
    udfs = payout.udfs if isinstance(payout.udfs, Mapping) else {}
    return PayoutHeader(
        payout,
        status(PayoutOrderStatus, payout.status),
        status(PayoutOrderType, payout.type),
        pii,
        _facts(sorted(udfs.items())),
        list(payout.unknown or []),
    )


# --- fulfilments and their transactions ----------------------------------------------------------------------


@dataclass
class PayoutTxnView:
    txn: PayoutTransaction
    status: Status
    review: bool
    gateway: str  # the method's gateway part ("YESBANK" of "YESBANK_IMPS"), a reading aid
    rail: str  # and its rail ("IMPS")
    description: str
    epg_txn_id: str
    updated_at: str
    time_stamp: str
    txn_response: list[Fact]


@dataclass
class FulfillmentView:
    fulfillment: Fulfillment
    status: Status
    in_review: bool
    beneficiary_type: Status
    beneficiary: list[tuple[str, str]]
    preferred_methods: list[str]
    methods: list[str]
    updated_at: str
    updated_by: str
    kind: str  # the fulfilment's `type` ("ORDER")
    merchant_customer_id: str
    udfs: list[Fact]
    additional_info: list[Fact]
    transactions: list[PayoutTxnView]


def _gateway_and_rail(method: str) -> tuple[str, str]:
    """The page's examples ("YESBANK_IMPS", "CASHFREE_IMPS") name the gateway, then the rail after the last
    underscore. Juspay does not define the form, so the parts are shown beside the method, never instead."""
    gateway, sep, rail = method.rpartition("_")
    return (gateway, rail) if sep and gateway and rail else ("", "")


def _txn_view(txn: PayoutTransaction) -> PayoutTxnView:
    raw = txn.raw if isinstance(txn.raw, Mapping) else {}
    gateway, rail = _gateway_and_rail(txn.method)
    response = raw.get("txn_response") if isinstance(raw.get("txn_response"), Mapping) else {}
    return PayoutTxnView(
        txn=txn,
        status=payout_status(PayoutTransactionStatus, txn.status),
        review=_in_review(txn.status),
        gateway=gateway,
        rail=rail,
        description=str(raw.get("response_description") or ""),
        epg_txn_id=str(raw.get("epg_txn_id") or ""),
        updated_at=_stamp(raw.get("updated_at")),
        time_stamp=_stamp(raw.get("time_stamp")),
        txn_response=_facts(
            [
                ("Status", (response or {}).get("status")),
                ("Request id", (response or {}).get("request_id")),
                ("Amount", (response or {}).get("amount")),
            ]
        ),
    )


def _fulfillment_view(f: Fulfillment, *, unmasked: bool) -> FulfillmentView:
    raw = f.raw if isinstance(f.raw, Mapping) else {}
    info = raw.get("additional_info") if isinstance(raw.get("additional_info"), Mapping) else {}
    info = info or {}
    txns = [_txn_view(t) for t in f.transactions.all()]
    return FulfillmentView(
        fulfillment=f,
        status=payout_status(PayoutFulfillmentStatus, f.status),
        in_review=_in_review(f.status) or any(t.review for t in txns),
        beneficiary_type=status(BeneficiaryType, f.beneficiary_type),
        beneficiary=masking.beneficiary(f.beneficiary, unmasked=unmasked),
        preferred_methods=[str(m) for m in raw.get("preferred_method_list") or []],
        methods=[str(m) for m in raw.get("fulfillment_method_list") or []],
        updated_at=_stamp(raw.get("updated_at")),
        updated_by=str(raw.get("updated_by") or ""),
        kind=str(raw.get("type") or ""),
        merchant_customer_id=str(raw.get("merchant_customer_id") or ""),
        udfs=_facts((f"udf{i}", raw.get(f"udf{i}")) for i in range(1, 6)),
        additional_info=_facts(
            [
                ("Remark", info.get("remark")),
                ("Use as transaction remark", info.get("use_this_as_tr")),
                ("Scheduled for", info.get("schedule_time")),
                ("Attempt threshold", info.get("attempt_threshold")),
                ("Retriable", info.get("is_retriable")),
            ]
        ),
        transactions=txns,
    )


def _fulfillments_prefetch() -> Prefetch:
    return Prefetch(
        "fulfillments",
        queryset=Fulfillment.objects.order_by("juspay_created_at", "pk").prefetch_related(
            Prefetch("transactions", queryset=PayoutTransaction.objects.order_by("created", "pk"))
        ),
    )


@dataclass
class Fulfillments:
    rows: list[FulfillmentView]
    in_review: int  # fulfilments with the fulfilment or one of its attempts in manual review
    total: Decimal


def fulfillments(payout: PayoutOrder, *, unmasked: bool) -> Fulfillments:
    rows = [
        _fulfillment_view(f, unmasked=unmasked)
        for f in Fulfillment.objects.filter(payout_order=payout)
        .order_by("juspay_created_at", "pk")
        .prefetch_related(Prefetch("transactions", queryset=PayoutTransaction.objects.order_by("created", "pk")))
    ]
    return Fulfillments(
        rows=rows,
        in_review=sum(1 for r in rows if r.in_review),
        total=sum((r.fulfillment.amount or Decimal(0) for r in rows), Decimal(0)),
    )


# --- payments[] and refunds[] --------------------------------------------------------------------------------


def _answer(payout: PayoutOrder) -> JuspayPayoutOrder | None:
    """The stored answer, parsed again; None when it no longer parses (the raw JSON is still shown to Admin)."""
    try:
        return JuspayPayoutOrder.parse(payout.raw or {})
    except (ValidationError, ValueError, TypeError):
        return None


def _when(value: datetime | None) -> str:
    return time_html(value, seconds=True) if value else ""


@dataclass
class PaymentView:
    id: str
    order: Order | None  # the cached payment order its `id` names
    status: Status
    amount: Decimal | None
    method_type: Status
    method: str
    auth_type: Status
    facts: list[Fact]
    upi: list[Fact]
    wallet: list[Fact]
    card: list[tuple[str, str]]
    bank: list[Fact]


def _payment_view(item: PayoutPayment, orders: Mapping[str, Order], *, unmasked: bool) -> PaymentView:
    def keep(value: object, masker: Any) -> object:
        return value if unmasked or value in (None, "") else masker(str(value))

    upi, wallet, card, bank = item.upi_details, item.wallet_details, item.card_details, item.bank_details
    metadata = bank.metadata if bank else None
    return PaymentView(
        id=str(item.id or ""),
        order=orders.get(str(item.id)) if item.id else None,
        status=payout_status_item(item.status),
        amount=item.amount,
        method_type=status(PaymentMethodType, item.payment_method_type),
        method=str(item.payment_method or ""),
        auth_type=status(AuthType, item.auth_type),
        facts=_facts(
            [
                ("Type", item.type),
                ("Merchant customer id", item.merchant_customer_id),
                ("Created", _when(item.created_at)),
                ("Updated", _when(item.updated_at)),
                ("Status updated", _when(item.status_updated_at)),
                ("Updated by", item.updated_by),
            ]
        ),
        upi=_facts([("Payer VPA", keep(upi.payer_vpa, masking.mask_vpa) if upi else None)]),
        wallet=_facts(
            [
                ("Brand", wallet.brand if wallet else None),
                ("Wallet", keep(wallet.wallet_identifier, masking.mask_phone) if wallet else None),
            ]
        ),
        card=masking.card(card.model_dump(mode="json"), unmasked=unmasked) if card else [],
        bank=_facts(
            [
                ("Object", bank.object),
                ("Bank account id", bank.id),
                ("Customer id", bank.customer_id),
                ("Created", _when(bank.date_created)),
                ("Bank", bank.bank_name),
                ("Account number", keep(bank.account_number, masking.mask_number)),
                ("Account holder", keep(bank.beneficiary_name, masking.mask_name)),
                ("IFSC", bank.ifsc),
                ("Validation amount", bank.validation_amount),
                ("Currency", bank.currency),
                (
                    "Validation status",
                    status(BankValidationStatus, bank.validation_status) if bank.validation_status else None,
                ),
                ("Last validated", _when(bank.last_validated)),
                (
                    "Metadata",
                    json.dumps(metadata if unmasked else masking.mask_json(metadata), ensure_ascii=False)
                    if metadata
                    else None,
                ),
            ]
        )
        if bank
        else [],
    )


def payout_status_item(value: str | None) -> Status:
    """A `payments[]` or `refunds[]` item's status (SUCCESS, PENDING, FAILURE, MANUAL_REVIEW on the v3.2 page)."""
    known = status(PayoutItemStatus, value)
    outcome = {"SUCCESS": "success", "FAILURE": "failure", "PENDING": "pending", MANUAL_REVIEW: "other"}
    return (
        Status(known.value, known.meaning, known.known, outcome.get(known.value, known.outcome))
        if known.known
        else known
    )


@dataclass
class RefundView:
    id: str
    unique_request_id: str
    ref: str
    status: Status
    amount: Decimal | None
    sent_to_gateway: bool | None
    error_message: str
    type: str
    merchant_customer_id: str
    updated_by: str
    created: str
    updated: str
    status_updated: str


def _refund_view(item: PayoutRefund) -> RefundView:
    return RefundView(
        id=str(item.id or ""),
        unique_request_id=str(item.unique_request_id or ""),
        ref=str(item.ref or ""),
        status=payout_status_item(item.status),
        amount=item.amount,
        sent_to_gateway=item.sent_to_gateway,
        error_message=str(item.error_message or ""),
        type=str(item.type or ""),
        merchant_customer_id=str(item.merchant_customer_id or ""),
        updated_by=str(item.updated_by or ""),
        created=_when(item.created_at),
        updated=_when(item.updated_at),
        status_updated=_when(item.status_updated_at),
    )


@dataclass
class PaymentsAndRefunds:
    payments: list[PaymentView]
    refunds: list[RefundView]
    payments_total: Decimal
    refunds_total: Decimal
    parsed: bool  # False: the stored answer no longer parses; nothing can be listed


def payments_and_refunds(payout: PayoutOrder, *, unmasked: bool) -> PaymentsAndRefunds:
    answer = _answer(payout)
    if answer is None:
        return PaymentsAndRefunds([], [], Decimal(0), Decimal(0), parsed=False)
    ids = [str(p.id) for p in answer.payments if p.id]
    orders = (
        {
            o.juspay_id: o
            for o in Order.objects.select_related("merchant").filter(merchant=payout.merchant_id, juspay_id__in=ids)
        }
        if ids
        else {}
    )
    payments = [_payment_view(p, orders, unmasked=unmasked) for p in answer.payments]
    refunds = [_refund_view(r) for r in answer.refunds]
    return PaymentsAndRefunds(
        payments=payments,
        refunds=refunds,
        payments_total=sum((p.amount or Decimal(0) for p in payments), Decimal(0)),
        refunds_total=sum((r.amount or Decimal(0) for r in refunds), Decimal(0)),
        parsed=True,
    )


# --- the orders it is connected to ---------------------------------------------------------------------------


@dataclass
class Related:
    named: list[Order]  # payment orders its payments[] name (the documented link)
    customer_orders: list[Order]  # other orders of this customer (same merchant and customer id)
    customer_payouts: list[PayoutOrder]  # other payout orders of this customer
    more: bool = False  # more orders or payouts of this customer than shown


def related(payout: PayoutOrder) -> Related:
    raw = payout.raw if isinstance(payout.raw, Mapping) else {}
    ids = [str(p.get("id")) for p in raw.get("payments") or [] if isinstance(p, Mapping) and p.get("id")]
    named = (
        list(Order.objects.select_related("merchant").filter(merchant=payout.merchant_id, juspay_id__in=ids))
        if ids
        else []
    )
    if not payout.customer_id:
        return Related(named, [], [])
    orders = list(
        Order.objects.select_related("merchant")
        .filter(merchant=payout.merchant_id, customer_id=payout.customer_id)
        .exclude(pk__in=[o.pk for o in named])
        .order_by("-juspay_created_at", "-pk")[: OTHER_ORDERS_LIMIT + 1]
    )
    payouts = list(
        PayoutOrder.objects.select_related("merchant")
        .filter(merchant=payout.merchant_id, customer_id=payout.customer_id)
        .exclude(pk=payout.pk)
        .order_by("-juspay_created_at", "-pk")[: OTHER_ORDERS_LIMIT + 1]
    )
    more = len(orders) > OTHER_ORDERS_LIMIT or len(payouts) > OTHER_ORDERS_LIMIT
    return Related(named, orders[:OTHER_ORDERS_LIMIT], payouts[:OTHER_ORDERS_LIMIT], more)


# --- the payouts panel of an order page ----------------------------------------------------------------------


@dataclass
class OrderPayoutView:
    payout: PayoutOrder
    status: Status
    in_review: bool
    linked: bool  # its payments[] name this order (else: the same customer's)
    fulfillments: list[FulfillmentView] = field(default_factory=list)


@dataclass
class OrderPayouts:
    rows: list[OrderPayoutView]
    in_review: int  # payout orders, fulfilments and attempts in manual review
    more: bool  # more payout orders of this customer than shown


def order_payouts(order: Order, *, unmasked: bool) -> OrderPayouts:
    """The payout orders whose payments[] name this order, then the same customer's other payout orders."""
    match = Q(order=order)
    if order.customer_id:
        match |= Q(merchant=order.merchant_id, customer_id=order.customer_id)
    payouts = list(
        PayoutOrder.objects.select_related("merchant")
        .filter(match)
        .order_by("-juspay_created_at", "-pk")
        .prefetch_related(_fulfillments_prefetch())[: OTHER_ORDERS_LIMIT + 1]
    )
    rows = []
    review = 0
    for payout in payouts[:OTHER_ORDERS_LIMIT]:
        views = [_fulfillment_view(f, unmasked=unmasked) for f in payout.fulfillments.all()]
        payout_review = _in_review(payout.status)
        review += payout_review + sum(1 for v in views if v.in_review)
        rows.append(
            OrderPayoutView(
                payout=payout,
                status=status(PayoutOrderStatus, payout.status),
                in_review=payout_review,
                linked=payout.order_id == order.pk,
                fulfillments=views,
            )
        )
    rows.sort(key=lambda r: not r.linked)  # the documented links first
    return OrderPayouts(rows=rows, in_review=review, more=len(payouts) > OTHER_ORDERS_LIMIT)


# --- raw answer ----------------------------------------------------------------------------------------------


def raw_text(payout: PayoutOrder, *, unmasked: bool) -> str:
    data = payout.raw or {}
    return json.dumps(
        data if unmasked else masking.mask_json(data), indent=2, sort_keys=True, default=str, ensure_ascii=False
    )
