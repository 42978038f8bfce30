"""A small load generator, run as its own process by `bench_request_cost` (so the load is not the server's CPU):

    python -m orders.management.http_load get URL --concurrency 8 --seconds 10 --cookie "sessionid=…"
    python -m orders.management.http_load webhooks URL --concurrency 8 --count 2000 --auth "Basic …" --orders a,b

It prints one JSON object: requests, seconds, per second, status counts, p50/p95/p99 in milliseconds. Webhook
bodies are Juspay order webhooks with a unique event id each, naming the given order ids in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
import uuid
from collections import Counter

import aiohttp


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(args: argparse.Namespace) -> dict[str, object]:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    headers = {"Cookie": args.cookie} if args.cookie else {}
    if args.hx:
        headers["HX-Request"] = "true"
    orders = itertools.cycle(args.orders.split(",") if args.orders else ["none"])
    run = uuid.uuid4().hex[:8]
    counter = itertools.count()
    deadline = time.monotonic() + args.seconds

    async def one(session: aiohttp.ClientSession) -> bool:
        if args.mode == "webhooks":
            n = next(counter)
            if n >= args.count:
                return False
            body = {
                "id": f"evt_bench_{run}_{n}",
                "event_name": "ORDER_SUCCEEDED",
                "date_created": "2026-12-01T10:00:00Z",
                "content": {"order": {"order_id": next(orders), "merchant_id": args.merchant_id}},
            }
            start = time.perf_counter()
            async with session.post(
                args.url, json=body, headers={"Authorization": args.auth, "Content-Type": "application/json"}
            ) as response:
                await response.read()
        else:
            if time.monotonic() >= deadline:
                return False
            start = time.perf_counter()
            async with session.get(args.url, headers=headers, allow_redirects=False) as response:
                await response.read()
        latencies.append((time.perf_counter() - start) * 1000)
        statuses[response.status] += 1
        return True

    async def worker(session: aiohttp.ClientSession) -> None:
        while await one(session):
            pass

    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "p95_ms": round(_percentile(latencies, 0.95), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "run": run,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["get", "webhooks"])
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--hx", action="store_true")
    parser.add_argument("--auth", default="")
    parser.add_argument("--orders", default="")
    parser.add_argument("--merchant-id", default="")
    print(json.dumps(asyncio.run(_run(parser.parse_args()))))


if __name__ == "__main__":
    main()
