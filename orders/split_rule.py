"""The one rule for split settlement amounts, used by the Fulfilment Sync form and service, the order page
and (as its own copy, `dashboard/juspay_simulator/rules.py`) the simulator; tests/fulfilment/test_split_agreement.py
proves the three agree on the same fixtures.

The checks take plain values, so the form, the service and the page give them the same numbers;
`split_of` and `juspay_share_rooms` read those numbers from the cached order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING

from dashboard.money_format import format_money

if TYPE_CHECKING:
    from orders.models import Order

ZERO = Decimal(0)
CENT = Decimal("0.01")


class Verdict(StrEnum):
    EXACT = "exact"
    SHORT = "short"  # the shares leave part of the paid amount unassigned
    OVER = "over"  # the shares hand out more than was paid
    UNKNOWN = "unknown"  # the order's paid amount is not known


@dataclass(frozen=True)
class SplitCheck:
    paid: Decimal | None
    marketplace: Decimal
    vendors: Decimal
    total: Decimal
    difference: Decimal  # paid less total: above zero when short, below when over
    verdict: Verdict

    @property
    def adds_up(self) -> bool:
        return self.verdict == Verdict.EXACT

    def explain(self, currency: str = "") -> str:
        if self.verdict == Verdict.UNKNOWN:
            return "The order's paid amount is not known, so the shares cannot be checked."
        shares = f"The marketplace share and the vendors' shares add up to {format_money(self.total, currency)}"
        paid = format_money(self.paid, currency)
        if self.verdict == Verdict.SHORT:
            return f"{shares}, {format_money(self.difference, currency)} short of the {paid} paid."
        if self.verdict == Verdict.OVER:
            return f"{shares}, {format_money(-self.difference, currency)} more than the {paid} paid."
        return f"{shares}, the amount paid."


def paid_amount(amount: Decimal | None, effective_amount: Decimal | None) -> Decimal | None:
    """What the customer paid: Order Status's `effective_amount` (the amount after offers), else `amount`."""
    return effective_amount if effective_amount is not None else amount


def check_split(paid: Decimal | None, marketplace: Decimal | None, vendors: Iterable[Decimal | None]) -> SplitCheck:
    """The marketplace share plus every vendor's `amount` must equal what the customer paid.

    Juspay's split settlement pages (https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement
    and https://juspay.io/api-reference/docs/express-checkout/order-fulfillment-api) document the instruction
    `{"marketplace":{"amount":N},"vendor":{"split":[{"sub_mid","amount","merchant_commission"}]}}` and show
    it adding up to the order: a marketplace share of 100 and vendors of 500 and 300 on an order of 900,
    with the merchant commissions (25, 15) inside the vendors' amounts, not added to them. So the
    marketplace share is included, and a vendor's `merchant_commission` is not counted again.

    The pages are silent on discounted orders. We compare with the effective amount (what was charged,
    `paid_amount`): a split can only settle money that was collected; on an order without an offer the
    two amounts are the same, as in Juspay's example.
    """
    market = marketplace if marketplace is not None else ZERO
    vendor_total = sum((v if v is not None else ZERO for v in vendors), ZERO)
    total = market + vendor_total
    if paid is None:
        return SplitCheck(None, market, vendor_total, total, ZERO, Verdict.UNKNOWN)
    difference = (paid - total).quantize(CENT)
    verdict = Verdict.EXACT if difference == 0 else Verdict.SHORT if difference > 0 else Verdict.OVER
    return SplitCheck(paid, market, vendor_total, total, difference, verdict)


def stated_marketplace_share(order_raw: Mapping[str, object]) -> Decimal | None:
    """The marketplace share when Juspay's Order Status answer states it, else None.

    Order Status's `split_details` list only vendors (sub_vendor_id, amount, ...); the documentation names
    no marketplace line. A split asked for at order creation travels as the order's
    `metadata.split_settlement_details`, and Order Status echoes the order's `metadata`: when that echo
    carries the instruction, its `marketplace.amount` is the share. Otherwise the documentation is silent,
    and the page shows the marketplace's part as the remainder (paid less the vendors' amounts).
    """
    metadata = order_raw.get("metadata")
    if not isinstance(metadata, Mapping):
        return None
    details = _json_object(metadata.get("split_settlement_details"))
    marketplace = details.get("marketplace") if details else None
    if not isinstance(marketplace, Mapping):
        return None
    return _amount(marketplace.get("amount"))


# --- Refunds on split orders ------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundAllocation:
    """A refund's `metadata.split_settlement_details`:
    `{"marketplace":{"refund_amount":N},"vendor":{"split":[{"sub_mid","refund_amount"}]}}`."""

    marketplace: Decimal = ZERO
    vendors: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.marketplace + sum(self.vendors.values(), ZERO)


def refund_allocation(value: object) -> RefundAllocation | None:
    """Read a refund's split allocation: a dict, or the JSON text Juspay's refund call takes. None when
    absent or not the documented shape (the raw value stays in the refund's `raw`)."""
    details = _json_object(value)
    if details is None:
        return None
    marketplace = details.get("marketplace")
    vendor = details.get("vendor")
    shares = vendor.get("split") if isinstance(vendor, Mapping) else None
    if not isinstance(shares, list):
        return None
    vendors: dict[str, Decimal] = {}
    for share in shares:
        if not isinstance(share, Mapping) or not share.get("sub_mid"):
            return None
        amount = _amount(share.get("refund_amount"))
        if amount is None:
            return None
        key = str(share["sub_mid"])
        vendors[key] = vendors.get(key, ZERO) + amount
    market = _amount(marketplace.get("refund_amount")) if isinstance(marketplace, Mapping) else ZERO
    return RefundAllocation(market if market is not None else ZERO, vendors)


@dataclass(frozen=True)
class ShareRoom:
    """How much one party (the marketplace or a vendor) received and may still give back."""

    name: str
    received: Decimal
    refunded: Decimal

    @property
    def room(self) -> Decimal:
        return max(ZERO, self.received - self.refunded)


def check_refund_allocation(amount: Decimal, allocation: RefundAllocation, rooms: Mapping[str, ShareRoom]) -> list[str]:
    """What is wrong with a refund's per-vendor allocation (empty when nothing is).

    Juspay's refund call takes `metadata.split_settlement_details` with a `refund_amount` for the
    marketplace and for each vendor (https://juspay.io/api-reference/docs/split-settlement/order-status-for-split-settlement,
    https://juspay.io/in/docs/api-reference/docs/express-checkout/refund-order-api). The pages do not spell
    out the checks; ours follow from the split rule above: the parts add up to the refund's `amount`, each
    vendor is one the split settled to, and nobody gives back more than it received less what was already
    refunded from it. `rooms` is keyed by sub_mid, with the marketplace under `MARKETPLACE`.
    """
    problems = []
    if allocation.total != amount:
        problems.append(f"The vendors' parts add up to {allocation.total:.2f}, not the refund amount {amount:.2f}.")
    parts = [(MARKETPLACE, allocation.marketplace), *allocation.vendors.items()]
    for name, part in parts:
        if part < 0:
            problems.append(f"{name}: a part cannot be negative.")
            continue
        if part == 0:
            continue
        room = rooms.get(name)
        if room is None:
            problems.append(f"{name} is not a vendor of this order's split.")
        elif part > room.room:
            problems.append(
                f"{name}: at most {room.room:.2f} (received {room.received:.2f}, already refunded {room.refunded:.2f})."
            )
    return problems


MARKETPLACE = "marketplace"


@dataclass(frozen=True)
class OrderSplit:
    """The split Juspay's Order Status shows for an order, checked by the rule."""

    vendors: dict[str, Decimal]  # sub_vendor_id -> amount settled to it
    marketplace: Decimal | None  # the share Juspay states, or None (see `stated_marketplace_share`)
    check: SplitCheck

    @property
    def marketplace_share(self) -> Decimal:
        """The stated share, else the remainder the marketplace keeps (never below zero)."""
        return self.check.marketplace


def split_of(order: Order) -> OrderSplit | None:
    """Juspay's split for the cached order, or None when its answer shows no vendor."""
    vendors = {d.sub_vendor_id: d.amount or ZERO for d in order.split_details.order_by("sub_vendor_id")}
    if not vendors:
        return None
    paid = paid_amount(order.amount, order.effective_amount)
    stated = stated_marketplace_share(order.raw or {})
    # Without a stated share the marketplace keeps the remainder, so only an over-allocation can show.
    remainder = max(ZERO, paid - sum(vendors.values(), ZERO)) if paid is not None else ZERO
    check = check_split(paid, stated if stated is not None else remainder, vendors.values())
    return OrderSplit(vendors, stated, check)


def juspay_share_rooms(order: Order) -> dict[str, ShareRoom]:
    """What the marketplace and each vendor received on the order, less what Juspay's refunds (those not
    FAILURE) already took back from each, by their `metadata.split_settlement_details`. Empty when the
    order has no split."""
    split = split_of(order)
    if split is None:
        return {}
    taken: dict[str, Decimal] = {}
    for refund in order.refunds.all():
        if refund.status == "FAILURE":
            continue
        metadata = (refund.raw or {}).get("metadata")
        allocation = refund_allocation(metadata.get("split_settlement_details")) if isinstance(metadata, dict) else None
        for name, part in _parts(allocation):
            taken[name] = taken.get(name, ZERO) + part
    rooms = {MARKETPLACE: ShareRoom(MARKETPLACE, split.marketplace_share, taken.get(MARKETPLACE, ZERO))}
    for vendor, received in split.vendors.items():
        rooms[vendor] = ShareRoom(vendor, received, taken.get(vendor, ZERO))
    return rooms


def _parts(allocation: RefundAllocation | None) -> list[tuple[str, Decimal]]:
    if allocation is None:
        return []
    return [(MARKETPLACE, allocation.marketplace), *allocation.vendors.items()]


def _json_object(value: object) -> Mapping[str, object] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def _amount(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(CENT) if amount.is_finite() else None
