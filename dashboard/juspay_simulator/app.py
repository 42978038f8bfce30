"""The HTTP surface: Juspay's four endpoints, and the simulator's own `/__sim__/` control endpoints.

A raw ASGI app (served by uvicorn): the routes are a handful of fixed shapes, and owning the protocol
lets a fault close the connection without answering.
"""

import asyncio
import logging
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import errors
from .clock import iso
from .model import Order, order_status, payout_status
from .render import refund_body
from .rules import Rejection, validate_fulfillment, validate_refund
from .simulation import Simulation
from .state import dumps
from .webhooks import WebhookConfig
from .wire import (
    Request,
    basic_username,
    drop_connection,
    parse_fields,
    read_request,
    send,
    send_json,
    wait_for_disconnect,
)

logger = logging.getLogger("juspay_simulator")
TICK_SECONDS = 0.25
EXPANDABLE = frozenset({"fulfillment", "payment", "refund"})
REQUEST_LOG_SIZE = 500  # the Juspay requests `/__sim__/requests` lists, newest last
Answer = tuple[int, bytes | dict | list]
ControlAnswer = tuple[int, dict | list]  # the /__sim__/ endpoints answer JSON only


@dataclass
class Stats:
    """Totals since start (or the last `/__sim__/stats/reset`), for runs that count what they did: Juspay requests
    by endpoint, faults injected by kind, and refund POSTs that carried a `unique_request_id` Juspay had already
    taken a refund for (a duplicate send, whether or not it was refused)."""

    requests: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    refund_posts: int = 0
    duplicate_refund_posts: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict:
        return {
            "requests": sum(self.requests.values()),
            "requests_by_endpoint": dict(self.requests),
            "faults": sum(self.faults.values()),
            "faults_by_kind": dict(self.faults),
            "refund_posts": self.refund_posts,
            "duplicate_refund_posts": sum(self.duplicate_refund_posts.values()),
            "duplicate_refund_keys": sorted(self.duplicate_refund_posts),
        }


class SimulatorApp:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self._background: list[asyncio.Task] = []
        self._merchant_header = sim.config.merchant_id.encode()
        self.requests: deque[dict] = deque(maxlen=REQUEST_LOG_SIZE)
        self.stats = Stats()

    async def __call__(self, scope: dict, receive, send_fn) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send_fn)
            return
        if scope["type"] != "http":
            return
        request = await read_request(scope, receive)
        headers = self._response_headers(request)
        parts = request.path.strip("/").split("/")
        if parts[0] == "__sim__":
            await self._control(request, parts[1:], headers, send_fn)
            return
        handler = self._juspay_route(request.method, parts)
        if handler is None:
            await send(send_fn, 404, errors.NOT_FOUND, headers, b"text/plain; charset=utf-8")
            return
        await self._juspay(request, handler, headers, receive, send_fn)

    def _response_headers(self, request: Request) -> list[tuple[bytes, bytes]]:
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        return [
            (b"x-request-id", request_id.encode("latin-1")),
            (b"x-response-id", uuid.uuid4().hex.encode()),
            (b"x-jp-merchant-id", self._merchant_header),
        ]

    # --- Juspay endpoints ---------------------------------------------------------------------------------

    def _juspay_route(self, method: str, parts: list[str]) -> Callable[[Request], Answer] | None:
        if parts[0] == "orders" and len(parts) == 2 and method == "GET":
            return lambda r: self.order_status(r, parts[1])
        if parts[0] == "orders" and len(parts) == 3 and method == "POST":
            if parts[2] == "refunds":
                return lambda r: self.refund(r, parts[1])
            if parts[2] == "fulfillment":
                return lambda r: self.fulfillment(r, parts[1])
        if parts[:4] == ["payout", "merchant", "v1", "orders"] and len(parts) == 5 and method == "GET":
            return lambda r: self.payout_status(r, parts[4])
        return None

    async def _juspay(self, request: Request, handler, headers, receive, send_fn) -> None:
        self._log_request(request)
        sim = self.sim
        faults = sim.faults
        delay = sim.dice.latency(faults)
        if delay:
            await asyncio.sleep(delay)
        if not self.authorised(request):
            await send_json(send_fn, 401, errors.UNAUTHORIZED, headers)
            return
        if sim.dice.hit(faults.unauthorized_rate):
            self.stats.faults["unauthorized"] += 1
            await send_json(send_fn, 401, errors.UNAUTHORIZED, headers)
            return
        if sim.dice.hit(faults.fail_rate):
            self.stats.faults["http_500"] += 1
            await send(send_fn, 500, errors.SERVER_ERROR, headers, b"text/plain; charset=utf-8")
            return
        if sim.dice.hit(faults.timeout_rate):
            self.stats.faults["timeout"] += 1
            gone = await wait_for_disconnect(receive, faults.timeout_seconds)
            if gone or faults.timeout_then == "close":
                await drop_connection(receive)
                return
        status, body = handler(request)
        if request.method == "POST" and sim.faults.lose_next_post_responses > 0:
            self.stats.faults["lost_answer"] += 1
            sim.faults = replace(sim.faults, lose_next_post_responses=sim.faults.lose_next_post_responses - 1)
            await wait_for_disconnect(receive, sim.faults.lost_response_hang_seconds)
            await drop_connection(receive)
            return
        payload = body if isinstance(body, bytes) else dumps(body)
        if sim.dice.hit(faults.malformed_rate):
            self.stats.faults["malformed"] += 1
            payload = payload[: max(1, len(payload) // 2)]
        await send(send_fn, status, payload, headers)

    def _log_request(self, request: Request) -> None:
        """Keep what each Juspay request asked (method, path, query), for tests that check what a caller sent."""
        parts = request.path.strip("/").split("/")
        kind = "payout_order_status" if parts[0] == "payout" else (parts[2] if len(parts) > 2 else "order_status")
        self.stats.requests[f"{request.method} {kind}"] += 1
        self.requests.append({"method": request.method, "path": request.path, "query": dict(request.query)})

    def authorised(self, request: Request) -> bool:
        config = self.sim.config
        if basic_username(request.headers.get("authorization", "")) != config.api_key:
            return False
        merchant = request.headers.get("x-merchantid") or request.headers.get("x-merchant-id")
        return merchant is None or merchant == config.merchant_id

    def order_status(self, request: Request, order_id: str) -> Answer:
        order = self.sim.store.orders.get(order_id)
        if order is None:
            return 400, errors.order_not_found(order_id)
        full = request.param("options.add_full_gateway_response").lower() == "true"
        return 200, self.sim.store.order_json(order, self.sim.now(), full)

    def payout_status(self, request: Request, order_id: str) -> Answer:
        payout = self.sim.store.payouts.get(order_id)
        if payout is None:
            return 400, errors.payout_order_not_found(order_id)
        expand = frozenset(part.strip() for value in request.query.get("expand", []) for part in value.split(","))
        return 200, self.sim.store.payout_json(payout, self.sim.now(), expand & EXPANDABLE)

    def refund(self, request: Request, order_id: str) -> Answer:
        sim = self.sim
        order = sim.store.orders.get(order_id)
        if order is None:
            return 400, errors.refund_order_not_found(order_id)
        fields = parse_fields(request)
        if fields is None:
            return 400, errors.invalid_input("Request body is neither form-encoded nor a JSON object")
        now = sim.now()
        self.stats.refund_posts += 1
        key = str(fields.get("unique_request_id", "")).strip()
        if key and any(r.unique_request_id == key for r in order.refunds):
            self.stats.duplicate_refund_posts[key] += 1
        checked = validate_refund(order, fields, now)
        if isinstance(checked, Rejection):
            return checked.http_status, checked.body
        outcome = None if sim.faults.refund_outcome == "random" else sim.faults.refund_outcome
        sim.actions.create_refund(order, checked, now, outcome)
        sim.webhooks.emit(sim.events.refund_initiated(order, now))
        return 200, sim.store.order_json(order, now)

    def fulfillment(self, request: Request, order_id: str) -> Answer:
        sim = self.sim
        order = sim.store.orders.get(order_id)
        if order is None:
            return 400, errors.order_not_found(order_id)
        fields = parse_fields(request)
        if fields is None:
            return 400, errors.invalid_input("Request body is neither form-encoded nor a JSON object")
        now = sim.now()
        checked = validate_fulfillment(order, fields, now)
        if isinstance(checked, Rejection):
            return checked.http_status, checked.body
        return 200, sim.actions.record_fulfillment(order, checked, now)

    # --- /__sim__/ control endpoints ----------------------------------------------------------------------

    async def _control(self, request: Request, parts: list[str], headers, send_fn) -> None:
        if basic_username(request.headers.get("authorization", "")) != self.sim.config.api_key:
            await send_json(send_fn, 401, errors.UNAUTHORIZED, headers)
            return
        route = self._control_routes().get((request.method, "/".join(parts)))
        if route is None:
            await send_json(send_fn, 404, {"error": f"no simulator endpoint {request.method} {request.path}"}, headers)
            return
        fields = parse_fields(request) if request.method == "POST" else {}
        if fields is None:
            await send_json(send_fn, 400, {"error": "body must be a JSON object"}, headers)
            return
        try:
            status, body = route(request, fields)
        except (ValueError, TypeError) as exc:
            status, body = 400, {"error": str(exc)}
        await send_json(send_fn, status, body, headers)

    def _control_routes(self) -> dict[tuple[str, str], Callable[[Request, dict], ControlAnswer]]:
        return {
            ("GET", "orders"): self.sim_list_orders,
            ("POST", "orders"): self.sim_create_order,
            ("POST", "payout_orders"): self.sim_create_payout_order,
            ("GET", "time"): self.sim_time,
            ("POST", "time/advance"): self.sim_advance,
            ("GET", "faults"): lambda r, f: (200, self.sim.faults.to_json()),
            ("POST", "faults"): self.sim_set_faults,
            ("POST", "faults/reset"): lambda r, f: (200, self.sim.reset_faults().to_json()),
            ("GET", "refunds"): self.sim_refunds,
            ("GET", "webhooks"): self.sim_webhooks,
            ("POST", "webhooks"): self.sim_set_webhooks,
            ("POST", "reset"): self.sim_reset,
            ("GET", "requests"): self.sim_requests,
            ("GET", "stats"): lambda r, f: (200, self.stats.to_json()),
            ("POST", "stats/reset"): self.sim_reset_stats,
        }

    def sim_list_orders(self, request: Request, _fields: dict) -> ControlAnswer:
        store = self.sim.store
        offset = int(request.param("offset", "0"))
        limit = int(request.param("limit", "0")) or None
        end = offset + limit if limit else None
        return 200, {
            "orders": store.order_ids[offset:end],
            "payout_orders": store.payout_ids[offset:end],
            "total_orders": len(store.order_ids),
            "total_payout_orders": len(store.payout_ids),
        }

    def sim_create_order(self, _request: Request, fields: dict) -> ControlAnswer:
        created = self.sim.actions.create_order(fields, self.sim.now())
        if isinstance(created, Rejection):
            return created.http_status, created.body
        return 201, _order_summary(created, self.sim.now())

    def sim_create_payout_order(self, _request: Request, fields: dict) -> ControlAnswer:
        now = self.sim.now()
        created = self.sim.actions.create_payout_order(fields, now)
        if isinstance(created, Rejection):
            return created.http_status, created.body
        return 201, {
            "order_id": created.order_id,
            "status": payout_status(created, now),
            "amount": created.amount,
            "customer_id": created.customer_id,
        }

    def sim_time(self, _request: Request, _fields: dict) -> tuple[int, dict]:
        now = self.sim.now()
        return 200, {"now": iso(now), "now_epoch": now, "start": iso(self.sim.start), "speed": self.sim.config.speed}

    def sim_advance(self, request: Request, fields: dict) -> ControlAnswer:
        seconds = fields.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            return 400, {"error": "seconds must be a non-negative number"}
        self.sim.clock.advance(float(seconds))
        fired = self.sim.tick()
        status, body = self.sim_time(request, fields)
        return status, {**body, "events": fired}

    def sim_set_faults(self, _request: Request, fields: dict) -> ControlAnswer:
        self.sim.faults = self.sim.faults.updated(fields)
        return 200, self.sim.faults.to_json()

    def sim_refunds(self, request: Request, _fields: dict) -> ControlAnswer:
        order_id = request.param("order_id")
        order = self.sim.store.orders.get(order_id)
        if order is None:
            return 404, {"error": f"unknown order {order_id!r}"}
        now = self.sim.now()
        return 200, {"order_id": order_id, "refunds": [refund_body(r, now) for r in order.refunds]}

    def sim_webhooks(self, _request: Request, _fields: dict) -> ControlAnswer:
        sender = self.sim.webhooks
        return 200, {
            "config": sender.config.public(),
            "pending": sender.pending(),
            "deliveries": list(sender.deliveries),
        }

    def sim_set_webhooks(self, request: Request, fields: dict) -> ControlAnswer:
        self.sim.webhooks.config = self.sim.webhooks.config.updated(fields) if fields else WebhookConfig()
        return self.sim_webhooks(request, fields)

    def sim_requests(self, request: Request, _fields: dict) -> ControlAnswer:
        """The latest Juspay requests received (`?path=` keeps those whose path ends with it)."""
        suffix = request.param("path")
        return 200, {"requests": [r for r in self.requests if not suffix or r["path"].endswith(suffix)]}

    def sim_reset_stats(self, _request: Request, _fields: dict) -> ControlAnswer:
        self.stats = Stats()
        return 200, self.stats.to_json()

    def sim_reset(self, _request: Request, _fields: dict) -> ControlAnswer:
        self.sim.build()
        self.sim.reset_faults()
        self._start_warmup()
        return 200, {"orders": len(self.sim.store.order_ids), "payout_orders": len(self.sim.store.payout_ids)}

    # --- lifespan: webhook workers, the tick, cache warm-up ------------------------------------------------

    async def _lifespan(self, receive, send_fn) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.sim.webhooks.start()
                self._background.append(asyncio.create_task(self._ticker()))
                self._start_warmup()
                await send_fn({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._background:
                    task.cancel()
                await asyncio.gather(*self._background, return_exceptions=True)
                await self.sim.webhooks.stop()
                await send_fn({"type": "lifespan.shutdown.complete"})
                return

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                self.sim.tick()
            except Exception:  # a bad event must not stop later ones
                logger.exception("simulator tick failed")

    def _start_warmup(self) -> None:
        self._background.append(asyncio.create_task(_warm(self.sim)))


async def _warm(sim: Simulation, chunk: int = 200) -> None:
    """Serialise every order once in the background, a chunk per loop turn, so first reads are cached."""
    store = sim.store
    ids = list(store.order_ids)
    for start in range(0, len(ids), chunk):
        if sim.store is not store:
            return
        store.warm(ids[start : start + chunk], sim.now())
        await asyncio.sleep(0)


def _order_summary(order: Order, now: float) -> dict:
    return {
        "order_id": order.order_id,
        "id": order.juspay_id,
        "status": order_status(order, now),
        "amount": order.amount,
        "customer_id": order.customer.customer_id,
    }
