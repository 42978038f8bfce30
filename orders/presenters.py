"""What the order pages show: the list's rows, one order's header, and each section of its page.

Each presenter takes cached rows and returns a dataclass the template reads; nothing here renders HTML or
calls Juspay. Every presenter runs a fixed number of queries, whatever the number of refunds, fulfilments or
results. Statuses are shown as Juspay sent them, with their meaning (orders.statuses). Personal data is masked
unless the viewer revealed this order (orders.masking).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dashboard.juspay.enums import (
    AmountBreakupName,
    AuthType,
    BenefitType,
    CalculationRule,
    OrderStatus,
    PaymentMethodType,
    RefundStatus,
    RefundType,
)
from dashboard.time_display import as_datetime, time_html
from orders import masking, registry, split_rule
from orders.json_text import as_json, as_text
from orders.models import Offer, Order, Refund, SplitDetail
from orders.statuses import Status, offer_status, refund_status, status

ZERO = Decimal(0)


# --- the list and the header ------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    safe: bool  # an http(s) address the page may link to; anything else is shown as text only


@dataclass
class Header:
    order: Order
    status: Status
    customer: masking.Customer
    pii: masking.PiiView
    unknown_fields: list[str]
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # what an agent quotes to Juspay
    udfs: list[tuple[str, str]] = field(default_factory=list)  # (udfN, value), the ones the merchant set
    payment_links: list[Link] = field(default_factory=list)


# The payment page's addresses in Order Status `payment_links` (documented keys: web, mobile, iframe).
PAYMENT_LINK_LABELS = [("web", "Web"), ("mobile", "Mobile"), ("iframe", "Iframe")]


def _links(value: object) -> list[Link]:
    data = _mapping(value)
    keys = [*(k for k, _ in PAYMENT_LINK_LABELS), *sorted(k for k in data if k not in dict(PAYMENT_LINK_LABELS))]
    labels = dict(PAYMENT_LINK_LABELS)
    links = []
    for key in keys:
        url = data.get(key)
        if url in (None, ""):
            continue
        text = as_text(url)
        links.append(Link(labels.get(key, key), text, text.startswith(("https://", "http://"))))
    return links


def _yes_no(value: object) -> str:
    """A Juspay flag as a person reads it; "" when Juspay left it out, and anything else as it came."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else as_text(value)


def _leg_facts(leg: Mapping[str, Any]) -> list[Fact]:
    """What a split-payment leg (`txn_list[]`) says of itself beyond its txn_detail: status, auth type,
    gateway id and its own refunded flag."""
    facts: list[Fact] = [
        ("Leg status", as_text(leg.get("status"))),
        ("Leg auth type", as_text(leg.get("auth_type"))),
        ("Leg gateway id", as_text(leg.get("gateway_id"))),
        ("Leg refunded", _yes_no(leg.get("refunded"))),
    ]
    return [(label, value) for label, value in facts if value]


def header(order: Order, pii: masking.PiiView) -> Header:
    raw = order.raw or {}
    identifiers = [
        ("Juspay order id", order.juspay_id),
        ("Status id", "" if order.status_id is None else str(order.status_id)),
        ("Product id", as_text(raw.get("product_id"))),
        ("Txn id", order.txn_id),
        ("Txn uuid", order.txn_uuid),
        ("Juspay merchant id", as_text(raw.get("merchant_id"))),
        ("Gateway id", as_text(raw.get("gateway_id"))),
        # Juspay's own flag (documented: true once the order is refunded in full), beside our summary.
        ("Juspay says refunded", _yes_no(raw.get("refunded"))),
        ("Return URL", as_text(raw.get("return_url"))),
    ]
    udfs = [(f"udf{i}", as_text((order.udfs or {}).get(f"udf{i}"))) for i in range(1, 11)]
    return Header(
        order,
        status(OrderStatus, order.status),
        masking.customer(order, unmasked=pii.unmasked),
        pii,
        list(order.unknown or []),
        identifiers=[(label, value) for label, value in identifiers if value],
        udfs=[(name, value) for name, value in udfs if value],
        payment_links=_links(raw.get("payment_links")),
    )


# --- payment -----------------------------------------------------------------------------------------

# A fact shown as "label: value"; the value is whatever Juspay sent (text, number, flag shown as yes/no).
Fact = tuple[str, object]


def _amount(value: object) -> Decimal | None:
    """An amount from a stored JSON answer (number or text); None when missing or not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass(frozen=True)
class BreakupItem:
    """One component of a transaction's amount (`txn_amount_breakup`): the base amount, a surcharge, a tax..."""

    name: Status
    desc: str
    method: str  # ADD or SUB
    amount: Decimal | None
    sno: int | None  # Juspay's serial number: the components' order


def _serial(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _breakup(value: object) -> list[BreakupItem]:
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
        items.append(
            BreakupItem(
                name=status(AmountBreakupName, str(item.get("name") or "")),
                desc=str(item.get("desc") or ""),
                method=str(item.get("method") or ""),
                amount=_amount(item.get("amount", item.get("value"))),
                sno=_serial(item.get("sno")),
            )
        )
    return sorted(items, key=lambda i: (i.sno is None, i.sno or 0))


DETAIL_LABELS = [
    ("surcharge_amount", "Surcharge"),
    ("tax_amount", "Tax on surcharge"),
    ("offer_deduction_amount", "Offer deduction"),
    ("txn_flow_type", "Flow"),
    ("express_checkout", "Express checkout"),
    ("redirect", "Redirected"),
]
PG_LABELS = [
    ("txn_id", "PG txn id"),
    ("resp_code", "Response code"),
    ("resp_message", "Response message"),
    ("auth_id_code", "Auth code"),
    ("arn", "ARN"),
    ("eci", "ECI"),
    ("network_error_code", "Network error code"),
    ("network_error_message", "Network error"),
    ("auth_ref_num", "Auth reference"),
    ("gateway_merchant_id", "Gateway merchant id"),
    ("offer_type", "Offer type at the gateway"),
    ("offer_availed", "Offer availed at the gateway"),
    ("discount_amount", "Gateway discount"),
    ("created", "At"),
]

# Order Status `authentication` (documented keys: the 3DS result, for txn_type AUTHENTICATION, kept 15 minutes)
# and `authorization` (documented as "Auth Id Code", "acquirer Bin" and "acquirer Mid" without key names: the keys
# below are our reading; any other key Juspay sends is shown as it came).
AUTHENTICATION_LABELS = [
    ("threeDSVersion", "3DS version"),
    ("threeDSTransStatus", "3DS status"),
    ("threeDSTransStatusReason", "3DS status reason"),
    ("eci", "ECI"),
    ("threeDSServerTransID", "3DS server txn id"),
    ("threeDSTransId", "3DS txn id"),
    ("cavvAlgorithm", "CAVV algorithm"),
    ("cavv", "CAVV"),
]
AUTHORIZATION_LABELS = [
    ("auth_id_code", "Auth id code"),
    ("acquirer_bin", "Acquirer BIN"),
    ("acquirer_mid", "Acquirer MID"),
]
_SECRET_AUTH_KEYS = {"cavv"}  # the cardholder's authentication value: hidden unless revealed


# Keys whose value is a time: shown in the viewer's zone with UTC on hover (dashboard.time_display).
_TIME_KEYS = {"created"}


def _labelled(data: Mapping[str, object], labels: list[tuple[str, str]]) -> list[Fact]:
    shown: list[Fact] = []
    for key, label in labels:
        value = data.get(key)
        if value in (None, ""):
            continue
        moment = as_datetime(value) if key in _TIME_KEYS else None
        shown.append((label, time_html(moment, seconds=True) if moment else as_text(value)))
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
    detail: list[Fact]
    pg: list[Fact]
    breakup: list[BreakupItem]
    gateway_response: str  # the gateway's own answer as indented JSON (masked unless revealed); "" when absent
    card: list[tuple[str, str]]


@dataclass
class Payment:
    transactions: list[TxnView]
    facts: list[tuple[str, Status | str]]
    split_payment: bool
    authentication: list[Fact] = field(default_factory=list)
    authorization: list[Fact] = field(default_factory=list)


def _auth_block(value: object, labels: list[tuple[str, str]], *, unmasked: bool) -> list[Fact]:
    """An `authentication` or `authorization` block as facts: the known keys first, then any other as it came."""
    data = _mapping(value)
    known = dict(labels)
    facts: list[Fact] = []
    for key in [*known, *sorted(k for k in data if k not in known)]:
        item = data.get(key)
        if item in (None, ""):
            continue
        shown = as_text(item) if unmasked or key not in _SECRET_AUTH_KEYS else masking.hide(item)
        facts.append((known.get(key, key), shown))
    return facts


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def payment(order: Order, *, unmasked: bool) -> Payment:
    raw = order.raw or {}
    legs = {str(leg.get("txn_id")): leg for leg in raw.get("txn_list") or [] if isinstance(leg, Mapping)}
    txns = []
    for txn in order.transactions.order_by("created", "pk"):
        detail = _mapping((txn.raw or {}).get("txn_detail"))
        pg = _mapping((txn.raw or {}).get("payment_gateway_response"))
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
                detail=_labelled(detail, DETAIL_LABELS) + (_leg_facts(leg) if leg else []),
                pg=_labelled(pg, PG_LABELS),
                breakup=_breakup(detail.get("txn_amount_breakup")),
                gateway_response=as_json(gateway_response if unmasked else masking.mask_json(gateway_response))
                if gateway_response
                else "",
                card=masking.card(card_block if isinstance(card_block, Mapping) else None, unmasked=unmasked),
            )
        )
    upi = _mapping(raw.get("upi"))
    facts: list[tuple[str, Status | str]] = [
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
    return Payment(
        transactions=txns,
        facts=[(k, v if isinstance(v, Status) else as_text(v)) for k, v in facts if v and str(v)],
        split_payment=bool(legs),
        authentication=_auth_block(raw.get("authentication"), AUTHENTICATION_LABELS, unmasked=unmasked),
        authorization=_auth_block(raw.get("authorization"), AUTHORIZATION_LABELS, unmasked=unmasked),
    )


# --- refunds -----------------------------------------------------------------------------------------


@dataclass
class RefundView:
    refund: Refund
    status: Status
    type: Status
    source: str
    initiated_by: str
    expected_credit: str
    juspay_id: str = ""  # Juspay's refund `id` (the PG's refund reference; Juspay's unique_request_id when none)
    split: split_rule.RefundAllocation | None = None  # the refund's per-vendor allocation, when it has one
    origin: registry.RefundOrigin | None = None  # raised on this dashboard: maker, approvers, request page

    @property
    def instant(self) -> bool:
        """Juspay documents refund_type INSTANT (paid out at once by Juspay) beside STANDARD."""
        return self.type.value == RefundType.INSTANT


@dataclass
class Refunds:
    rows: list[RefundView]
    succeeded: Decimal
    pending: Decimal
    in_review: Decimal
    failed: Decimal
    raised: Decimal  # every refund raised and not failed
    amount_refunded: Decimal | None  # what Juspay says was refunded
    refundable: Decimal | None  # what may still be refunded: Juspay's figure, else our estimate
    refundable_from_juspay: bool


def _refund_split(raw: Mapping[str, object]) -> split_rule.RefundAllocation | None:
    metadata = raw.get("metadata")
    return (
        split_rule.refund_allocation(metadata.get("split_settlement_details"))
        if isinstance(metadata, Mapping)
        else None
    )


def refunds(order: Order, origins: Mapping[str, registry.RefundOrigin] | None = None) -> Refunds:
    """The refunds section; `origins` (registry.refund_origins of the order) when the caller already has them."""
    rows = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    origins = registry.refund_origins(order) if origins is None else origins
    for refund in order.refunds.order_by("created", "pk"):
        raw = refund.raw or {}
        rows.append(
            RefundView(
                refund,
                refund_status(refund.status),
                status(RefundType, refund.refund_type),
                str(raw.get("refund_source") or ""),
                str(raw.get("initiated_by") or ""),
                str(raw.get("expected_refund_credit_time") or ""),
                refund.juspay_refund_id,
                _refund_split(raw),
                origins.get(refund.unique_request_id),
            )
        )
        totals[refund.status] += refund.amount or ZERO
    raised = sum((v for k, v in totals.items() if k != RefundStatus.FAILURE), ZERO)
    from_juspay = order.max_eligible_refund is not None
    base = order.effective_amount if order.effective_amount is not None else order.amount
    refundable = order.juspay_refund_limit if from_juspay else _estimate_refundable(base, raised)
    return Refunds(
        rows=rows,
        succeeded=totals.get(RefundStatus.SUCCESS, ZERO),
        pending=totals.get(RefundStatus.PENDING, ZERO),
        in_review=totals.get(RefundStatus.MANUAL_REVIEW, ZERO),
        failed=totals.get(RefundStatus.FAILURE, ZERO),
        raised=raised,
        amount_refunded=order.amount_refunded,
        refundable=refundable,
        refundable_from_juspay=from_juspay,
    )


def _estimate_refundable(base: Decimal | None, raised: Decimal) -> Decimal | None:
    """Our estimate when Juspay has not said: what was paid less what was raised and has not failed."""
    return None if base is None else max(base - raised, ZERO)


# --- splits, offers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitRow:
    detail: SplitDetail
    gateway_sub_account_id: str
    transfer_id: str


@dataclass
class Splits:
    split_applied: bool | None
    details: list[SplitDetail]
    total: Decimal  # the vendors' amounts
    commission: Decimal
    mismatch: bool  # the shares break `orders.split_rule.check_split`
    difference: Decimal  # paid less marketplace and vendors: above zero short, below zero over
    requested: bool = False  # Juspay's answer carries a split_settlement_response block
    rows: list[SplitRow] = field(default_factory=list)
    marketplace: Decimal = ZERO  # the marketplace's share: stated by Juspay, else the remainder
    marketplace_stated: bool = False
    paid: Decimal | None = None
    shares_total: Decimal = ZERO  # the marketplace share plus the vendors' amounts
    verdict: str = ""
    explanation: str = ""


def splits(order: Order) -> Splits:
    """Juspay's split for the order, checked by the one rule (`orders.split_rule`) the Fulfilment Sync form
    and the simulator use too."""
    details = list(order.split_details.order_by("sub_vendor_id"))
    total = sum((d.amount or ZERO for d in details), ZERO)
    commission = sum((d.merchant_commission or ZERO for d in details), ZERO)
    found = split_rule.split_of(order)
    check = found.check if found else None
    mismatch = check is not None and check.verdict in (split_rule.Verdict.SHORT, split_rule.Verdict.OVER)
    return Splits(
        split_applied=order.split_applied,
        details=details,
        total=total,
        commission=commission,
        mismatch=mismatch,
        difference=check.difference if check else ZERO,
        requested="split_settlement_response" in (order.raw or {}),
        rows=[
            SplitRow(
                d, str((d.raw or {}).get("gateway_sub_account_id") or ""), str((d.raw or {}).get("epg_txn_id") or "")
            )
            for d in details
        ],
        marketplace=found.marketplace_share if found else ZERO,
        marketplace_stated=bool(found and found.marketplace is not None),
        paid=split_rule.paid_amount(order.amount, order.effective_amount),
        shares_total=check.total if check else ZERO,
        verdict=check.verdict.value if check else "",
        explanation=check.explain(order.currency) if check else "",
    )


@dataclass(frozen=True)
class BenefitView:
    type: Status
    rule: Status
    value: Decimal | None
    cap: Decimal | None
    amount: Decimal | None


@dataclass
class OfferView:
    offer: Offer
    status: Status
    benefits: list[BenefitView]
    rules: list[Fact] = field(default_factory=list)  # the offer's eligibility rules (its `metadata`), as Juspay sent


def _offer_rules(raw: object) -> list[Fact]:
    """An offer's `metadata` (e.g. minimum_order_amount), each key as a readable label; objects as JSON."""
    metadata = _mapping(_mapping(raw).get("metadata"))
    return [
        (str(key).replace("_", " ").capitalize(), as_text(value))
        for key, value in sorted(metadata.items())
        if value not in (None, "")
    ]


@dataclass
class Offers:
    rows: list[OfferView]
    totals: list[tuple[str, Decimal]]  # benefit type -> amount given, by type name
    total: Decimal


def offers(order: Order) -> Offers:
    rows = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for offer in order.offers.order_by("offer_code", "pk"):
        benefits = []
        for benefit in offer.benefits or []:
            if not isinstance(benefit, Mapping):
                continue
            info = _mapping(benefit.get("calculation_info"))
            kind = status(BenefitType, benefit.get("type"))
            amount = _amount(benefit.get("amount"))
            benefits.append(
                BenefitView(
                    type=kind,
                    rule=status(CalculationRule, info.get("calculation_rule")),
                    value=_amount(info.get("value")),
                    cap=_amount(info.get("max_amount")),
                    amount=amount,
                )
            )
            totals[kind.value or "?"] += amount or ZERO
        rows.append(
            OfferView(offer=offer, status=offer_status(offer.status), benefits=benefits, rules=_offer_rules(offer.raw))
        )
    return Offers(rows=rows, totals=sorted(totals.items()), total=sum(totals.values(), ZERO))


# --- raw answers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawAnswer:
    title: str
    key: str
    synced: datetime | None
    text: str  # the JSON, indented (masked unless revealed)


@dataclass
class RawAnswers:
    answers: list[RawAnswer]
    unknown: list[str]


def raw(order: Order, *, unmasked: bool) -> RawAnswers:
    def show(data: object) -> str:
        return as_json(data if unmasked else masking.mask_json(data))

    answers = [RawAnswer("Order Status", order.order_id, order.last_synced_at, show(order.raw or {}))]
    for payout in order.payout_orders.order_by("pk"):
        answers.append(
            RawAnswer("Payout order status", payout.payout_order_id, payout.last_synced_at, show(payout.raw or {}))
        )
    return RawAnswers(answers=answers, unknown=list(order.unknown or []))
