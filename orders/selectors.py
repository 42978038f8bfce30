"""Reads for the order pages: the list (keyset pages), one order, and each section of its page.

Every function here runs a fixed number of queries, whatever the number of refunds, fulfilments,
events or results; the views only call these and render.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime

from dashboard.juspay.enums import (
    AmountBreakupName,
    AuthType,
    BenefitType,
    CalculationRule,
    Documented,
    FulfillmentCommand,
    OfferStatus,
    OrderStatus,
    PaymentMethodType,
    PayoutFulfillmentStatus,
    PayoutOrderStatus,
    PayoutTransactionStatus,
    RefundStatus,
    RefundType,
    describe,
)
from orders import masking, registry
from orders.models import Fulfillment, Order, PayoutTransaction, Refund, SyncSource, TimelineEvent

PAGE_SIZE = 50
TIMELINE_LIMIT = 200
ZERO = Decimal(0)


# --- statuses -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """A status as Juspay sent it, with its documented meaning, or marked unknown."""

    value: str
    meaning: str
    known: bool
    outcome: str  # success | failure | pending | other | unknown

    def __str__(self) -> str:
        return self.value


def status(vocabulary: type[Documented], value: str | None) -> Status:
    text = value or ""
    member = vocabulary.lookup(text)
    if member is None:
        return Status(text, describe(vocabulary, text) if text else "Not set", False, "unknown" if text else "other")
    return Status(text, member.meaning, True, getattr(member, "outcome", "other"))


_REFUND_OUTCOME = {"SUCCESS": "success", "FAILURE": "failure", "PENDING": "pending", "MANUAL_REVIEW": "other"}
_PAYOUT_OUTCOME = {
    "SUCCESS": "success",
    "FAILURE": "failure",
    "MANUAL_REVIEW": "other",
    "CANCELLED": "failure",
    "DISCARDED": "failure",
    "REVERSED": "failure",
    "CONFLICTED": "other",
}


def _outcome_by_name(st: Status, table: dict[str, str]) -> Status:
    if not st.known:
        return st
    return Status(st.value, st.meaning, True, table.get(st.value, "pending"))


# --- the list --------------------------------------------------------------------------------------------

SORT_KEYS: dict[str, tuple[str, bool]] = {
    "newest": ("juspay_created_at", True),
    "oldest": ("juspay_created_at", False),
    "amount_high": ("amount", True),
    "amount_low": ("amount", False),
}


@dataclass
class ListPage:
    rows: list[Order]
    next_cursor: str = ""
    prev_cursor: str = ""


def encode_cursor(value: Any, pk: int) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return base64.urlsafe_b64encode(json.dumps([text, pk]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, field_name: str) -> tuple[Any, int] | None:
    """The (value, pk) a cursor points after; None when it is missing or does not parse (the first page)."""
    if not cursor:
        return None
    try:
        text, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value: Any = parse_datetime(text) if field_name == "juspay_created_at" else Decimal(text)
        if value is None or not isinstance(pk, int):
            return None
        return value, pk
    except (ValueError, TypeError, InvalidOperation, json.JSONDecodeError):
        return None


def keyset_page(
    queryset: QuerySet, sort: str, *, after: str | None = None, before: str | None = None, size: int | None = None
) -> ListPage:
    """One page of the list by keyset on (sort field, id): no OFFSET, no COUNT, one query per page.

    `after` pages forward from a row, `before` back; a page knows there is more by reading one row extra.
    Rows without the sort value (no creation date or amount from Juspay) are left out of sorted browsing;
    search still finds them.
    """
    size = size or PAGE_SIZE
    field_name, descending = SORT_KEYS.get(sort, SORT_KEYS["newest"])
    forward = not before
    cursor = decode_cursor(after if forward else before, field_name)
    going_down = descending if forward else not descending
    queryset = queryset.filter(**{f"{field_name}__isnull": False})
    if cursor:
        value, pk = cursor
        if going_down:  # the leading `<=` gives the index a range to start from
            queryset = queryset.filter(
                Q(**{f"{field_name}__lte": value}) & (Q(**{f"{field_name}__lt": value}) | Q(pk__lt=pk))
            )
        else:
            queryset = queryset.filter(
                Q(**{f"{field_name}__gte": value}) & (Q(**{f"{field_name}__gt": value}) | Q(pk__gt=pk))
            )
    ordering = [f"-{field_name}", "-pk"] if going_down else [field_name, "pk"]
    rows = list(queryset.select_related("merchant").order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    has_next = more if forward else bool(rows)
    has_prev = bool(cursor) if forward else more
    page = ListPage(rows)
    if rows and has_next:
        page.next_cursor = encode_cursor(getattr(rows[-1], field_name), rows[-1].pk)
    if rows and has_prev:
        page.prev_cursor = encode_cursor(getattr(rows[0], field_name), rows[0].pk)
    return page


@dataclass
class ListRow:
    order: Order
    status: Status
    email: str
    phone: str
    reasons: list[str] = field(default_factory=list)
    exact: bool = False


def list_rows(orders: Iterable[Order], *, reasons: Mapping[int, tuple[bool, list[str]]] | None = None) -> list[ListRow]:
    """What the list shows of each order; personal data is always masked in lists (reveals are per order)."""
    rows = []
    for order in orders:
        exact, why = (reasons or {}).get(order.pk, (False, []))
        rows.append(
            ListRow(
                order,
                status(OrderStatus, order.status),
                masking.mask_email(order.customer_email),
                masking.mask_phone(order.customer_phone),
                why,
                exact,
            )
        )
    return rows


# --- one order -------------------------------------------------------------------------------------------


def find_orders(order_id: str, merchant_code: str | None = None) -> list[Order]:
    """The cached orders with this merchant order id (one per merchant at most)."""
    queryset = Order.objects.select_related("merchant").filter(order_id=order_id)
    if merchant_code:
        queryset = queryset.filter(merchant__code=merchant_code)
    return list(queryset.order_by("merchant__code")[:20])


@dataclass
class Header:
    order: Order
    status: Status
    customer: masking.Customer
    pii: masking.PiiView
    unknown_fields: list[str]


def header(order: Order, pii: masking.PiiView) -> Header:
    return Header(
        order,
        status(OrderStatus, order.status),
        masking.customer(order, unmasked=pii.unmasked),
        pii,
        list(order.unknown or []),
    )


# --- payment -----------------------------------------------------------------------------------------


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _breakup(value: Any) -> list[dict[str, Any]]:
    """txn_amount_breakup in either encoding (a list, or JSON text holding the list)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if not isinstance(value, list):
        return []
    items = []
    for item in value:
        if not isinstance(item, Mapping):
            continue
        name = str(item.get("name") or "")
        items.append(
            {
                "name": status(AmountBreakupName, name),
                "desc": item.get("desc") or "",
                "method": item.get("method") or "",
                "amount": _money(item.get("amount", item.get("value"))),
                "sno": item.get("sno"),
            }
        )
    return sorted(items, key=lambda i: (i["sno"] is None, i["sno"] or 0))


DETAIL_LABELS = [
    ("surcharge_amount", "Surcharge"),
    ("tax_amount", "Tax on surcharge"),
    ("offer_deduction_amount", "Offer deduction"),
    ("txn_flow_type", "Flow"),
    ("express_checkout", "Express checkout"),
    ("redirect", "Redirected"),
]
PG_LABELS = [
    ("resp_code", "Response code"),
    ("resp_message", "Response message"),
    ("auth_id_code", "Auth code"),
    ("arn", "ARN"),
    ("eci", "ECI"),
    ("network_error_code", "Network error code"),
    ("network_error_message", "Network error"),
    ("created", "At"),
]


def _labelled(data: Mapping[str, Any], labels: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    shown = []
    for key, label in labels:
        value = data.get(key)
        if value in (None, ""):
            continue
        shown.append((label, "yes" if value is True else "no" if value is False else value))
    return shown


@dataclass
class TxnView:
    txn_id: str
    txn_uuid: str
    status: Status
    gateway: str
    gateway_id: int | None
    amount: Decimal | None
    net_amount: Decimal | None
    currency: str
    method: str
    rrn: str
    epg_txn_id: str
    error: str
    created: datetime | None
    detail: list[tuple[str, Any]]
    pg: list[tuple[str, Any]]
    breakup: list[dict[str, Any]]
    gateway_response: Any
    card: list[tuple[str, str]]


def payment(order: Order, *, unmasked: bool) -> dict[str, Any]:
    raw = order.raw or {}
    legs = {str(leg.get("txn_id")): leg for leg in raw.get("txn_list") or [] if isinstance(leg, Mapping)}
    txns = []
    for txn in order.transactions.order_by("created", "pk"):
        detail = (txn.raw or {}).get("txn_detail") or {}
        pg = (txn.raw or {}).get("payment_gateway_response") or {}
        gateway_response = pg.get("gateway_response")
        leg = legs.get(txn.txn_id, {})
        card_block = leg.get("card") if leg else raw.get("card")
        txns.append(
            TxnView(
                txn_id=txn.txn_id,
                txn_uuid=txn.txn_uuid,
                status=status(OrderStatus, txn.status),
                gateway=txn.gateway,
                gateway_id=txn.gateway_id,
                amount=txn.amount,
                net_amount=txn.net_amount,
                currency=txn.currency or order.currency,
                method=" / ".join(v for v in (txn.payment_method_type, txn.payment_method) if v),
                rrn=txn.rrn,
                epg_txn_id=txn.epg_txn_id,
                error=" ".join(v for v in (txn.error_code, txn.error_message) if v),
                created=txn.created,
                detail=_labelled(detail, DETAIL_LABELS),
                pg=_labelled(pg, PG_LABELS),
                breakup=_breakup(detail.get("txn_amount_breakup")),
                gateway_response=(gateway_response if unmasked else masking.mask_json(gateway_response))
                if gateway_response
                else None,
                card=masking.card(card_block if isinstance(card_block, Mapping) else None, unmasked=unmasked),
            )
        )
    upi = raw.get("upi") if isinstance(raw.get("upi"), Mapping) else {}
    facts = [
        ("Payment method type", status(PaymentMethodType, order.payment_method_type)),
        ("Payment method", order.payment_method),
        ("Auth type", status(AuthType, raw.get("auth_type")) if raw.get("auth_type") else ""),
        ("UPI flow", upi.get("txn_flow_type") or ""),
        ("Payer app", raw.get("payer_app_name") or upi.get("payer_app") or ""),
        ("Bank error", " ".join(str(v) for v in (raw.get("bank_error_code"), raw.get("bank_error_message")) if v)),
        (
            "Juspay response",
            " ".join(str(v) for v in (raw.get("resp_code"), raw.get("resp_message"), raw.get("resp_category")) if v),
        ),
        ("Gateway reference", raw.get("gateway_reference_id") or ""),
    ]
    return {"transactions": txns, "facts": [(k, v) for k, v in facts if v and str(v)], "split_payment": bool(legs)}


# --- refunds -----------------------------------------------------------------------------------------


@dataclass
class RefundView:
    refund: Refund
    status: Status
    type: Status
    source: str
    initiated_by: str
    expected_credit: str


def refunds(order: Order) -> dict[str, Any]:
    rows = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for refund in order.refunds.order_by("created", "pk"):
        raw = refund.raw or {}
        rows.append(
            RefundView(
                refund,
                _outcome_by_name(status(RefundStatus, refund.status), _REFUND_OUTCOME),
                status(RefundType, refund.refund_type),
                str(raw.get("refund_source") or ""),
                str(raw.get("initiated_by") or ""),
                str(raw.get("expected_refund_credit_time") or ""),
            )
        )
        totals[refund.status] += refund.amount or ZERO
    raised = sum((v for k, v in totals.items() if k != RefundStatus.FAILURE), ZERO)
    base = order.effective_amount if order.effective_amount is not None else order.amount
    still = order.max_eligible_refund
    if still is None and base is not None:
        still = max(base - raised, ZERO)
    return {
        "rows": rows,
        "succeeded": totals.get(RefundStatus.SUCCESS, ZERO),
        "pending": totals.get(RefundStatus.PENDING, ZERO),
        "in_review": totals.get(RefundStatus.MANUAL_REVIEW, ZERO),
        "failed": totals.get(RefundStatus.FAILURE, ZERO),
        "raised": raised,
        "amount_refunded": order.amount_refunded,
        "refundable": still,
        "refundable_from_juspay": order.max_eligible_refund is not None,
    }


# --- splits, offers ------------------------------------------------------------------------------------


def splits(order: Order) -> dict[str, Any]:
    details = list(order.split_details.order_by("sub_vendor_id"))
    total = sum((d.amount or ZERO for d in details), ZERO)
    commission = sum((d.merchant_commission or ZERO for d in details), ZERO)
    mismatch = bool(details) and order.amount is not None and total != order.amount
    return {
        "split_applied": order.split_applied,
        "details": details,
        "total": total,
        "commission": commission,
        "mismatch": mismatch,
        "difference": (order.amount - total) if mismatch else ZERO,
    }


def offers(order: Order) -> dict[str, Any]:
    rows = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for offer in order.offers.order_by("offer_code", "pk"):
        benefits = []
        for benefit in offer.benefits or []:
            if not isinstance(benefit, Mapping):
                continue
            info = benefit.get("calculation_info") or {}
            kind = status(BenefitType, benefit.get("type"))
            amount = _money(benefit.get("amount"))
            benefits.append(
                {
                    "type": kind,
                    "rule": status(CalculationRule, info.get("calculation_rule")),
                    "value": _money(info.get("value")),
                    "cap": _money(info.get("max_amount")),
                    "amount": amount,
                }
            )
            totals[kind.value or "?"] += amount or ZERO
        rows.append({"offer": offer, "status": status(OfferStatus, offer.status), "benefits": benefits})
    return {"rows": rows, "totals": sorted(totals.items()), "total": sum(totals.values(), ZERO)}


# --- payouts ---------------------------------------------------------------------------------------------

MANUAL_REVIEW = {"MANUAL_REVIEW", "FULFILLMENTS_MANUAL_REVIEW"}


def payouts(order: Order, *, unmasked: bool) -> dict[str, Any]:
    payout_orders = order.payout_orders.order_by("juspay_created_at", "pk").prefetch_related(
        Prefetch(
            "fulfillments",
            queryset=Fulfillment.objects.order_by("juspay_created_at", "pk").prefetch_related(
                Prefetch("transactions", queryset=PayoutTransaction.objects.order_by("created", "pk"))
            ),
        )
    )
    rows = []
    review = 0
    for payout in payout_orders:
        fulfilments = []
        for f in payout.fulfillments.all():
            txns = [
                {
                    "txn": t,
                    "status": _outcome_by_name(status(PayoutTransactionStatus, t.status), _PAYOUT_OUTCOME),
                    "review": t.status in MANUAL_REVIEW,
                }
                for t in f.transactions.all()
            ]
            in_review = f.status in MANUAL_REVIEW or any(t["review"] for t in txns)
            review += in_review
            fulfilments.append(
                {
                    "fulfilment": f,
                    "in_review": in_review,
                    "transactions": txns,
                    "status": _outcome_by_name(status(PayoutFulfillmentStatus, f.status), _PAYOUT_OUTCOME),
                    "beneficiary": masking.beneficiary(f.beneficiary, unmasked=unmasked),
                }
            )
        payout_review = payout.status in MANUAL_REVIEW
        review += payout_review
        rows.append(
            {
                "payout": payout,
                "status": status(PayoutOrderStatus, payout.status),
                "in_review": payout_review,
                "fulfilments": fulfilments,
            }
        )
    return {"rows": rows, "in_review": review}


def raw(order: Order, *, unmasked: bool) -> dict[str, Any]:
    def show(data: Any) -> str:
        return json.dumps(
            data if unmasked else masking.mask_json(data), indent=2, sort_keys=True, default=str, ensure_ascii=False
        )

    answers = [("Order Status", order.order_id, order.last_synced_at, show(order.raw or {}))]
    for payout in order.payout_orders.order_by("pk"):
        answers.append(("Payout order status", payout.payout_order_id, payout.last_synced_at, show(payout.raw or {})))
    return {"answers": answers, "unknown": list(order.unknown or [])}


# --- timeline --------------------------------------------------------------------------------------------

_VOCABULARY_BY_PREFIX: dict[str, type[Documented]] = {
    "order.": OrderStatus,
    "refund.": RefundStatus,
    "offer.": OfferStatus,
    "payout.": PayoutOrderStatus,
    "fulfilment.": PayoutFulfillmentStatus,
}
_IDENTIFIERS = (
    "unique_request_id",
    "offer_code",
    "payout_order_id",
    "fulfillment_id",
    "request_id",
    "command",
    "action",
)


@dataclass
class EventView:
    event: TimelineEvent
    label: str
    known: bool
    category: str
    summary: str
    details: list[tuple[str, str]]
    text: str
    unknown_values: list[str]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return "" if value is None else str(value)


def category_of(kind: str) -> str:
    for name, (_, prefixes) in registry.timeline_categories().items():
        if kind.startswith(prefixes):
            return name
    return "other"


def present_event(event: TimelineEvent) -> EventView:
    """Render any kind from its registered label and its data; a kind we do not know is shown as it came."""
    data = dict(event.data or {}) if isinstance(event.data, Mapping) else {"data": event.data}
    known = registry.is_known_kind(event.kind)
    vocabulary = next((v for p, v in _VOCABULARY_BY_PREFIX.items() if event.kind.startswith(p)), None)
    parts: list[str] = []
    unknown_values: list[str] = []
    for key in _IDENTIFIERS:
        if data.get(key) not in (None, ""):
            parts.append(_scalar(data[key]))
            if key == "command" and not FulfillmentCommand.known(data[key]):
                unknown_values.append(f"command {data[key]}")
    if "from" in data or "to" in data:
        parts.append(f"{_scalar(data.get('from')) or '—'} → {_scalar(data.get('to')) or '—'}")
    for key in ("to", "status"):
        value = data.get(key)
        if vocabulary and isinstance(value, str) and value and not vocabulary.known(value):
            unknown_values.append(f"status {value}")
    text = str(data.pop("text", "") or "") if event.kind == "note.added" else ""
    skip = {*_IDENTIFIERS, "from", "to", "note_id"}
    details = [
        (k.replace("_", " "), f"#{v}" if k == "request" else _scalar(v))
        for k, v in data.items()
        if k not in skip and v not in (None, "")
    ]
    return EventView(
        event,
        registry.event_label(event.kind),
        known,
        category_of(event.kind),
        " · ".join(parts),
        details,
        text,
        unknown_values,
    )


def timeline(order: Order, *, category: str = "", source: str = "", limit: int = TIMELINE_LIMIT) -> dict[str, Any]:
    categories = registry.timeline_categories()
    queryset = TimelineEvent.objects.filter(order=order).select_related("actor")
    if category in categories:
        prefixes = categories[category][1]
        match = Q()
        for prefix in prefixes:
            match |= Q(kind__startswith=prefix)
        queryset = queryset.filter(match)
    elif category == "other":
        for _, prefixes in categories.values():
            for prefix in prefixes:
                queryset = queryset.exclude(kind__startswith=prefix)
    if source in SyncSource.values:
        queryset = queryset.filter(source=source)
    events = list(queryset.order_by("-at", "-id")[: limit + 1])
    return {
        "events": [present_event(e) for e in events[:limit]],
        "truncated": len(events) > limit,
        "categories": [(k, v[0]) for k, v in categories.items()] + [("other", "Other")],
        "sources": SyncSource.choices,
        "category": category,
        "source": source,
    }
