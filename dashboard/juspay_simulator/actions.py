"""What accepted requests do: create refunds, record fulfillment commands, create orders on request."""

import re

from .clock import iso
from .data import ITEM_PLANS, DemoBuilder
from .lifecycle import FULFILLMENT_PLANS, PAYMENT_PATHS, refund_plan
from .model import Customer, Order, PayoutOrder, Refund, primary_txn
from .rules import FulfillmentRequest, RefundRequest, Rejection, parse_amount
from .state import Store

ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9]{1,21}$")
PAYOUT_ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_,\-@]{4,64}$")
CREATABLE_STATUSES = frozenset(set(PAYMENT_PATHS) - {"TO_BE_CHARGED"} | {"NEW", "CREATED"})
PAYMENT_METHOD_TYPES = frozenset({"CARD", "UPI", "NB", "WALLET"})


class Actions:
    def __init__(self, store: Store, builder: DemoBuilder) -> None:
        self.store = store
        self.builder = builder

    def create_refund(self, order: Order, request: RefundRequest, now: float, outcome: str | None) -> Refund:
        rng = self.builder.rng
        leg = next((t for t in order.txns if t.status(now) == "CHARGED"), None) if order.split_payment else None
        txn = leg or primary_txn(order, now)
        if txn is None:  # the refund rules accept only orders with a charged transaction
            raise ValueError(f"order {order.order_id} has no transaction to refund")
        gateway = txn.instrument.gateway
        sent_at, resolves_at, outcome = refund_plan(now, rng, outcome)
        refund = Refund(
            unique_request_id=request.unique_request_id,
            amount=request.amount,
            created=now,
            sent_at=sent_at,
            resolves_at=resolves_at,
            outcome=outcome,
            gateway=gateway,
            gateway_refund_id=self.builder.ids.gateway_refund_id(gateway),
            arn=self.builder.ids.digits(12),
            txn_id=leg.txn_id if leg else None,
            metadata={"split_settlement_details": request.split_settlement_details}
            if request.split_settlement_details
            else {},
        )
        self.store.add_refund(order, refund, now)
        return refund

    def record_fulfillment(self, order: Order, request: FulfillmentRequest, now: float) -> dict:
        if request.refund_amount is not None:
            self._refund_for_command(order, request.refund_amount, now)
        command = {
            "command": request.command,
            "status": "SUCCESS",
            "date_created": now,
            "fulfillment_id": request.fulfillment_id,
            "fulfillment_status": request.status,
        }
        if request.data:
            command["metadata"] = request.data
        if request.split_details is not None:
            command["error_message"] = "SUCCESS"
            order.split_settlement = self._split_settlement(request.split_details)
        self.store.add_command(order, command, now)
        return fulfillment_response(order)

    def _refund_for_command(self, order: Order, amount: float, now: float) -> None:
        """INITIATE_REFUND creates a refund (Juspay: "INITIATE_REFUND: Initiating refunds"). The docs say
        nothing more ("Contact your Juspay POC"): not the amount, not the refund's `unique_request_id`. Our
        reading: the amount is `amount` in a JSON `fulfillment_data` when given, else the whole
        `maximum_eligible_refund`; the refund's key is one Juspay makes up (so Order Status cannot be
        searched for it by anything the merchant sent)."""
        key = self.builder.ids.unique(lambda: f"FS{self.builder.ids.alnum(18)}")
        refund_request = RefundRequest(unique_request_id=key, amount=amount, split_settlement_details="")
        self.create_refund(order, refund_request, now, None)

    def _split_settlement(self, details: dict) -> dict:
        ids = self.builder.ids
        return {
            "split_applied": True,
            "split_details": [
                {
                    "sub_vendor_id": split["sub_mid"],
                    "amount": parse_amount(str(split["amount"])),
                    "merchant_commission": parse_amount(str(split.get("merchant_commission", "0"))) or 0.0,
                    "gateway_sub_account_id": f"acc_{ids.alnum(14)}",
                    "epg_txn_id": f"trf_{ids.alnum(14)}",
                }
                for split in details["vendor"]["split"]
            ],
        }

    def create_order(self, fields: dict, now: float) -> Order | Rejection:
        status = str(fields.get("status") or "CHARGED")
        if status not in CREATABLE_STATUSES:
            return Rejection(400, {"error": f"status must be one of {sorted(CREATABLE_STATUSES)}"})
        order_id = fields.get("order_id")
        if order_id is not None and (not ORDER_ID_PATTERN.match(str(order_id)) or order_id in self.store.orders):
            return Rejection(400, {"error": "order_id must be 1-21 alphanumerics and not already used"})
        amount = parse_amount(str(fields.get("amount", "")) or str(self.builder.draw_amount()))
        method = fields.get("payment_method_type")
        if amount is None or (method is not None and method not in PAYMENT_METHOD_TYPES):
            return Rejection(
                400,
                {
                    "error": "amount must be positive with at most 2 decimals; "
                    f"payment_method_type one of {sorted(PAYMENT_METHOD_TYPES)}"
                },
            )
        given = fields.get("discount")
        discount = parse_amount(str(given)) if given not in (None, 0, "0", "") else 0.0
        if discount is None or discount >= amount:
            return Rejection(400, {"error": "discount must be positive, with at most 2 decimals, below the amount"})
        resolve_after = fields.get("resolve_after_seconds")
        order = self.builder.custom_order(
            now,
            status=status,
            customer=self._customer(fields.get("customer")),
            amount=amount,
            order_id=order_id,
            method=method,
            resolve_to=fields.get("resolve_to"),
            resolve_after=float(resolve_after) if resolve_after is not None else None,
            udfs=[str(fields.get(f"udf{i}", "")) for i in range(1, 11)],
            discount=discount,
        )
        self.store.add_order(order, now)
        return order

    def create_payout_order(self, fields: dict, now: float) -> PayoutOrder | Rejection:
        kind = fields.get("type") or ""
        if kind in ("PAYMENTS_ONLY", "REFUNDS_ONLY"):  # `items`: the payments' or refunds' final statuses
            plans = fields.get("items", ["PENDING"])
            if not isinstance(plans, list) or not plans or any(p not in ITEM_PLANS for p in plans):
                return Rejection(400, {"error": f"items must be a list of {list(ITEM_PLANS)}"})
        else:
            plans = fields.get("fulfillments", ["PENDING"])
            if not isinstance(plans, list) or not plans or any(p not in FULFILLMENT_PLANS for p in plans):
                return Rejection(400, {"error": f"fulfillments must be a list of {sorted(FULFILLMENT_PLANS)}"})
        order_id = fields.get("order_id")
        if order_id is not None and (
            not PAYOUT_ORDER_ID_PATTERN.match(str(order_id)) or order_id in self.store.payouts
        ):
            return Rejection(400, {"error": "order_id must be 4-64 of A-Z a-z 0-9 _ , - @ and not already used"})
        # Created two minutes ago: the first payout attempt has started, its outcome is still to come.
        payout = self.builder.payout_order(
            plans,
            age=120,
            pay_first=kind == "PAY_AND_FULFILL",
            type=kind if kind in ("PAYMENTS_ONLY", "REFUNDS_ONLY") else "",
            now=now,
            customer=self._customer(fields.get("customer")),
            order_id=order_id,
        )
        self.store.add_payout(payout, now)
        return payout

    def _customer(self, given) -> Customer:
        """`customer` may be an existing customer id, or a dict of customer_id/name/email/phone."""
        known = {c.customer_id: c for c in self.builder.customers}
        if isinstance(given, str) and given in known:
            return known[given]
        if not isinstance(given, dict):
            return self.builder.pick_customer()
        if given.get("customer_id") in known:
            return known[given["customer_id"]]
        customer = self.builder.new_customer(given.get("name"))
        customer.customer_id = given.get("customer_id") or customer.customer_id
        customer.email = given.get("email") or customer.email
        customer.phone = given.get("phone") or customer.phone
        self.builder.customers.append(customer)
        return customer


def fulfillment_response(order: Order) -> dict:
    commands = []
    for command in order.commands:
        item = {"command": command["command"], "status": command["status"]}
        for key in ("metadata", "error_message"):
            if key in command:
                item[key] = command[key]
        item["date_created"] = iso(command["date_created"])
        commands.append(item)
    return {"status": "SUCCESS", "merchant_id": order.merchant_id, "order_id": order.order_id, "commands": commands}
