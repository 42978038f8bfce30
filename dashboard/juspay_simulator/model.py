"""The simulator's entities, and their state at a given simulated time.

Every status is a timeline of stages (time, status): the state at time `t` is the last stage at or before
`t`. Nothing is mutated when time passes; reads derive the state from the clock.
"""

from dataclasses import dataclass, field

from .catalog import PAYMENT_FAILURES, PENDING_PAYMENT

UNATTEMPTED = frozenset({"NEW", "CREATED"})  # order statuses before any payment attempt
# Order Status keeps a 3DS payment's `authentication` block for 15 minutes after the customer authenticated.
AUTHENTICATION_WINDOW = 15 * 60


@dataclass(slots=True)
class Stage:
    at: float
    status: str


def stage_at(stages: list[Stage], at: float) -> Stage | None:
    current = None
    for stage in stages:
        if stage.at > at:
            break
        current = stage
    return current


def stage_reached(stages: list[Stage], at: float) -> Stage:
    """The stage at `at` of something that exists by then (callers keep only what `.status(at)` says exists)."""
    stage = stage_at(stages, at)
    if stage is None:
        raise ValueError(f"nothing had happened yet at {at}")
    return stage


def next_after(times, at: float) -> float:
    return min((t for t in times if t > at), default=float("inf"))


@dataclass(slots=True)
class Customer:
    customer_id: str
    name: str
    email: str
    phone: str


@dataclass(slots=True)
class Instrument:
    payment_method_type: str
    payment_method: str
    auth_type: str
    gateway: str
    txn_flow_type: str
    card: dict | None = None
    upi: dict | None = None
    wallet: dict | None = None


@dataclass(slots=True)
class Txn:
    txn_id: str
    txn_uuid: str
    instrument: Instrument
    stages: list[Stage]
    net_amount: float
    txn_amount: float
    offer_deduction: float | None
    breakup: list[dict]
    failure: tuple[str, str] | None
    epg_txn_id: str
    rrn: str
    auth_id_code: str
    channel: str = "WEB"
    surcharge: float | None = None  # txn_detail.surcharge_amount: the fee charged to the customer
    tax: float | None = None  # txn_detail.tax_amount: the tax on the surcharge

    @property
    def created(self) -> float:
        return self.stages[0].at

    def status(self, at: float) -> str | None:
        stage = stage_at(self.stages, at)
        return stage.status if stage else None

    def updated(self, at: float) -> float:
        stage = stage_at(self.stages, at)
        return stage.at if stage else self.created


@dataclass(slots=True)
class Refund:
    unique_request_id: str
    amount: float
    created: float
    sent_at: float
    resolves_at: float
    outcome: str  # SUCCESS, FAILURE or MANUAL_REVIEW (the latter at created + 10 days)
    gateway: str
    gateway_refund_id: str
    arn: str = ""
    initiated_by: str = "API"
    refund_type: str = "STANDARD"
    txn_id: str | None = None
    metadata: dict = field(default_factory=dict)

    def status(self, at: float) -> str:
        return self.outcome if at >= self.resolves_at else "PENDING"

    def sent_to_gateway(self, at: float) -> bool:
        return at >= self.sent_at


@dataclass(slots=True)
class Offer:
    offer_id: str
    offer_code: str
    benefit_type: str  # DISCOUNT or CASHBACK
    rule: str  # PERCENTAGE or ABSOLUTE
    value: float
    max_amount: float
    amount: float
    minimum_order_amount: float


@dataclass(slots=True)
class Order:
    order_id: str
    juspay_id: str
    merchant_id: str
    customer: Customer
    amount: float
    effective_amount: float
    created: float
    txns: list[Txn]
    currency: str = "INR"
    product_id: str = ""
    udfs: list[str] = field(default_factory=lambda: [""] * 10)
    return_url: str = "https://shop.example.in/payments/return"
    split_payment: bool = False
    refunds: list[Refund] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    split_settlement: dict | None = None
    commands: list[dict] = field(default_factory=list)
    changed_at: float = 0.0
    unattempted_status: str = "NEW"  # NEW or CREATED: what Order Status says before any payment attempt

    def change_times(self):
        yield self.created
        yield self.changed_at
        for txn in self.txns:
            for stage in txn.stages:
                yield stage.at
        for refund in self.refunds:
            yield refund.created
            yield refund.sent_at
            yield refund.resolves_at


def order_status(order: Order, at: float) -> str:
    statuses = [s for txn in order.txns if (s := txn.status(at))]
    if not statuses:
        return order.unattempted_status
    if order.split_payment:
        return _split_payment_status(statuses)
    if "CHARGED" in statuses:
        return "CHARGED"
    return statuses[-1]


def _split_payment_status(statuses: list[str]) -> str:
    if "AUTO_REFUNDED" in statuses:
        return "AUTO_REFUNDED"
    if all(s == "CHARGED" for s in statuses):
        return "CHARGED"
    if "CHARGED" in statuses and "TO_BE_CHARGED" in statuses:
        return "PARTIAL_CHARGED"
    failures = [s for s in statuses if s in PAYMENT_FAILURES]
    return failures[0] if failures else "PENDING_VBV"


def primary_txn(order: Order, at: float) -> Txn | None:
    """The charged attempt if any, else the latest attempt that has started."""
    started = [txn for txn in order.txns if txn.status(at)]
    charged = [txn for txn in started if txn.status(at) == "CHARGED"]
    chosen = charged or started
    return chosen[-1] if chosen else None


def visible_refunds(order: Order, at: float) -> list[Refund]:
    return [r for r in order.refunds if r.created <= at]


def amount_refunded_completed(order: Order, at: float) -> float:
    """Sum of the refunds that have succeeded (what `refunded: true` waits for)."""
    return round(sum(r.amount for r in visible_refunds(order, at) if r.status(at) == "SUCCESS"), 2)


def fully_refunded(order: Order, at: float) -> bool:
    """Order Status `refunded`: "true if the order has been completely refunded, false for partial refunds or if
    the order doesn't have any refunds". True once refunds that succeeded cover what was paid (the effective
    amount), never while part of it is still pending or in review."""
    refundable = refundable_amount(order, at)
    return refundable > 0 and amount_refunded_completed(order, at) >= refundable


def amount_refunded(order: Order, at: float) -> float:
    """Sum of refunds not in FAILURE (inferred from the samples in Juspay's Order Status reference)."""
    return round(sum(r.amount for r in visible_refunds(order, at) if r.status(at) != "FAILURE"), 2)


def refundable_amount(order: Order, at: float) -> float:
    return order.effective_amount if order_status(order, at) == "CHARGED" else 0.0


def maximum_eligible_refund(order: Order, at: float) -> float:
    return round(max(0.0, refundable_amount(order, at) - amount_refunded(order, at)), 2)


def offer_status(order: Order, at: float) -> str:
    status = order_status(order, at)
    if status == "CHARGED":
        refunded = amount_refunded(order, at)
        if refunded <= 0:
            return "AVAILED"
        return "REFUNDED" if refunded >= order.effective_amount else "PARTIALLY_REFUNDED"
    if status in PENDING_PAYMENT or status in UNATTEMPTED:
        return "INITIATED"
    return "FAILED"


def order_last_updated(order: Order, at: float) -> float:
    return max(t for t in order.change_times() if t <= at)


def order_next_change(order: Order, at: float) -> float:
    """When the answer next changes: a change of the order, or a 3DS `authentication` block expiring."""
    expiries = (
        stage.at + AUTHENTICATION_WINDOW
        for txn in order.txns
        if txn.instrument.auth_type == "THREE_DS"
        for stage in txn.stages
    )
    return min(next_after(order.change_times(), at), next_after(expiries, at))


# --- Payout orders ------------------------------------------------------------------------------------


@dataclass(slots=True)
class PayoutTxn:
    ref: str
    amount: float
    method: str
    stages: list[Stage]
    gateway_ref_id: str
    epg_txn_id: str

    def status(self, at: float) -> str | None:
        stage = stage_at(self.stages, at)
        return stage.status if stage else None


@dataclass(slots=True)
class Fulfillment:
    id: str
    amount: float
    customer_id: str
    preferred: list[str]
    beneficiary: dict
    stages: list[Stage]
    txns: list[PayoutTxn]
    udf1: str = ""
    remark: str = ""

    @property
    def created(self) -> float:
        return self.stages[0].at

    def status(self, at: float) -> str | None:
        stage = stage_at(self.stages, at)
        return stage.status if stage else None


@dataclass(slots=True)
class PayoutItem:
    """One `payments[]` or `refunds[]` item of a payout order (expand=payment / expand=refund), its status a
    timeline like a fulfillment's; `details` holds the documented fields that do not move with the clock."""

    id: str
    amount: float
    customer_id: str
    stages: list[Stage]
    details: dict = field(default_factory=dict)

    @property
    def created(self) -> float:
        return self.stages[0].at

    def status(self, at: float) -> str | None:
        stage = stage_at(self.stages, at)
        return stage.status if stage else None


@dataclass(slots=True)
class PayoutOrder:
    order_id: str
    order_hash: str
    type: str
    customer_id: str
    created: float
    stages: list[Stage]
    fulfillments: list[Fulfillment]
    payments: list[PayoutItem] = field(default_factory=list)
    refunds: list[PayoutItem] = field(default_factory=list)
    udf1: str = ""

    @property
    def amount(self) -> float:
        """The fulfilments' sum; a PAYMENTS_ONLY order's payments', a REFUNDS_ONLY order's refunds' (v3.2 page)."""
        items = self.refunds if self.type == "REFUNDS_ONLY" else self.payments
        total = sum(f.amount for f in self.fulfillments) or sum(i.amount for i in items)
        return round(total, 2)

    def change_times(self):
        for stage in self.stages:
            yield stage.at
        for fulfillment in self.fulfillments:
            for stage in fulfillment.stages:
                yield stage.at
            for txn in fulfillment.txns:
                for stage in txn.stages:
                    yield stage.at
        for item in (*self.payments, *self.refunds):
            for stage in item.stages:
                yield stage.at


# The order statuses of payout orders that carry no fulfilments, from their items' statuses (payout Order
# Status v3.2: PAYMENTS_* for type PAYMENTS_ONLY, REFUNDS_* for REFUNDS_ONLY).
ITEM_ORDER_PREFIX = {"PAYMENTS_ONLY": "PAYMENTS", "REFUNDS_ONLY": "REFUNDS"}


def _items_status(order: PayoutOrder, prefix: str, at: float) -> str:
    items = order.payments if prefix == "PAYMENTS" else order.refunds
    statuses = [s for i in items if (s := i.status(at))]
    if not statuses or all(s == "PENDING" for s in statuses):
        stage = stage_at(order.stages, at)
        return stage.status if stage else "CREATED"
    if "MANUAL_REVIEW" in statuses:
        return f"{prefix}_MANUAL_REVIEW"
    if all(s == "SUCCESS" for s in statuses):
        return f"{prefix}_SUCCESSFUL"
    if all(s == "FAILURE" for s in statuses):
        return f"{prefix}_FAILURE"
    return f"{prefix}_SCHEDULED"


def payout_status(order: PayoutOrder, at: float) -> str:
    if order.type in ITEM_ORDER_PREFIX:
        return _items_status(order, ITEM_ORDER_PREFIX[order.type], at)
    statuses = [s for f in order.fulfillments if (s := f.status(at))]
    if not statuses or all(s == "CREATED" for s in statuses):
        stage = stage_at(order.stages, at)
        return stage.status if stage else "CREATED"
    if "MANUAL_REVIEW" in statuses:
        return "FULFILLMENTS_MANUAL_REVIEW"
    if all(s == "CANCELLED" for s in statuses):
        return "FULFILLMENTS_CANCELLED"
    if all(s == "SUCCESS" for s in statuses):
        return "FULFILLMENTS_SUCCESSFUL"
    if all(s in ("FAILURE", "CANCELLED") for s in statuses):
        return "FULFILLMENTS_FAILURE"
    if "SUCCESS" in statuses:
        return "FULFILLED_PARTIALLY"
    return "FULFILLMENTS_SCHEDULED"


def payout_last_updated(order: PayoutOrder, at: float) -> float:
    return max(t for t in order.change_times() if t <= at)


def payout_next_change(order: PayoutOrder, at: float) -> float:
    return next_after(order.change_times(), at)
