"""Deterministic demo data: the same seed gives the same customers, orders and payout orders.

A fixed list of scenarios comes first so that every status, payment method, refund state, offer kind,
split settlement and payout variant exists even with few orders; the rest are drawn with realistic
weights. Times are relative to `anchor` (the simulated start), so pending things resolve after start.
"""

import itertools
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faker import Faker

from .catalog import (
    BANKS,
    BENEFICIARY_TYPES,
    CARD_BRANDS,
    CARD_GATEWAYS,
    FAILURE_REASONS,
    NB_GATEWAYS,
    OFFER_CODES,
    OFFER_KINDS,
    PAYOUT_METHODS,
    TEN_DAYS,
    UPI_APPS,
    UPI_GATEWAYS,
    WALLETS,
)
from .clock import iso
from .ids import IdMaker
from .lifecycle import (
    FULFILLMENT_OUTCOME,
    FULFILLMENT_PLANS,
    append_resolution,
    payment_stages,
    payout_txn_stages,
    refund_plan,
    resolution,
)
from .model import (
    Customer,
    Fulfillment,
    Instrument,
    Offer,
    Order,
    PayoutItem,
    PayoutOrder,
    PayoutTxn,
    Refund,
    Stage,
    Txn,
)

DAY = 86400.0
MINUTE = 60.0
PENDING_ORDER_STATUSES = {
    "STARTED",
    "PENDING_VBV",
    "VBV_SUCCESSFUL",
    "AUTHORIZING",
    "CAPTURE_INITIATED",
    "VOID_INITIATED",
    "PARTIAL_CHARGED",
}
PRE_AUTH_STATUSES = {"AUTHORIZED", "CAPTURE_INITIATED", "CAPTURE_FAILED", "VOID_INITIATED", "VOIDED", "VOID_FAILED"}
EMAIL_DOMAINS = ["gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com", "hotmail.com"]


@dataclass
class OrderSpec:
    status: str = "CHARGED"
    method: str | None = None  # CARD, UPI, NB, WALLET; None = drawn
    refunds: tuple[str, ...] = ()  # SUCCESS, FAILURE, MANUAL_REVIEW, QUEUED, SENT, FULL
    offer: tuple[str, str] | None = None
    split_settlement: bool | None = None  # True applied, False not applied, None absent
    split_payment: bool = False
    retry: bool = False
    commands: bool = False
    surcharge: bool = False  # the customer pays a surcharge, and tax on it (txn_detail, txn_amount_breakup)


@dataclass
class DemoData:
    orders: list[Order]
    payout_orders: list[PayoutOrder]
    builder: "DemoBuilder"  # continues the seeded draws for orders and refunds created at run time


def payment_kind(status: str, drawn: str) -> str:
    """Cash on delivery has its own instrument; pre-auth (authorize, capture, void) is a card flow."""
    if status == "COD_INITIATED":
        return "COD"
    return "CARD" if status in PRE_AUTH_STATUSES else drawn


def coverage_specs() -> list[OrderSpec]:
    single = [
        "NEW",
        "STARTED",
        "CHARGED",
        "JUSPAY_DECLINED",
        "PENDING_VBV",
        "VBV_SUCCESSFUL",
        "AUTHORIZED",
        "AUTHENTICATION_FAILED",
        "AUTHORIZATION_FAILED",
        "AUTHORIZING",
        "COD_INITIATED",
        "VOIDED",
        "VOID_INITIATED",
        "CAPTURE_INITIATED",
        "CAPTURE_FAILED",
        "VOID_FAILED",
    ]
    specs = [OrderSpec(status=s) for s in single]
    specs.append(OrderSpec(status="CREATED"))  # Juspay's other status for an order with no payment attempt
    specs += [OrderSpec(method="CARD", surcharge=True), OrderSpec(method="UPI", surcharge=True, refunds=("FULL",))]
    specs += [OrderSpec(status=s, split_payment=True) for s in ("CHARGED", "PARTIAL_CHARGED", "AUTO_REFUNDED")]
    specs += [OrderSpec(method=m) for m in ("CARD", "UPI", "NB", "WALLET")]
    specs += [
        OrderSpec(refunds=r)
        for r in (
            ("SUCCESS",),
            ("SUCCESS", "FAILURE", "QUEUED"),
            ("SENT",),
            ("MANUAL_REVIEW",),
            ("FULL",),
            ("SUCCESS", "SUCCESS", "SENT"),
            ("FAILURE", "FULL"),
            ("INSTANT",),
            ("INSTANT", "SUCCESS"),
        )
    ]
    specs += [OrderSpec(offer=kind) for kind in OFFER_KINDS]
    specs += [
        OrderSpec(status="PENDING_VBV", offer=OFFER_KINDS[0]),
        OrderSpec(status="AUTHORIZATION_FAILED", offer=OFFER_KINDS[1]),
        OrderSpec(offer=OFFER_KINDS[2], refunds=("SUCCESS",)),
        OrderSpec(offer=OFFER_KINDS[0], refunds=("FULL",)),
    ]
    specs += [
        OrderSpec(split_settlement=True),
        OrderSpec(split_settlement=False),
        OrderSpec(retry=True),
        OrderSpec(commands=True, method="UPI"),
    ]
    return specs


# Weights for orders beyond the coverage list.
STATUS_WEIGHTS = {
    "CHARGED": 70,
    "AUTHENTICATION_FAILED": 6,
    "AUTHORIZATION_FAILED": 5,
    "NEW": 4,
    "PENDING_VBV": 3,
    "JUSPAY_DECLINED": 2,
    "COD_INITIATED": 2,
    "STARTED": 1,
    "AUTHORIZING": 1,
    "VBV_SUCCESSFUL": 1,
    "AUTHORIZED": 1,
    "VOIDED": 0.5,
    "CAPTURE_INITIATED": 0.5,
    "VOID_INITIATED": 0.3,
    "CAPTURE_FAILED": 0.2,
    "VOID_FAILED": 0.2,
}
REFUND_STATE_AGE = ["MANUAL_REVIEW", "FAILURE", "SUCCESS", "FULL", "INSTANT", "SENT", "QUEUED"]  # oldest first
REFUND_WEIGHTS = {"SUCCESS": 56, "FAILURE": 10, "MANUAL_REVIEW": 4, "QUEUED": 6, "SENT": 10, "FULL": 10, "INSTANT": 4}
UNATTEMPTED = ("NEW", "CREATED")
SURCHARGE_RATE = 0.02  # of the order amount, for the orders that carry a surcharge
TAX_ON_SURCHARGE_RATE = 0.18
_STATUSES, _STATUS_CUM_WEIGHTS = list(STATUS_WEIGHTS), list(itertools.accumulate(STATUS_WEIGHTS.values()))
_REFUND_STATES, _REFUND_CUM_WEIGHTS = list(REFUND_WEIGHTS), list(itertools.accumulate(REFUND_WEIGHTS.values()))


class DemoBuilder:
    def __init__(self, seed: int, merchant_id: str, anchor: float) -> None:
        self.rng = random.Random(seed)
        self.ids = IdMaker(random.Random(seed * 7919 + 17))
        self.fake = Faker("en_IN")
        self.fake.seed_instance(seed)
        self.merchant_id = merchant_id
        self.anchor = float(int(anchor))
        self.customers: list[Customer] = []
        self._customer_weights: list[float] = []
        self._pool: list[Customer] = []
        self._payout_count = 0
        # Juspay's ids of the payment orders each customer placed, so a payout's `payments[].id` can name one.
        self.juspay_ids_by_customer: dict[str, list[str]] = {}

    # --- customers --------------------------------------------------------------------------------------

    def make_customers(self, count: int) -> None:
        for _ in range(count):
            self.customers.append(self.new_customer())
        self._pool = list(self.customers)
        total = 0.0
        for rank in range(len(self._pool)):
            total += 1.0 / (rank + 1) ** 0.6  # a few customers place many orders
            self._customer_weights.append(total)

    def new_customer(self, name: str | None = None) -> Customer:
        first, last = name.split(" ", 1) if name and " " in name else (self.fake.first_name(), self.fake.last_name())
        local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        suffix = str(self.rng.randint(1, 99)) if self.rng.random() < 0.5 else ""
        email = f"{local}{suffix}@{self.rng.choice(EMAIL_DOMAINS)}"
        phone = str(self.rng.choice([6, 7, 8, 9])) + "".join(str(self.rng.randint(0, 9)) for _ in range(9))
        return Customer(self.ids.customer_id(), f"{first} {last}", email, phone)

    def pick_customer(self) -> Customer:
        return self.rng.choices(self._pool, cum_weights=self._customer_weights)[0]

    # --- payment instruments --------------------------------------------------------------------------

    def instrument(self, kind: str, customer: Customer) -> Instrument:
        rng = self.rng
        if kind == "CARD":
            brand, prefix, card_type = rng.choice(CARD_BRANDS)
            issuer, bank_code, _ = rng.choice(BANKS)
            isin = prefix + self.ids.digits(6)[1:]
            saved = rng.random() < 0.3
            card = {
                "expiry_year": str(datetime.fromtimestamp(self.anchor, UTC).year + rng.randint(1, 5)),
                "expiry_month": f"{rng.randint(1, 12):02d}",
                "card_reference": self.ids.hex(32) if saved else "",
                "saved_to_locker": saved,
                "name_on_card": customer.name,
                "card_issuer": issuer,
                "last_four_digits": f"{rng.randint(0, 9999):04d}",
                "using_saved_card": saved,
                "card_fingerprint": self.ids.alnum(26, "abcdefghijklmnopqrstuvwxyz0123456789"),
                "card_isin": isin,
                "card_type": card_type,
                "card_brand": brand,
                "using_token": saved,
                "card_issuer_country": "INDIA",
                "juspay_bank_code": bank_code,
                "extended_card_type": card_type,
            }
            auth = "THREE_DS" if rng.random() < 0.9 else "OTP"
            return Instrument("CARD", brand, auth, rng.choice(CARD_GATEWAYS), "CARD_TRANSACTION", card=card)
        if kind == "UPI":
            flow = rng.choice(["INTENT", "INTENT", "COLLECT"])
            upi = {"txn_flow_type": flow, "payer_app": rng.choice(UPI_APPS)}
            return Instrument("UPI", "UPI", "", rng.choice(UPI_GATEWAYS), flow, upi=upi)
        if kind == "NB":
            _, _, method = rng.choice(BANKS)
            return Instrument("NB", method, "", rng.choice(NB_GATEWAYS), "NET_BANKING")
        if kind == "WALLET":
            brand, gateway = rng.choice(WALLETS)
            flow = rng.choice(["REDIRECT_DEBIT", "DIRECT_DEBIT"])
            return Instrument("WALLET", brand, "", gateway, flow, wallet={"txn_flow_type": flow})
        if kind == "REWARD":
            return Instrument("REWARD", "LOYLTYREWARDZ", "", "LOYLTYREWARDZ", "")
        if kind == "COD":
            return Instrument("CASH", "COD", "", "DUMMY", "")
        raise ValueError(f"unknown payment method {kind}")

    def draw_method(self) -> str:
        return self.rng.choices(["CARD", "UPI", "NB", "WALLET"], [40, 40, 10, 10])[0]

    # --- orders -----------------------------------------------------------------------------------------

    def random_spec(self) -> OrderSpec:
        rng = self.rng
        if rng.random() < 0.02:
            return OrderSpec(
                status=rng.choice(["CHARGED", "CHARGED", "PARTIAL_CHARGED", "AUTO_REFUNDED"]), split_payment=True
            )
        status = rng.choices(_STATUSES, cum_weights=_STATUS_CUM_WEIGHTS)[0]
        spec = OrderSpec(status=status)
        if status == "CHARGED":
            if rng.random() < 0.3:
                count = rng.choices([1, 2, 3], [70, 22, 8])[0]
                spec.refunds = tuple(rng.choices(_REFUND_STATES, cum_weights=_REFUND_CUM_WEIGHTS, k=count))
            spec.retry = rng.random() < 0.1
            spec.commands = rng.random() < 0.2
            if rng.random() < 0.08:
                spec.split_settlement = rng.random() < 0.8
        if rng.random() < 0.12 and status not in ("NEW", "COD_INITIATED"):
            spec.offer = rng.choice(OFFER_KINDS)
        if status == "NEW" and rng.random() < 0.25:
            spec.status = "CREATED"
        spec.surcharge = status not in UNATTEMPTED and rng.random() < 0.05
        return spec

    def order_age(self, spec: OrderSpec) -> float:
        rng = self.rng
        if spec.status in UNATTEMPTED:
            return rng.uniform(5 * MINUTE, 2 * DAY)
        if spec.status in PENDING_ORDER_STATUSES:
            return rng.uniform(3 * MINUTE, 50 * MINUTE)
        if "MANUAL_REVIEW" in spec.refunds:
            return rng.uniform(12 * DAY, 45 * DAY)
        if spec.refunds or spec.commands:
            return rng.uniform(1.5 * DAY, 45 * DAY)
        return rng.uniform(2 * 3600, 45 * DAY)

    def order(self, spec: OrderSpec) -> Order:
        rng = self.rng
        customer = self.pick_customer()
        created = float(round(self.anchor - self.order_age(spec)))
        amount = self.draw_amount()
        order_id = self.ids.order_id(created)
        offer = self.offer(spec.offer, amount) if spec.offer else None
        discount = offer.amount if offer and offer.benefit_type == "DISCOUNT" else 0.0
        surcharge = round(amount * SURCHARGE_RATE, 2) if spec.surcharge else None
        tax = round(surcharge * TAX_ON_SURCHARGE_RATE, 2) if surcharge else None
        effective = round(amount - discount + (surcharge or 0.0) + (tax or 0.0), 2)
        udfs = [""] * 10
        udfs[0] = rng.choice(["web", "android", "ios", "mweb"])
        udfs[1] = f"cart-{order_id[-6:]}"  # a merchant reference an agent may be given (searchable)
        order = Order(
            order_id=order_id,
            juspay_id=self.ids.juspay_order_id(),
            merchant_id=self.merchant_id,
            customer=customer,
            amount=amount,
            effective_amount=effective,
            created=created,
            txns=[],
            product_id=f"SKU-{rng.randint(1000, 9999)}" if rng.random() < 0.5 else "",
            udfs=udfs,
            unattempted_status="CREATED" if spec.status == "CREATED" else "NEW",
        )
        if offer:
            order.offers.append(offer)
        if spec.split_payment:
            self.add_split_payment(order, spec.status)
        elif spec.status not in UNATTEMPTED:
            self.add_payment(order, spec, discount)
            if surcharge:
                self.add_surcharge(order, surcharge, tax or 0.0)
        if spec.refunds:
            self.add_refunds(order, spec.refunds)
        if spec.split_settlement is not None:
            order.split_settlement = self.split_settlement(effective, spec.split_settlement)
        if spec.commands:
            self.add_commands(order)
        return order

    def draw_amount(self) -> float:
        rng = self.rng
        low, high = rng.choices([(99, 999), (1000, 4999), (5000, 49999)], [45, 40, 15])[0]
        base = rng.randint(low, high)
        return float(base) if rng.random() < 0.7 else round(base + rng.choice([0.5, 0.99, 0.25]), 2)

    def offer(self, kind: tuple[str, str], amount: float) -> Offer:
        rng = self.rng
        benefit, rule = kind
        if rule == "PERCENTAGE":
            value = float(rng.choice([5, 10, 15]))
            max_amount = float(rng.choice([100, 250, 500]))
            benefit_amount = round(min(amount * value / 100, max_amount), 2)
        else:
            value = float(min(rng.choice([50, 100, 200]), int(amount // 2)))
            max_amount = value
            benefit_amount = value
        minimum = float(min(rng.choice([200, 500, 1000]), int(amount)))
        return Offer(
            self.ids.offer_id(), rng.choice(OFFER_CODES), benefit, rule, value, max_amount, benefit_amount, minimum
        )

    def breakup(self, amount: float, discount: float) -> list[dict[str, Any]]:
        add_on = float(self.rng.choice([49, 99])) if self.rng.random() < 0.1 and amount > 300 else 0.0
        lines = [{"name": "BASE", "amount": round(amount - add_on, 2), "sno": 1, "method": "ADD"}]
        if add_on:
            lines.append(
                {
                    "name": "ADD_ON",
                    "amount": add_on,
                    "sno": 2,
                    "method": "ADD",
                    "desc": self.rng.choice(["GiftWrap", "ExpressDelivery"]),
                }
            )
        if discount:
            lines.append({"name": "OFFER", "amount": discount, "sno": len(lines) + 1, "method": "SUB"})
        return lines

    @staticmethod
    def add_surcharge(order: Order, surcharge: float, tax: float) -> None:
        """Surcharge and tax on every attempt: txn_amount is the base (net of offers) plus both, and the
        breakup lists them after the base (Juspay's documented names SURCHARGE and TAX_ON_SURCHARGE)."""
        for txn in order.txns:
            txn.surcharge, txn.tax = surcharge, tax
            offer_lines = [line for line in txn.breakup if line["method"] == "SUB"]
            lines = [line for line in txn.breakup if line["method"] != "SUB"]
            lines.append({"name": "SURCHARGE", "amount": surcharge, "sno": len(lines) + 1, "method": "ADD"})
            if tax:
                lines.append({"name": "TAX_ON_SURCHARGE", "amount": tax, "sno": len(lines) + 1, "method": "ADD"})
            for line in offer_lines:
                lines.append({**line, "sno": len(lines) + 1})
            txn.breakup = lines

    def txn(
        self,
        order: Order,
        attempt: str,
        instrument: Instrument,
        stages: list[Stage],
        txn_amount: float,
        discount: float = 0.0,
        breakup: list[dict[str, Any]] | None = None,
    ) -> Txn:
        failures = [s.status for s in stages if s.status in FAILURE_REASONS]
        failure = self.rng.choice(FAILURE_REASONS[failures[0]]) if failures else None
        return Txn(
            txn_id=f"{order.merchant_id}-{order.order_id}-{attempt}",
            txn_uuid=self.ids.txn_uuid(),
            instrument=instrument,
            stages=stages,
            net_amount=order.amount,
            txn_amount=txn_amount,
            offer_deduction=discount or None,
            breakup=breakup if breakup is not None else self.breakup(order.amount, discount),
            failure=failure,
            epg_txn_id=self.ids.gateway_txn_id(instrument.gateway),
            rrn=self.ids.digits(12),
            auth_id_code=self.ids.digits(6) if instrument.payment_method_type == "CARD" else "",
            channel=self.rng.choice(["WEB", "MWEB", "ANDROID"]),
        )

    def add_payment(self, order: Order, spec: OrderSpec, discount: float) -> None:
        rng = self.rng
        kind = payment_kind(spec.status, spec.method or self.draw_method())
        start = order.created + rng.uniform(20, 120)
        if spec.retry:
            failed = rng.choice(["AUTHENTICATION_FAILED", "AUTHORIZATION_FAILED"])
            stages = payment_stages(failed, start + 120, rng, order.created)
            order.txns.append(
                self.txn(
                    order,
                    "1",
                    self.instrument(self.draw_method(), order.customer),
                    stages,
                    order.effective_amount,
                    discount,
                )
            )
            start += 300
        final_at = min(start + rng.uniform(30, 240), self.anchor - 30)
        stages = payment_stages(spec.status, final_at, rng, order.created)
        follow = resolution(spec.status, rng)
        if follow:
            append_resolution(stages, follow, self.anchor + rng.uniform(3 * MINUTE, 6 * 3600))
        attempt = str(len(order.txns) + 1)
        order.txns.append(
            self.txn(order, attempt, self.instrument(kind, order.customer), stages, order.effective_amount, discount)
        )

    def add_split_payment(self, order: Order, status: str) -> None:
        """Two legs (card + reward points), as Order Status shows split payments: CHARGED, PARTIAL_CHARGED or
        AUTO_REFUNDED."""
        rng = self.rng
        reward = float(min(rng.choice([100, 200, 300, 500]), order.amount // 2))
        charged_at = order.created + rng.uniform(60, 180)
        card_amount = round(order.effective_amount - reward, 2)
        card_stages = payment_stages("CHARGED", charged_at, rng, order.created)
        if status == "PARTIAL_CHARGED":
            reward_stages = [Stage(round(charged_at), "TO_BE_CHARGED")]
            append_resolution(reward_stages, ["CHARGED"], self.anchor + rng.uniform(5 * MINUTE, 90 * MINUTE))
        elif status == "AUTO_REFUNDED":
            reward_stages = [
                Stage(round(charged_at), "TO_BE_CHARGED"),
                Stage(round(charged_at) + 60, "AUTHORIZATION_FAILED"),
            ]
            card_stages.append(Stage(round(charged_at) + 60, "AUTO_REFUNDED"))
        else:
            reward_stages = payment_stages("CHARGED", charged_at, rng, order.created)
        card = self.txn(
            order,
            "1-1",
            self.instrument("CARD", order.customer),
            card_stages,
            card_amount,
            breakup=[{"name": "BASE", "amount": card_amount, "sno": 1, "method": "ADD"}],
        )
        points = self.txn(
            order,
            "1-2",
            self.instrument("REWARD", order.customer),
            reward_stages,
            reward,
            breakup=[{"name": "BASE", "amount": reward, "sno": 1, "method": "ADD"}],
        )
        order.txns.extend([card, points])
        order.split_payment = True
        if status == "AUTO_REFUNDED":
            created = round(charged_at) + 60
            order.refunds.append(
                Refund(
                    unique_request_id=f"AUTO{order.order_id[-6:]}01",
                    amount=card_amount,
                    created=created,
                    sent_at=created + 60,
                    resolves_at=created + 600,
                    outcome="SUCCESS",
                    gateway=card.instrument.gateway,
                    gateway_refund_id=self.ids.gateway_refund_id(card.instrument.gateway),
                    arn=self.ids.digits(12),
                    initiated_by="AUTO_REFUNDED",
                    txn_id=card.txn_id,
                )
            )

    def add_refunds(self, order: Order, states: tuple[str, ...]) -> None:
        """Refunds in the given states, oldest first, never more than the order's effective amount."""
        rng = self.rng
        charged_at = max(stage.at for txn in order.txns for stage in txn.stages)
        gateway = order.txns[-1].instrument.gateway
        remaining = order.effective_amount
        refunds = []
        for state in sorted(states, key=REFUND_STATE_AGE.index):
            share = remaining if state == "FULL" else float(round(order.effective_amount * rng.uniform(0.1, 0.3)))
            amount = round(min(share, remaining), 2)
            if amount < 1:
                continue
            refund = self.refund(state, amount, charged_at, gateway)
            if refund.outcome != "FAILURE":
                remaining = round(remaining - amount, 2)
            refunds.append(refund)
        refunds.sort(key=lambda refund: refund.created)
        for number, refund in enumerate(refunds, start=1):
            refund.unique_request_id = f"RFD-{order.order_id[-5:]}-{number:04d}"
        order.refunds.extend(refunds)

    def refund(self, state: str, amount: float, charged_at: float, gateway: str) -> Refund:
        rng = self.rng
        anchor = self.anchor
        if state == "QUEUED":
            created = anchor - rng.uniform(10, 240)
            sent_at, resolves_at, outcome = refund_plan(created, rng)
            sent_at = round(anchor + rng.uniform(2 * MINUTE, 12 * MINUTE))
            if outcome != "MANUAL_REVIEW":
                resolves_at = round(sent_at + rng.uniform(2 * MINUTE, 30 * MINUTE))
        elif state == "INSTANT":
            # Juspay pays an INSTANT refund out at once (refund_type INSTANT): sent and settled within minutes.
            created = anchor - rng.uniform(2 * 3600, 5 * DAY)
            sent_at, outcome = round(created + 5), "SUCCESS"
            resolves_at = round(created + rng.uniform(30, 5 * MINUTE))
        elif state == "SENT":
            created = anchor - rng.uniform(16 * MINUTE, 40 * MINUTE)
            sent_at = round(created + rng.uniform(MINUTE, 15 * MINUTE))
            outcome = rng.choice(["SUCCESS", "SUCCESS", "FAILURE"])
            resolves_at = round(anchor + rng.uniform(5 * MINUTE, 3 * 3600))
        else:
            outcome = "SUCCESS" if state == "FULL" else state
            latest = anchor - (TEN_DAYS + DAY if outcome == "MANUAL_REVIEW" else 2 * 3600)
            created = rng.uniform(min(charged_at + 3600, latest), latest)
            sent_at, resolves_at, outcome = refund_plan(created, rng, outcome)
        return Refund(
            unique_request_id="",
            amount=amount,
            created=float(round(created)),
            sent_at=sent_at,
            resolves_at=resolves_at,
            outcome=outcome,
            gateway=gateway,
            gateway_refund_id=self.ids.gateway_refund_id(gateway),
            arn=self.ids.digits(12),
            refund_type="INSTANT" if state == "INSTANT" else "STANDARD",
        )

    def split_settlement(self, amount: float, applied: bool) -> dict[str, Any]:
        if not applied:
            return {"split_applied": False, "split_details": []}
        rng = self.rng
        vendors = rng.sample(
            ["vendor_north_01", "vendor_south_07", "vendor_east_03", "vendor_west_11"], rng.choice([2, 3])
        )
        shares = [rng.uniform(1, 3) for _ in vendors]
        details, left = [], amount
        for index, (vendor, share) in enumerate(zip(vendors, shares, strict=True)):
            part = left if index == len(vendors) - 1 else round(amount * share / sum(shares), 2)
            left = round(left - part, 2)
            details.append(
                {
                    "sub_vendor_id": vendor,
                    "amount": part,
                    "merchant_commission": round(part * 0.05, 2),
                    "gateway_sub_account_id": f"acc_{self.ids.alnum(14)}",
                    "epg_txn_id": f"trf_{self.ids.alnum(14)}",
                }
            )
        return {"split_applied": True, "split_details": details}

    def add_commands(self, order: Order) -> None:
        rng = self.rng
        charged_at = max(stage.at for txn in order.txns for stage in txn.stages)
        when = min(charged_at + rng.uniform(3600, 3 * DAY), self.anchor - 600)
        courier = rng.choice(["BlueDart", "Delhivery", "Ekart", "DTDC"])
        metadata = f"courier={courier};awb={self.ids.digits(11)}"
        order.commands.append(
            {
                "command": "NO_ACTION",
                "status": "SUCCESS",
                "metadata": metadata,
                "date_created": float(round(when)),
                "fulfillment_id": f"DLV-{self.ids.digits(5)}-{rng.choice(['BLR', 'DEL', 'BOM', 'MAA', 'HYD'])}",
                "fulfillment_status": "SUCCESS",
            }
        )

    def custom_order(
        self,
        now: float,
        *,
        status: str,
        customer: Customer,
        amount: float,
        order_id: str | None,
        method: str | None,
        resolve_to: str | None,
        resolve_after: float | None,
        udfs: list[str],
        discount: float = 0.0,
    ) -> Order:
        """An order asked for through the simulator API: `status` now, resolving later if it is pending;
        `discount` (an offer's deduction) lowers the effective amount the customer pays."""
        rng = self.rng
        created = float(round(now)) - (0 if status in UNATTEMPTED else 600)
        if order_id:
            self.ids.reserve(order_id)
        order = Order(
            order_id=order_id or self.ids.order_id(created),
            juspay_id=self.ids.juspay_order_id(),
            merchant_id=self.merchant_id,
            customer=customer,
            amount=amount,
            effective_amount=round(amount - discount, 2),
            created=created,
            txns=[],
            udfs=udfs,
            unattempted_status="CREATED" if status == "CREATED" else "NEW",
        )
        if status not in UNATTEMPTED:
            kind = payment_kind(status, method or self.draw_method())
            stages = payment_stages(status, now - 1, rng, created)
            follow = resolution(status, rng, resolve_to)
            if follow:
                delay = resolve_after if resolve_after is not None else rng.uniform(2 * MINUTE, 30 * MINUTE)
                append_resolution(stages, follow, now + delay)
            order.txns.append(
                self.txn(order, "1", self.instrument(kind, customer), stages, order.effective_amount, discount)
            )
        return order

    # --- payout orders ----------------------------------------------------------------------------------

    def payout_order(
        self,
        plans: list[str],
        age: float | None = None,
        stage_delays: tuple[float, float] = (1, 2),
        pay_first: bool = False,
        now: float | None = None,
        customer: Customer | None = None,
        order_id: str | None = None,
        type: str = "",
    ) -> PayoutOrder:
        """A payout order whose fulfillments follow `plans` (FULFILLMENT_PLANS keys), relative to `now`; for `type`
        PAYMENTS_ONLY or REFUNDS_ONLY, `plans` are its payments' or refunds' final statuses (ITEM_PLANS)."""
        rng = self.rng
        now = float(int(now)) if now is not None else self.anchor
        if customer is None:
            customer = self.pick_customer() if rng.random() < 0.7 else self.new_customer()
        if age is None:
            age = self.payout_age(plans)
        created = float(round(now - age))
        order_hash = self.ids.hex(30)
        kind = type or ("PAY_AND_FULFILL" if pay_first else "FULFILL_ONLY")
        prefix = {"PAYMENTS_ONLY": "PAYMENTS", "REFUNDS_ONLY": "REFUNDS"}.get(kind)
        ready, scheduled = (f"READY_FOR_{prefix}", f"{prefix}_SCHEDULED") if prefix else READY_AND_SCHEDULED
        order = PayoutOrder(
            order_id=order_id or self.ids.payout_order_id(created),
            order_hash=order_hash,
            type=kind,
            customer_id=customer.customer_id,
            created=created,
            stages=[
                Stage(created, "CREATED"),
                Stage(created + stage_delays[0], ready),
                Stage(created + stage_delays[1], scheduled),
            ],
            fulfillments=[],
            udf1=f"claim-{rng.randint(10000, 99999)}",
        )
        start = created + stage_delays[1] + rng.uniform(5, 60)
        if prefix:
            for number, plan in enumerate(plans, start=1):
                stages = self.item_stages(plan, start, now)
                if prefix == "PAYMENTS":
                    order.payments.append(self.payout_payment(order, customer, number, stages))
                else:
                    order.refunds.append(self.payout_refund(order, customer, number, stages))
            self._payout_count += 1
            return order
        for number, plan in enumerate(plans, start=1):
            beneficiary = BENEFICIARY_TYPES[(self._payout_count + number) % len(BENEFICIARY_TYPES)]
            order.fulfillments.append(self.fulfillment(order, number, plan, start, customer, beneficiary, now))
        self._payout_count += 1
        if pay_first:
            self.add_payout_payment(order, customer, failed="FAILURE" in [FULFILLMENT_OUTCOME.get(p) for p in plans])
        return order

    def item_stages(self, plan: str, start: float, now: float) -> list[Stage]:
        """A payment's or refund's stages: PENDING from `start`, then its final status (MANUAL_REVIEW after ten
        days pending, as the v3.2 page says; PENDING resolves to SUCCESS some time after `now`)."""
        rng = self.rng
        if plan == "MANUAL_REVIEW":
            return [Stage(start, "PENDING"), Stage(start + TEN_DAYS, "MANUAL_REVIEW")]
        if plan == "PENDING":
            return [Stage(start, "PENDING"), Stage(max(start, now) + rng.uniform(5 * MINUTE, 2 * 3600), "SUCCESS")]
        return [Stage(start, "PENDING"), Stage(start + rng.uniform(30, 600), plan)]

    def payout_age(self, plans: list[str]) -> float:
        rng = self.rng
        if "PENDING" in plans or "CREATED" in plans:
            return rng.uniform(5 * MINUTE, 30 * MINUTE)
        if "MANUAL_REVIEW" in plans:
            return rng.uniform(11 * DAY, 30 * DAY)
        return rng.uniform(2 * DAY, 40 * DAY)

    def fulfillment(
        self,
        order: PayoutOrder,
        number: int,
        plan: str,
        start: float,
        customer: Customer,
        beneficiary_type: str,
        now: float,
    ) -> Fulfillment:
        rng = self.rng
        created = order.created + 1
        stages = [Stage(created, "CREATED")]
        methods = PAYOUT_METHODS[beneficiary_type]
        amount = float(rng.randint(100, 25000))
        txns: list[PayoutTxn] = []
        if plan == "CANCELLED":
            stages.append(Stage(round(created + rng.uniform(60, 3600)), "CANCELLED"))
        else:
            attempts = FULFILLMENT_PLANS[plan] or [["SUCCESS"]]
            if plan == "CREATED":
                start = now + rng.uniform(10 * MINUTE, 2 * 3600)
            for index, finals in enumerate(attempts):
                settle = self.payout_settle_time(plan, start, now)
                txn_stages = payout_txn_stages(start, finals, rng, settle)
                txns.append(
                    PayoutTxn(
                        self.ids.hex(30),
                        amount,
                        methods[index % len(methods)],
                        txn_stages,
                        self.ids.digits(12),
                        f"YB{self.ids.digits(16)}",
                    )
                )
                start = txn_stages[-1].at + rng.uniform(60, 600)
            stages.append(Stage(txns[0].stages[0].at, "PENDING"))
            stages.extend(self.fulfillment_outcome(plan, txns[-1]))
        return Fulfillment(
            id=f"{order.order_hash}-f{number}",
            amount=amount,
            customer_id=customer.customer_id,
            preferred=methods[:1],
            beneficiary=self.beneficiary(beneficiary_type, customer),
            stages=stages,
            txns=txns,
            udf1=f"batch-{rng.randint(1, 40)}",
            remark=rng.choice(["Claim settlement", "Cashback payout", "Seller settlement", "Refund via payout"]),
        )

    def payout_settle_time(self, plan: str, start: float, now: float) -> float:
        if plan == "MANUAL_REVIEW":
            return start + TEN_DAYS
        if plan in ("PENDING", "CREATED"):
            return max(start, now) + self.rng.uniform(5 * MINUTE, 2 * 3600)
        return start + self.rng.uniform(30, 600)

    @staticmethod
    def fulfillment_outcome(plan: str, last: PayoutTxn) -> list[Stage]:
        finals = [s for s in last.stages if s.status not in ("CREATED", "INITIATED", "PENDING")]
        if plan == "REVERSED":
            return [Stage(finals[0].at, "SUCCESS"), Stage(finals[1].at, "FAILURE")]
        if plan == "CONFLICTED":
            return [Stage(finals[0].at, "FAILURE"), Stage(finals[1].at, "SUCCESS")]
        outcome = FULFILLMENT_OUTCOME.get(plan, "SUCCESS")
        return [Stage(finals[-1].at, outcome)]

    def beneficiary(self, kind: str, customer: Customer) -> dict[str, Any]:
        rng = self.rng
        name = customer.name
        if kind == "ACCOUNT_IFSC":
            bank = rng.choice(["HDFC", "ICIC", "SBIN", "UTIB", "KKBK"])
            details = {
                "name": name,
                "account": self.ids.digits(rng.randint(11, 16)),
                "ifsc": f"{bank}0{self.ids.digits(6)}",
            }
        elif kind == "UPI_ID":
            handle = re.sub(r"[^a-z]", "", name.lower().split(" ")[0])
            bank_handle = rng.choice(["okhdfcbank", "ybl", "paytm"])
            details = {"name": name, "vpa": f"{handle}{rng.randint(1, 999)}@{bank_handle}"}
        elif kind == "CARD":
            brand = rng.choice(["VISA", "MASTERCARD", "RUPAY"])
            details = {
                "name": name,
                "cardType": rng.choice(["DEBIT", "CREDIT"]),
                "cardReference": self.ids.hex(32),
                "brand": brand,
                "bankCode": self.ids.digits(6),
            }
        elif kind == "WALLET":
            details = {"name": name, "brand": "PAYTM", "walletIdentifier": customer.phone}
        else:
            details = {"name": name, "id": f"bene_{self.ids.hex(16)}"}
        return {"type": kind, "details": details}

    def payment_order_juspay_id(self, customer: Customer) -> str:
        """The Juspay id of one of the customer's payment orders (what `payments[].id` names: "Unique ID generated
        by Juspay for the payment order"), or a fresh one when the customer has none here."""
        known = self.juspay_ids_by_customer.get(customer.customer_id)
        return self.rng.choice(known) if known else self.ids.juspay_order_id()

    def payout_payment(self, order: PayoutOrder, customer: Customer, number: int, stages: list[Stage]) -> PayoutItem:
        """A `payments[]` item with every field the payout Order Status v3.2 page lists for it."""
        rng, ids = self.rng, self.ids
        method_type = PAYOUT_PAYMENT_METHODS[(self._payout_count + number) % len(PAYOUT_PAYMENT_METHODS)]
        bank_code, bank_name = rng.choice(PAYOUT_PAYER_BANKS)
        handle = re.sub(r"[^a-z]", "", customer.name.lower().split(" ")[0]) or "payer"
        created = stages[0].at
        details = {
            "payment_method_type": method_type,
            "payment_method": {"CARD": rng.choice(["VISA", "MASTERCARD"]), "NB": f"NB_{bank_code}"}.get(
                method_type, "PAYTM" if method_type == "WALLET" else "UPI"
            ),
            "auth-type": "THREE_DS" if method_type == "CARD" else "OTP",
            "upi_details": {"payer_vpa": f"{handle}{rng.randint(1, 999)}@okhdfcbank"},
            "wallet_details": {"brand": "PAYTM", "walletIdentifier": customer.phone},
            "card_details": {
                "using_saved_card": rng.random() < 0.5,
                "saved_to_locker": rng.random() < 0.5,
                "last_four_digits": ids.digits(4),
                "name_on_card": customer.name,
                "expiry_year": str(rng.randint(2027, 2032)),
                "expiry_month": f"{rng.randint(1, 12):02d}",
                "card_type": rng.choice(["CREDIT", "DEBIT"]),
                "card_issuer": bank_name,
                "card_isin": ids.digits(6),
                "card_brand": rng.choice(["VISA", "MASTERCARD", "RUPAY"]),
            },
            "bank_details": {
                "object": "bank_account",
                "id": f"ba_{ids.hex(16)}",
                "customer_id": customer.customer_id,
                "date_created": iso(created - 30 * DAY),
                "bank_name": bank_name,
                "account_number": ids.digits(rng.randint(11, 16)),
                "beneficiary_name": customer.name,
                "ifsc": f"{bank_code}0{ids.digits(6)}",
                "validation_amount": "1.00",
                "currency": "INR",
                "validation_status": rng.choice(["CREATED", "PENDING", "ACTIVE"]),
                "last_validated": iso(created - 29 * DAY),
                "metadata": json.dumps({"purpose": "payout collection", "reference": order.udf1}),
            },
        }
        return PayoutItem(
            id=self.payment_order_juspay_id(customer),
            amount=float(rng.randint(100, 25000)),
            customer_id=customer.customer_id,
            stages=stages,
            details=details,
        )

    def payout_refund(self, order: PayoutOrder, customer: Customer, number: int, stages: list[Stage]) -> PayoutItem:
        """A `refunds[]` item with every field the payout Order Status v3.2 page lists for it."""
        return PayoutItem(
            id=f"rfnd_{self.ids.hex(24)}",
            amount=float(self.rng.randint(100, 25000)),
            customer_id=customer.customer_id,
            stages=stages,
            details={
                "unique_request_id": f"{order.order_id}-rf{number}",
                "ref": self.ids.digits(12),
                "error_message": self.rng.choice(["Refund declined by the bank", "Account closed at the bank"]),
            },
        )

    def add_payout_payment(self, order: PayoutOrder, customer: Customer, failed: bool) -> None:
        """PAY_AND_FULFILL: the customer pays first (40 s after creation); when the payout fails, that payment is
        refunded an hour later."""
        paid_at = order.created + 40
        payment = self.payout_payment(
            order, customer, 1, [Stage(order.created + 5, "PENDING"), Stage(paid_at, "SUCCESS")]
        )
        payment.amount = order.amount
        order.payments.append(payment)
        if failed:
            refund = self.payout_refund(
                order, customer, 1, [Stage(paid_at + 3600, "PENDING"), Stage(paid_at + 4000, "SUCCESS")]
            )
            refund.amount = order.amount
            order.refunds.append(refund)


READY_AND_SCHEDULED = ("READY_FOR_FULFILLMENT", "FULFILLMENTS_SCHEDULED")
PAYOUT_PAYMENT_METHODS = ["UPI", "CARD", "NB", "WALLET"]
PAYOUT_PAYER_BANKS = [("HDFC", "HDFC Bank"), ("ICIC", "ICICI Bank"), ("SBIN", "State Bank of India")]
# The final statuses of a PAYMENTS_ONLY / REFUNDS_ONLY order's items (the v3.2 page's item statuses).
ITEM_PLANS = ("SUCCESS", "FAILURE", "MANUAL_REVIEW", "PENDING")


PAYOUT_COVERAGE: list[tuple[list[str], dict[str, Any]]] = [
    (["SUCCESS"], {}),
    (["SUCCESS_AFTER_RETRY"], {}),
    (["FAILURE"], {}),
    (["REVERSED"], {}),
    (["CONFLICTED"], {}),
    (["MANUAL_REVIEW"], {}),
    (["PENDING"], {}),
    (["CANCELLED"], {}),
    (["CANCELLED", "FAILURE"], {}),
    (["SUCCESS", "PENDING"], {"age": 1800}),  # FULFILLED_PARTIALLY at start
    (["SUCCESS", "SUCCESS", "SUCCESS"], {}),
    (["SUCCESS"], {"pay_first": True}),
    (["FAILURE"], {"pay_first": True}),
    (["CREATED"], {}),
    (["CREATED"], {"age": 60, "stage_delays": (600, 1200)}),  # still CREATED at start
    (["CREATED"], {"age": 60, "stage_delays": (10, 1200)}),  # READY_FOR_FULFILLMENT at start
]
# PAYMENTS_ONLY and REFUNDS_ONLY orders in every status the v3.2 page lists for them, and their items in every
# item status (SUCCESS, PENDING, FAILURE, MANUAL_REVIEW).
for _type in ("PAYMENTS_ONLY", "REFUNDS_ONLY"):
    PAYOUT_COVERAGE += [
        (["SUCCESS", "SUCCESS"], {"type": _type}),  # *_SUCCESSFUL
        (["FAILURE"], {"type": _type}),  # *_FAILURE
        (["MANUAL_REVIEW", "SUCCESS"], {"type": _type}),  # *_MANUAL_REVIEW
        (["SUCCESS", "PENDING"], {"type": _type, "age": 1800}),  # *_SCHEDULED, one item still PENDING
        (["PENDING"], {"type": _type, "age": 60, "stage_delays": (600, 1200)}),  # CREATED at start
        (["PENDING"], {"type": _type, "age": 60, "stage_delays": (10, 1200)}),  # READY_FOR_* at start
    ]
PAYOUT_PLAN_WEIGHTS = {
    "SUCCESS": 60,
    "SUCCESS_AFTER_RETRY": 10,
    "FAILURE": 8,
    "PENDING": 8,
    "CREATED": 4,
    "MANUAL_REVIEW": 3,
    "CANCELLED": 3,
    "REVERSED": 2,
    "CONFLICTED": 2,
}


def generate(seed: int, n_orders: int, merchant_id: str, anchor: float) -> DemoData:
    builder = DemoBuilder(seed, merchant_id, anchor)
    builder.make_customers(max(10, int(n_orders * 0.4)))
    specs = coverage_specs()[:n_orders]
    specs += [builder.random_spec() for _ in range(n_orders - len(specs))]
    orders = [builder.order(spec) for spec in specs]
    orders.sort(key=lambda o: o.created)
    for order in orders:
        builder.juspay_ids_by_customer.setdefault(order.customer.customer_id, []).append(order.juspay_id)
    payout_count = max(len(PAYOUT_COVERAGE), n_orders // 5)
    payouts = [builder.payout_order(plans, **options) for plans, options in PAYOUT_COVERAGE]
    rng = builder.rng
    while len(payouts) < payout_count:
        plans = rng.choices(
            list(PAYOUT_PLAN_WEIGHTS), list(PAYOUT_PLAN_WEIGHTS.values()), k=rng.choice([1, 1, 1, 2, 3])
        )
        payouts.append(builder.payout_order(plans, pay_first=rng.random() < 0.1))
    payouts.sort(key=lambda o: o.created)
    return DemoData(orders=orders, payout_orders=payouts, builder=builder)
