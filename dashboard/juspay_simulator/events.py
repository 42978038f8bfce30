"""Webhook envelopes for state changes: payment events
(https://juspay.io/resources/docs/common-resources/webhooks) and payout events
(https://juspay.io/api-reference/docs/payout/order-status)."""

from collections.abc import Callable

from .catalog import PAYMENT_FAILURES, PAYOUT_ORDER_WEBHOOK_VALUES
from .clock import iso
from .model import Fulfillment, Order, PayoutOrder, PayoutTxn, Refund, Txn, order_status, payout_status
from .render import fulfillment_body, order_body, payout_txn_body, txn_event_body
from .state import Transition

ORDER_EVENTS = {
    "CHARGED": "ORDER_SUCCEEDED",
    "AUTHORIZED": "ORDER_AUTHORIZED",
    "PARTIAL_CHARGED": "ORDER_PARTIAL_CHARGED",
    **dict.fromkeys(PAYMENT_FAILURES, "ORDER_FAILED"),
}
REFUND_EVENTS = {
    "SUCCESS": "ORDER_REFUNDED",
    "FAILURE": "ORDER_REFUND_FAILED",
    "MANUAL_REVIEW": "REFUND_MANUAL_REVIEW_NEEDED",
}
FULFILLMENT_EVENT_VALUES = {
    "CREATED": "INITIATED",
    "SUCCESS": "SUCCESS",
    "FAILURE": "FAILURE",
    "MANUAL_REVIEW": "MANUAL_REVIEW",
    "CANCELLED": "CANCELLED",
}
TXN_EVENT_VALUES = frozenset({"INITIATED", "FAILURE", "SUCCESS", "REVERSED", "CONFLICTED", "MANUAL_REVIEW"})
EPSILON = 1e-3


class EventFactory:
    def __init__(self, new_event_id: Callable[[], str], new_payout_event_id: Callable[[], str]) -> None:
        self.new_event_id = new_event_id
        self.new_payout_event_id = new_payout_event_id

    def envelope(self, name: str, at: float, content: dict) -> dict:
        return {"id": self.new_event_id(), "event_name": name, "date_created": iso(at), "content": content}

    def order_event(self, name: str, order: Order, at: float) -> dict:
        return self.envelope(name, at, {"order": order_body(order, at)})

    def refund_initiated(self, order: Order, at: float) -> dict:
        return self.order_event("REFUND_INITIATED", order, at)

    def for_transitions(self, transitions: list[Transition]) -> list[dict]:
        events: list[dict] = []
        seen: set[tuple] = set()
        for transition in transitions:
            for key, make in self._events_for(transition):
                if key not in seen:
                    seen.add(key)
                    events.append(make())
        return events

    def _events_for(self, t: Transition):
        order, entity = t.order, t.entity
        if t.kind == "txn" and isinstance(order, Order) and isinstance(entity, Txn) and t.stage is not None:
            yield from self._payment_events(order, entity, t.stage.status, t.at)
        elif t.kind == "refund" and isinstance(order, Order) and isinstance(entity, Refund):
            yield from self._refund_events(order, entity, t.at)
        elif isinstance(order, PayoutOrder) and t.stage is not None:
            yield from self._payout_events(t, order, t.stage.status)

    def _payment_events(self, order: Order, txn: Txn, status: str, at: float):
        if txn.stages[0].at == at and status != "TO_BE_CHARGED":
            yield (order.order_id, "TXN_CREATED", at), lambda: self.order_event("TXN_CREATED", order, at)
        if status == "CHARGED" and not order.split_payment:
            yield (
                (txn.txn_id, "TXN_CHARGED", at),
                lambda: self.envelope("TXN_CHARGED", at, {"txn": txn_event_body(order, txn, at)}),
            )
        elif status in PAYMENT_FAILURES and not order.split_payment:
            yield (
                (txn.txn_id, "TXN_FAILED", at),
                lambda: self.envelope("TXN_FAILED", at, {"txn": txn_event_body(order, txn, at)}),
            )
        before, after = order_status(order, at - EPSILON), order_status(order, at)
        if before != after and after in ORDER_EVENTS:
            name = ORDER_EVENTS[after]
            yield (order.order_id, name, at), lambda: self.order_event(name, order, at)

    def _refund_events(self, order: Order, refund: Refund, at: float):
        name = REFUND_EVENTS[refund.outcome]
        if refund.initiated_by == "AUTO_REFUNDED":
            name = "AUTO_REFUND_SUCCEEDED" if refund.outcome == "SUCCESS" else "AUTO_REFUND_FAILED"
        yield (refund.unique_request_id, name, at), lambda: self.order_event(name, order, at)

    # --- payout -------------------------------------------------------------------------------------------

    def payout_envelope(self, label: str, value: str, info: dict) -> dict:
        return {"id": self.new_payout_event_id(), "category": "INFO", "label": label, "value": value, "info": info}

    def _payout_events(self, t: Transition, payout: PayoutOrder, status: str):
        entity = t.entity
        if t.kind == "fulfillment" and isinstance(entity, Fulfillment) and status in FULFILLMENT_EVENT_VALUES:
            value = FULFILLMENT_EVENT_VALUES[status]
            yield (
                (entity.id, value, t.at),
                lambda: self.payout_envelope("FULFILLMENT_ORDER", value, self._fulfillment_info(payout, entity, t.at)),
            )
        elif t.kind == "payout_txn" and isinstance(entity, PayoutTxn) and status in TXN_EVENT_VALUES:
            yield (
                (entity.ref, status, t.at),
                lambda: self.payout_envelope("FULFILLMENT_TXN", status, self._txn_info(payout, entity, t.at)),
            )
        before, after = payout_status(payout, t.at - EPSILON), payout_status(payout, t.at)
        if before != after and after in PAYOUT_ORDER_WEBHOOK_VALUES:
            yield (
                (payout.order_id, after, t.at),
                lambda: self.payout_envelope("ORDER", after, self._order_info(payout, t.at)),
            )

    @staticmethod
    def _order_info(payout: PayoutOrder, at: float) -> dict:
        return {
            "id": payout.order_hash,
            "merchantOrderId": payout.order_id,
            "merchantCustomerId": payout.customer_id,
            "orderType": payout.type,
            "status": payout_status(payout, at),
            "amount": payout.amount,
            "createdAt": iso(payout.created),
            "updatedAt": iso(at),
        }

    @staticmethod
    def _fulfillment_info(payout: PayoutOrder, fulfillment: Fulfillment, at: float) -> dict:
        return {**fulfillment_body(fulfillment, at), "merchantOrderId": payout.order_id}

    @staticmethod
    def _txn_info(payout: PayoutOrder, txn: PayoutTxn, at: float) -> dict:
        fulfillment = next(f for f in payout.fulfillments if txn in f.txns)
        body = payout_txn_body(txn, at)
        number = fulfillment.txns.index(txn) + 1
        return {
            "id": f"{fulfillment.id}-t{number}",
            "FulfillmentId": fulfillment.id,
            "transactionRef": txn.ref,
            "status": body["status"],
            "amount": txn.amount,
            "attempted": True,
            "fulfillmentMethod": txn.method,
            "gatewayRefId": body["gatewayRefId"],
            "txnResponse": body["txnResponse"],
            "createdAt": body["createdAt"],
            "updatedAt": body["updatedAt"],
        }
