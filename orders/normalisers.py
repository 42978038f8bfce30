"""Juspay's answers turned into the cache's column values, the same way wherever an answer is applied.

Pure functions of a parsed answer: nothing here reads or writes the database (orders.sync does, under a row
lock). Juspay's missing values become "" in text columns and stay None in amounts and dates; emails and phones
are normalised once here so search can use an indexed equality; whatever Juspay sent that our model does not
know is listed (`unknown_in`) and its JSON kept in `raw`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dashboard.juspay.types_base import JuspayModel, JuspayResult
from dashboard.juspay.types_order import Offer as JuspayOffer
from dashboard.juspay.types_order import Order as JuspayOrder
from dashboard.juspay.types_order import PaymentGatewayResponse, Txn, TxnDetail
from dashboard.juspay.types_order import Refund as JuspayRefund
from dashboard.juspay.types_order import SplitDetail as JuspaySplitDetail
from dashboard.juspay.types_payout import PayoutFulfillment
from dashboard.juspay.types_payout import PayoutOrder as JuspayPayoutOrder
from dashboard.juspay.types_payout import PayoutTransaction as JuspayPayoutTransaction

# Column name -> value, ready for `Model(**columns)` or setattr on a row.
Columns = dict[str, Any]


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


def normalise_phone(value: str | None) -> str:
    """Digits only, the last ten (Indian mobile numbers come with or without +91 / 0)."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-10:]


def text(value: object) -> str:
    """A text column's value: what Juspay sent, as text, or "" when it sent nothing."""
    return "" if value is None else str(value)


def amount_text(value: Decimal | None) -> str | None:
    """An amount as the timeline stores it (JSON has no decimals): exact text, or None when unknown."""
    return None if value is None else str(value)


def unknown_in(parsed: JuspayModel) -> list[str]:
    """Fields and enumerated values Juspay sent that its documentation (and so our model) does not have, and
    values that did not fit their type (kept in `raw`, left unset in the columns)."""
    problems = [str(p) for p in parsed.parse_problems] if isinstance(parsed, JuspayResult) else []
    fields, values = parsed.unknowns()
    return [*fields, *(f"{u.path}={u.value}" for u in values), *problems]


# --- payment orders -----------------------------------------------------------------------------


def order_columns(parsed: JuspayOrder) -> Columns:
    """The order row's own columns (its children come from the functions below)."""
    detail = parsed.txn_detail or (parsed.txn_list[0].txn_detail if parsed.txn_list else None)
    split = parsed.split_settlement_response
    return {
        "juspay_id": text(parsed.id),
        "status": parsed.status,
        "status_id": parsed.status_id,
        "amount": parsed.amount,
        "effective_amount": parsed.effective_amount,
        "currency": text(parsed.currency),
        "customer_id": text(parsed.customer_id),
        "customer_email": text(parsed.customer_email),
        "customer_phone": text(parsed.customer_phone),
        "email_normalized": normalise_email(parsed.customer_email),
        "phone_normalized": normalise_phone(parsed.customer_phone),
        "payment_method_type": text(parsed.payment_method_type),
        "payment_method": text(parsed.payment_method),
        "gateway": text(detail.gateway if detail else ""),
        "txn_id": text(parsed.txn_id),
        "txn_uuid": text(parsed.txn_uuid),
        "juspay_created_at": parsed.date_created,
        "juspay_updated_at": parsed.last_updated,
        "refunded": bool(parsed.refunded),
        "amount_refunded": parsed.amount_refunded,
        "max_eligible_refund": parsed.maximum_eligible_refund_amount,
        "udfs": {f"udf{i}": v for i in range(1, 11) if (v := getattr(parsed, f"udf{i}"))},
        "split_applied": split.split_applied if split else None,
        "raw": parsed.raw,
        "unknown": unknown_in(parsed),
    }


def udf_slots(udfs: dict[str, Any]) -> list[tuple[int, str]]:
    """The order's non-empty udfs as (slot, value) pairs, for the search rows (orders.models.OrderUdf). Values
    longer than the column are cut: search matches what an agent can type, and the page shows the whole value."""
    slots = []
    for slot in range(1, 11):
        value = text(udfs.get(f"udf{slot}")).strip()
        if value:
            slots.append((slot, value[:255]))
    return slots


def transaction_rows(parsed: JuspayOrder) -> list[Columns]:
    """One row per transaction: each split-payment leg, or the order's single transaction."""
    legs: list[tuple[Txn | JuspayOrder, TxnDetail | None, PaymentGatewayResponse | None]] = (
        [(t, t.txn_detail, t.payment_gateway_response) for t in parsed.txn_list]
        if parsed.txn_list
        else [(parsed, parsed.txn_detail, parsed.payment_gateway_response)]
    )
    rows = []
    for source, detail, pgr in legs:
        txn_id = text(source.txn_id or (detail.txn_id if detail else ""))
        if not txn_id:
            continue
        rows.append(
            {
                "txn_id": txn_id,
                "txn_uuid": text(source.txn_uuid or (detail.txn_uuid if detail else "")),
                "status": text(detail.status if detail and detail.status else source.status),
                "gateway": text(detail.gateway if detail else ""),
                "gateway_id": detail.gateway_id if detail else None,
                "amount": detail.txn_amount if detail else None,
                "net_amount": detail.net_amount if detail else None,
                "currency": text(detail.currency if detail else ""),
                "payment_method_type": text(source.payment_method_type),
                "payment_method": text(source.payment_method),
                "rrn": text(pgr.rrn if pgr else ""),
                "epg_txn_id": text(pgr.epg_txn_id if pgr else ""),
                "error_code": text(detail.error_code if detail else ""),
                "error_message": text(detail.error_message if detail else ""),
                "created": detail.created if detail else None,
                "raw": {
                    "txn_detail": detail.model_dump(mode="json") if detail else None,
                    "payment_gateway_response": pgr.model_dump(mode="json") if pgr else None,
                },
            }
        )
    return rows


def keep_full_gateway_response(old_raw: dict[str, Any], old_status: str, columns: Columns) -> Columns:
    """A transaction's columns, keeping the full gateway response fetched earlier (a person's Refresh asks Juspay
    for it with `options.add_full_gateway_response=true`; the sweep does not) while the transaction's status has
    not moved since. Once it moves, the old gateway answer no longer describes it and is dropped."""
    new_pgr = (columns.get("raw") or {}).get("payment_gateway_response")
    old_pgr = (old_raw or {}).get("payment_gateway_response")
    if (
        columns.get("status") != old_status
        or not isinstance(old_pgr, dict)
        or not old_pgr.get("gateway_response")
        or not isinstance(new_pgr, dict)
        or new_pgr.get("gateway_response")
    ):
        return columns
    raw = {**columns["raw"], "payment_gateway_response": {**new_pgr, "gateway_response": old_pgr["gateway_response"]}}
    return {**columns, "raw": raw}


def _refund_key(refund: JuspayRefund, index: int) -> str:
    return text(refund.unique_request_id or refund.id or (f"ref:{refund.ref}" if refund.ref else f"index:{index}"))


def refunds_by_key(parsed: JuspayOrder) -> dict[str, JuspayRefund]:
    """Each refund under its idempotency key (`unique_request_id`; Juspay's id or ref when that is missing)."""
    return {_refund_key(refund, index): refund for index, refund in enumerate(parsed.all_refunds)}


def refund_columns(refund: JuspayRefund) -> Columns:
    return {
        "juspay_refund_id": text(refund.id),
        "ref": text(refund.ref),
        "amount": refund.amount,
        "status": text(refund.status),
        "sent_to_gateway": refund.sent_to_gateway,
        "refund_type": text(refund.refund_type),
        "error_code": text(refund.error_code),
        "error_message": text(refund.error_message),
        "arn": text(refund.arn),
        "created": refund.created,
        "processed_at": refund.pg_processed_at,
        "raw": refund.model_dump(mode="json"),
    }


def offers_by_key(parsed: JuspayOrder) -> dict[str, JuspayOffer]:
    return {text(offer.offer_id or offer.offer_code): offer for offer in parsed.offers}


def offer_columns(offer: JuspayOffer) -> Columns:
    return {
        "offer_code": text(offer.offer_code),
        "status": text(offer.status),
        "benefits": [b.model_dump(mode="json") for b in offer.benefits],
        "raw": offer.model_dump(mode="json"),
    }


def splits_by_vendor(parsed: JuspayOrder) -> dict[str, JuspaySplitDetail]:
    split = parsed.split_settlement_response
    return {text(d.sub_vendor_id): d for d in (split.split_details if split else [])}


def split_columns(detail: JuspaySplitDetail) -> Columns:
    return {
        "amount": detail.amount,
        "merchant_commission": detail.merchant_commission,
        "raw": detail.model_dump(mode="json"),
    }


# --- payout orders ------------------------------------------------------------------------------


MANUAL_REVIEW = "MANUAL_REVIEW"


def payout_in_manual_review(parsed: JuspayPayoutOrder) -> bool:
    """Does anything on the payout order wait for someone to reconcile it with the bank? The v3.2 page's
    `*_MANUAL_REVIEW` order statuses ("Check with bank"), or MANUAL_REVIEW on a fulfillment, a transaction, a
    payment or a refund (https://juspay.io/api-reference/docs/payout/order-status)."""
    items = [
        parsed.status,
        *(f.status for f in parsed.fulfillments),
        *(t.status for t in parsed.transactions),
        *(p.status for p in parsed.payments),
        *(r.status for r in parsed.refunds),
    ]
    return any(text(status).endswith(MANUAL_REVIEW) for status in items)


def payment_order_ids(parsed: JuspayPayoutOrder) -> list[str]:
    """Juspay's ids of the payment orders the answer's `payments[]` name (`id`: "Unique ID generated by Juspay
    for the payment order", the payout Order Status v3.2 page), in their order, without repeats."""
    return list(dict.fromkeys(text(p.id) for p in parsed.payments if p.id))


def payout_order_columns(parsed: JuspayPayoutOrder) -> Columns:
    return {
        "status": parsed.status,
        "type": text(parsed.type),
        "amount": parsed.amount,
        "customer_id": text(parsed.customer_id),
        "juspay_created_at": parsed.created_at,
        "juspay_updated_at": parsed.updated_at,
        "udfs": {k: v for k, v in parsed.raw.items() if k.startswith("udf") and v},
        "manual_review": payout_in_manual_review(parsed),
        "raw": parsed.raw,
        "unknown": unknown_in(parsed),
    }


def fulfillment_columns(item: PayoutFulfillment) -> Columns:
    beneficiary = item.beneficiary_details
    return {
        "status": text(item.status),
        "amount": item.amount,
        "beneficiary_type": text(beneficiary.type if beneficiary else ""),
        "beneficiary": beneficiary.model_dump(mode="json") if beneficiary else {},
        "method": text(item.transactions[-1].fulfillment_method if item.transactions else ""),
        "juspay_created_at": item.created_at,
        "status_updated_at": item.status_updated_at,
        "raw": item.model_dump(mode="json"),
    }


def payout_transactions_with_refs(item: PayoutFulfillment) -> list[tuple[str, JuspayPayoutTransaction]]:
    """Each payout attempt with its key (`transaction_ref`, or its position when Juspay sent none)."""
    return [(text(txn.transaction_ref) or f"index:{index}", txn) for index, txn in enumerate(item.transactions)]


def payout_transaction_columns(txn: JuspayPayoutTransaction) -> Columns:
    return {
        "status": text(txn.status),
        "amount": txn.amount,
        "method": text(txn.fulfillment_method),
        "gateway_ref_id": text(txn.gateway_ref_id),
        "response_code": text(txn.response_code),
        "response_message": text(txn.response_message),
        "created": txn.created_at,
        "raw": txn.model_dump(mode="json"),
    }
