"""The store: orders and payout orders by id, cached answers, and the queue of upcoming transitions.

Answers are serialised once and reused until the order's next scheduled change (or a POST changes it),
so a read costs a dict lookup. Transitions are kept in a heap only so that a background tick can turn
them into webhooks; reads never depend on the tick.
"""

import heapq
import itertools
import json
from dataclasses import dataclass

from .data import DemoData
from .model import (
    Order,
    PayoutOrder,
    Refund,
    Stage,
    order_next_change,
    payout_next_change,
)
from .render import order_body, payout_body


@dataclass(slots=True)
class Transition:
    at: float
    kind: str  # txn, refund, payout_order, fulfillment, payout_txn
    order: Order | PayoutOrder
    entity: object
    stage: Stage | None


def dumps(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class Store:
    def __init__(self, data: DemoData, now: float) -> None:
        self.orders: dict[str, Order] = {}
        self.payouts: dict[str, PayoutOrder] = {}
        self.order_ids: list[str] = []
        self.payout_ids: list[str] = []
        self._cache: dict[tuple, tuple[float, bytes]] = {}
        self._heap: list[tuple[float, int, Transition]] = []
        self._seq = itertools.count()
        self.last_tick = now
        for order in data.orders:
            self.add_order(order, now)
        for payout in data.payout_orders:
            self.add_payout(payout, now)

    # --- reads ------------------------------------------------------------------------------------------

    def order_json(self, order: Order, now: float, full_gateway_response: bool = False) -> bytes:
        key = (order.order_id, full_gateway_response)
        cached = self._cache.get(key)
        if cached is not None and now < cached[0]:
            return cached[1]
        body = dumps(order_body(order, now, full_gateway_response))
        self._cache[key] = (order_next_change(order, now), body)
        return body

    def payout_json(self, payout: PayoutOrder, now: float, expand: frozenset[str]) -> bytes:
        key = ("payout", payout.order_id, expand)
        cached = self._cache.get(key)
        if cached is not None and now < cached[0]:
            return cached[1]
        body = dumps(payout_body(payout, now, expand))
        self._cache[key] = (payout_next_change(payout, now), body)
        return body

    def warm(self, order_ids: list[str], now: float) -> None:
        for order_id in order_ids:
            self.order_json(self.orders[order_id], now)

    # --- writes -----------------------------------------------------------------------------------------

    def add_order(self, order: Order, now: float) -> None:
        self.orders[order.order_id] = order
        self.order_ids.append(order.order_id)
        for txn in order.txns:
            for stage in txn.stages:
                self._schedule(Transition(stage.at, "txn", order, txn, stage), now)
        for refund in order.refunds:
            self.schedule_refund(order, refund, now)

    def add_payout(self, payout: PayoutOrder, now: float) -> None:
        self.payouts[payout.order_id] = payout
        self.payout_ids.append(payout.order_id)
        for stage in payout.stages:
            self._schedule(Transition(stage.at, "payout_order", payout, payout, stage), now)
        for fulfillment in payout.fulfillments:
            for stage in fulfillment.stages:
                self._schedule(Transition(stage.at, "fulfillment", payout, fulfillment, stage), now)
            for txn in fulfillment.txns:
                for stage in txn.stages:
                    self._schedule(Transition(stage.at, "payout_txn", payout, txn, stage), now)
        for item in (*payout.payments, *payout.refunds):  # they move the order's status (PAYMENTS_*, REFUNDS_*)
            for stage in item.stages:
                self._schedule(Transition(stage.at, "payout_order", payout, payout, stage), now)

    def add_refund(self, order: Order, refund: Refund, now: float) -> None:
        order.refunds.append(refund)
        self.changed(order, now)
        self.schedule_refund(order, refund, now)

    def add_command(self, order: Order, command: dict, now: float) -> None:
        order.commands.append(command)
        self.changed(order, now)

    def changed(self, order: Order, now: float) -> None:
        order.changed_at = now
        self._cache.pop((order.order_id, False), None)
        self._cache.pop((order.order_id, True), None)

    def schedule_refund(self, order: Order, refund: Refund, now: float) -> None:
        self._schedule(Transition(refund.resolves_at, "refund", order, refund, None), now)

    def _schedule(self, transition: Transition, now: float) -> None:
        if transition.at > now:
            heapq.heappush(self._heap, (transition.at, next(self._seq), transition))

    def due(self, now: float) -> list[Transition]:
        """Transitions that happened since the last call, oldest first."""
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        self.last_tick = now
        return due
