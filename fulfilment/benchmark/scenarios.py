"""What the load process asks for: our pages over the synthetic orders, and the peers (a live Order Status call
to the simulator, Django admin's change list over the same table), as scenarios of fulfilment.benchmark.load."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from dashboard.models import Merchant
from fulfilment import kpi_page
from orders.models import Order
from orders.paging import encode_cursor

FRAGMENTS = ("timeline", "payment", "refunds", "splits", "offers", "payouts")
HX = {"HX-Request": "true"}


@dataclass
class Samples:
    order_ids: list[str]
    emails: list[str]
    phones: list[str]
    deep_cursor: str
    deep_admin_page: int


def samples(account: Merchant, n: int, count: int = 20) -> Samples:
    """`count` orders spread over the whole table (some with a refund, a split, an offer or a payout)."""
    mine = Order.objects.filter(merchant=account)
    rich = list(
        mine.filter(refunds__isnull=False, split_details__isnull=False)
        .order_by("pk")
        .values_list("order_id", flat=True)
        .distinct()[:5]
    )
    step = max(n // count, 1)
    spread = [mine.order_by("pk").values_list("order_id", flat=True)[i] for i in range(step // 2, n, step)][:count]
    ids = list(dict.fromkeys(rich + spread))[:count]
    rows = list(mine.filter(order_id__in=ids).values_list("customer_email", "customer_phone"))
    deep_at, deep_pk = mine.order_by("-juspay_created_at", "-pk").values_list("juspay_created_at", "pk")[
        max(int(n * 0.9) - 1, 0)
    ]
    assert deep_at is not None  # every synthetic order has a creation date
    return Samples(
        order_ids=ids,
        emails=[e for e, _ in rows],
        phones=[p for _, p in rows],
        deep_cursor=encode_cursor(deep_at, deep_pk),
        deep_admin_page=max(int(n * 0.9) // 50, 1),
    )


def _get(name: str, base: str, paths: list[str], cookie: str, requests: int, *, htmx: bool = False) -> dict[str, Any]:
    headers = {"Cookie": cookie, **(HX if htmx else {})}
    return {"name": name, "urls": [base + p for p in paths], "headers": headers, "requests": requests}


def pages(base: str, cookie: str, s: Samples, requests: int) -> list[dict[str, Any]]:
    """Ours, each with the peer it is compared with next to it (so they run interleaved)."""
    half_email = [e[: max(3, len(e.split("@")[0]) // 2)] for e in s.emails]
    half_phone = [p[:5] for p in s.phones]
    half_id = [o[: max(3, len(o) // 2 + 1)] for o in s.order_ids]
    periods = ("today", "7d", "30d", "90d")
    return [
        _get("order page", base, [f"/orders/{o}/" for o in s.order_ids], cookie, requests),
        _get(
            "order page fragments",
            base,
            [f"/orders/{o}/{f}/" for o in s.order_ids for f in FRAGMENTS],
            cookie,
            requests,
            htmx=True,
        ),
        _get("search: email (whole)", base, [f"/orders/?q={e}" for e in s.emails], cookie, requests),
        _get("search: phone (whole)", base, [f"/orders/?q={p}" for p in s.phones], cookie, requests),
        _get("search: order id (whole, opens it)", base, [f"/orders/?q={o}" for o in s.order_ids], cookie, requests),
        _get(
            "typeahead: email (whole)", base, [f"/orders/search/?q={e}" for e in s.emails], cookie, requests, htmx=True
        ),
        _get(
            "typeahead: email (half-typed)",
            base,
            [f"/orders/search/?q={e}" for e in half_email],
            cookie,
            requests,
            htmx=True,
        ),
        _get(
            "typeahead: phone (whole)", base, [f"/orders/search/?q={p}" for p in s.phones], cookie, requests, htmx=True
        ),
        _get(
            "typeahead: phone (half-typed)",
            base,
            [f"/orders/search/?q={p}" for p in half_phone],
            cookie,
            requests,
            htmx=True,
        ),
        _get(
            "typeahead: order id (whole)",
            base,
            [f"/orders/search/?q={o}" for o in s.order_ids],
            cookie,
            requests,
            htmx=True,
        ),
        _get(
            "typeahead: order id (half-typed)",
            base,
            [f"/orders/search/?q={o}" for o in half_id],
            cookie,
            requests,
            htmx=True,
        ),
        _get("list: first page", base, ["/orders/"], cookie, requests),
        _get("admin: first page", base, ["/bench-admin/orders/order/"], cookie, requests),
        _get("list: filtered", base, ["/orders/?period=all&status=CHARGED&gateway=RAZORPAY"], cookie, requests),
        _get(
            "admin: filtered",
            base,
            ["/bench-admin/orders/order/?status__exact=CHARGED&gateway__exact=RAZORPAY"],
            cookie,
            requests,
        ),
        _get("list: deep (90% down)", base, [f"/orders/?period=all&after={s.deep_cursor}"], cookie, requests),
        _get("admin: deep (90% down)", base, [f"/bench-admin/orders/order/?p={s.deep_admin_page}"], cookie, requests),
        _get("admin: search email", base, [f"/bench-admin/orders/order/?q={e}" for e in s.emails], cookie, requests),
        _get("KPI page", base, [f"/kpis/?period={p}&compare=1" for p in periods], cookie, requests),
        _get(
            "KPI sections",
            base,
            [f"/kpis/{name}/?period={p}&compare=1" for name in kpi_page.SECTIONS for p in periods],
            cookie,
            requests,
            htmx=True,
        ),
    ]


def live_order_status(sim_base: str, api_key: str, merchant_id: str, ids: list[str], requests: int) -> dict[str, Any]:
    """The peer of the order page: Order Status at the simulator under Juspay's published latency profile."""
    auth = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
    headers = {"Authorization": auth, "x-merchantid": merchant_id, "version": "2023-06-30"}
    return {
        "name": "peer: live Order Status",
        "urls": [f"{sim_base}/orders/{i}" for i in ids],
        "headers": headers,
        "requests": requests,
    }


def webhook(
    name: str, base: str, user: str, password: str, merchant_id: str, ids: list[str], requests: int
) -> dict[str, Any]:
    """ORDER_SUCCEEDED webhooks naming the simulator's orders, each with a new event id ({seq})."""
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    body = {
        "id": "evt_bench_{seq}",
        "event_name": "ORDER_SUCCEEDED",
        "date_created": "2026-12-01T09:15:03Z",
        "content": {"order": {"order_id": "{order}", "merchant_id": merchant_id, "status": "CHARGED"}},
    }
    return {
        "name": name,
        "method": "POST",
        "urls": [f"{base}/webhooks/juspay/"],
        "headers": {"Authorization": auth, "Content-Type": "application/json"},
        "body": json.dumps(body),
        "orders": ids,
        "requests": requests,
        # The first webhooks in each web worker import and set up what intake uses (the broker's connection,
        # Celery's app): enough for each of the workers to get some before the measured ones.
        "warmup": 40,
    }
