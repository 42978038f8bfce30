"""Validation of the two POST endpoints, in the order Juspay's documented errors imply: Fulfillment Sync
(https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api) and Refund (https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api)."""

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from . import errors
from .model import Order, maximum_eligible_refund, order_status

DUPLICATE_AMOUNT_WINDOW = 5.0  # seconds; the docs say 5 s on one page and 2 s on another
FULFILLMENT_STATUSES = frozenset({"SUCCESS", "FAILURE", "PENDING"})
FULFILLMENT_COMMANDS = frozenset(
    {
        "NO_ACTION",
        "INITIATE_CREDIT",
        "INITIATE_REFUND",
        "BLOCK_IMEI",
        "UNBLOCK_IMEI",
        "POST_TXN_SPLIT_SETTLEMENT",
        "INVOICE",
        "PROTEST",
        "HOLD",
        "RELEASE_HOLD",
    }
)


@dataclass(frozen=True, slots=True)
class Rejection:
    http_status: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RefundRequest:
    unique_request_id: str
    amount: float
    split_settlement_details: str


@dataclass(frozen=True, slots=True)
class FulfillmentRequest:
    status: str
    command: str
    time: str
    fulfillment_id: str
    data: str
    split_details: dict[str, Any] | None
    refund_amount: float | None = None  # INITIATE_REFUND: what it refunds (actions.Actions._refund_for_command)


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def parse_amount(value: str) -> float | None:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        return None
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinities, refused just before
    if not amount.is_finite() or amount <= 0 or not isinstance(exponent, int) or exponent < -2:
        return None
    return float(amount)


def validate_refund(order: Order, fields: dict[str, Any], now: float) -> RefundRequest | Rejection:
    unique_request_id = _text(fields, "unique_request_id").strip()
    raw_amount = _text(fields, "amount").strip()
    if not unique_request_id or not raw_amount:
        return Rejection(400, errors.REFUND_MISSING_FIELDS)
    if any(r.unique_request_id == unique_request_id for r in order.refunds):
        return Rejection(400, errors.REFUND_DUPLICATE_REQUEST_ID)
    amount = parse_amount(raw_amount)
    if amount is None:
        return Rejection(400, errors.REFUND_AMOUNT_INVALID)
    if order_status(order, now) != "CHARGED":
        return Rejection(400, errors.REFUND_ORDER_NOT_SUCCESSFUL)
    if amount > maximum_eligible_refund(order, now) + 1e-9:
        return Rejection(400, errors.REFUND_AMOUNT_EXCEEDED)
    if any(r.amount == amount and now - r.created < DUPLICATE_AMOUNT_WINDOW for r in order.refunds):
        return Rejection(400, errors.REFUND_DUPLICATE_AMOUNT)
    split = _text(fields, "metadata.split_settlement_details") or _nested_split(fields)
    if split:
        problem = refund_split_problem(order, Decimal(raw_amount), split, now)
        if problem:
            return Rejection(400, errors.invalid_input(problem))
    return RefundRequest(unique_request_id, amount, split)


def _nested_split(fields: dict[str, Any]) -> str:
    metadata = fields.get("metadata")
    if isinstance(metadata, dict):
        return _text(metadata, "split_settlement_details")
    return ""


def validate_fulfillment(order: Order, fields: dict[str, Any], now: float) -> FulfillmentRequest | Rejection:
    status = _text(fields, "fulfillment_status").strip()
    command = _text(fields, "fulfillment_command").strip()
    missing = [name for name, value in (("fulfillment_status", status), ("fulfillment_command", command)) if not value]
    if missing:
        return Rejection(400, errors.invalid_input(f"Mandatory fields are missing: {', '.join(missing)}"))
    if status not in FULFILLMENT_STATUSES:
        return Rejection(400, errors.invalid_input(f"Invalid value for fulfillment_status: {status}"))
    if command not in FULFILLMENT_COMMANDS:
        return Rejection(400, errors.invalid_input(f"Invalid value for fulfillment_command: {command}"))
    if not any(txn.status(now) == "CHARGED" for txn in order.txns):
        return Rejection(400, errors.no_txn_found())
    split_details = None
    if command == "POST_TXN_SPLIT_SETTLEMENT":
        split_details = _split_details(_text(fields, "split_settlement_details"))
        if split_details is None:
            return Rejection(400, errors.invalid_input("split_settlement_details is missing or invalid"))
        if has_split(order):
            return Rejection(400, errors.fulfillment_duplicate())
        problem = split_problem(Decimal(str(order.effective_amount)), split_details)
        if problem:
            return Rejection(400, errors.invalid_input(problem))
    fulfillment_id = _text(fields, "fulfillment_id")
    if _already_executed(order, command, fulfillment_id):
        return Rejection(400, errors.fulfillment_duplicate())
    data = _text(fields, "fulfillment_data")
    refund_amount = None
    if command == "INITIATE_REFUND":
        refund_amount = _command_refund_amount(data, maximum_eligible_refund(order, now))
        if refund_amount is None:
            # Not documented: our choice of answer when nothing (or less than asked) is left to refund.
            return Rejection(400, errors.invalid_input("INITIATE_REFUND: the amount exceeds the refundable amount"))
    return FulfillmentRequest(
        status,
        command,
        _text(fields, "fulfillment_time"),
        fulfillment_id,
        data,
        split_details,
        refund_amount,
    )


def _command_refund_amount(data: str, eligible: float) -> float | None:
    """INITIATE_REFUND's amount: `amount` in a JSON object `fulfillment_data`, else all that is eligible.
    None when that is nothing, or more than is eligible. (The docs are silent; see actions.py.)"""
    amount: float | None = eligible
    try:
        value = json.loads(data) if data else None
    except ValueError:
        value = None  # free-form text: Juspay documents fulfillment_data as any details
    if isinstance(value, dict) and value.get("amount") is not None:
        amount = parse_amount(str(value["amount"]))
    if amount is None or amount <= 0 or amount > eligible + 1e-9:
        return None
    return amount


def _already_executed(order: Order, command: str, fulfillment_id: str) -> bool:
    """A command that already succeeded cannot run again (the documented ALREADY_EXISTS refusal). Not
    NO_ACTION: its SUCCESS is the one that is not terminal ("`SUCCESS` is a terminal status for all
    fulfillment commands except NO_ACTION") and its id may repeat ("A unique/repeat merchant-generated
    identifier"), so every NO_ACTION is stored, repeated ids included."""
    if command == "NO_ACTION":
        return False
    return any(previous["command"] == command and previous["status"] == "SUCCESS" for previous in order.commands)


def _split_details(raw: str) -> dict[str, Any] | None:
    try:
        details = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(details, dict):
        return None
    splits = details.get("vendor", {}).get("split")
    if not isinstance(splits, list) or not splits:
        return None
    for split in splits:
        if not isinstance(split, dict) or not split.get("sub_mid") or parse_amount(str(split.get("amount"))) is None:
            return None
    return details


# --- The split rule: the simulator's own copy -------------------------------------------------------------
# The same rule as orders/split_rule.py (the simulator imports nothing of ours), from
# https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement and
# https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api: the marketplace share plus
# every vendor's `amount` equals what the customer paid (the effective amount, after offers; the pages are
# silent on offers); a vendor's `merchant_commission` is inside its amount, not added. Juspay documents no
# error text for a split that does not add up: the answer here is a 400 INVALID_INPUT, like other bad input.
# tests/fulfilment/test_split_agreement.py checks both copies give the same verdict on the same fixtures.

CENT = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(CENT) if amount.is_finite() else None


def split_difference(paid: Decimal, details: dict[str, Any]) -> Decimal | None:
    """Paid less (marketplace share + vendors' amounts): 0 when the split adds up; None when unreadable."""
    marketplace = details.get("marketplace")
    market = _decimal(marketplace.get("amount", 0)) if isinstance(marketplace, dict) else Decimal(0)
    vendors = [_decimal(split.get("amount")) for split in details.get("vendor", {}).get("split", [])]
    if market is None or any(v is None for v in vendors):
        return None
    return (paid - market - sum((v for v in vendors if v is not None), Decimal(0))).quantize(CENT)


def split_problem(paid: Decimal, details: dict[str, Any]) -> str:
    difference = split_difference(paid.quantize(CENT), details)
    if difference is None:
        return "split_settlement_details has an amount that is not a number"
    if difference > 0:
        return f"Split amounts are {difference:.2f} short of the order amount {paid:.2f}"
    if difference < 0:
        return f"Split amounts exceed the order amount {paid:.2f} by {-difference:.2f}"
    return ""


def has_split(order: Order) -> bool:
    """The order already carries a split (applied, or with vendor shares): a second one is a repeat."""
    split = order.split_settlement
    return bool(split and (split.get("split_applied") or split.get("split_details")))


def refund_split_problem(order: Order, amount: Decimal, raw: str, now: float) -> str:
    """A refund's `metadata.split_settlement_details`
    (`{"marketplace":{"refund_amount":N},"vendor":{"split":[{"sub_mid","refund_amount"}]}}`): the parts add
    up to the refund amount, every vendor is one the order settled to, and nobody gives back more than it
    received less what refunds not FAILURE already took from it. Juspay documents the field, not these
    checks or their error texts; they follow from the split rule above."""
    try:
        details = json.loads(raw)
    except ValueError:
        return "metadata.split_settlement_details is not JSON"
    parts = _refund_parts(details)
    if parts is None:
        return "metadata.split_settlement_details is not a refund split"
    split = order.split_settlement or {}
    received = {
        str(d["sub_vendor_id"]): _decimal(d.get("amount")) or Decimal(0) for d in split.get("split_details", [])
    }
    if not received:
        return "The order has no split settlement to refund from"
    paid = Decimal(str(order.effective_amount)).quantize(CENT)
    received["marketplace"] = max(Decimal(0), paid - sum(received.values(), Decimal(0)))
    if sum(parts.values(), Decimal(0)) != amount.quantize(CENT):
        return "Split refund amounts do not add up to the refund amount"
    taken: dict[str, Decimal] = {}
    for refund in order.refunds:
        if refund.status(now) == "FAILURE":
            continue
        for name, part in (_stored_parts(refund.metadata.get("split_settlement_details")) or {}).items():
            taken[name] = taken.get(name, Decimal(0)) + part
    for name, part in parts.items():
        if part < 0:
            return f"Split refund amount for {name} is negative"
        if part == 0:
            continue
        if name not in received:
            return f"{name} is not a vendor of this order's split"
        if part > received[name] - taken.get(name, Decimal(0)):
            return f"Split refund amount for {name} exceeds what it received less earlier refunds"
    return ""


def _stored_parts(raw: Any) -> dict[str, Decimal] | None:
    try:
        return _refund_parts(json.loads(raw)) if isinstance(raw, str) else None
    except ValueError:
        return None


def _refund_parts(details: Any) -> dict[str, Decimal] | None:
    if not isinstance(details, dict) or not isinstance(details.get("vendor"), dict):
        return None
    shares = details["vendor"].get("split")
    if not isinstance(shares, list):
        return None
    parts: dict[str, Decimal] = {}
    marketplace = details.get("marketplace")
    market = _decimal(marketplace.get("refund_amount", 0)) if isinstance(marketplace, dict) else Decimal(0)
    if market is None:
        return None
    parts["marketplace"] = market
    for share in shares:
        amount = _decimal(share.get("refund_amount")) if isinstance(share, dict) else None
        if amount is None or not share.get("sub_mid"):
            return None
        parts[str(share["sub_mid"])] = parts.get(str(share["sub_mid"]), Decimal(0)) + amount
    return parts
