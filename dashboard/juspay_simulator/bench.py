"""Throughput of Order Status GETs against a running simulator.

    python -m dashboard.juspay_simulator.bench --base-url http://127.0.0.1:8765 --api-key K \\
        --requests 10000 --concurrency 64 [--client raw|httpx]

`raw` is a minimal keep-alive HTTP/1.1 client (measures the server); `httpx` uses httpx.AsyncClient like
the project's client does. Bounded in count; only for servers on this machine.
"""

import argparse
import asyncio
import base64
import json
import statistics
import time
from urllib.parse import urlsplit

import httpx


async def _raw_worker(
    host: str,
    port: int,
    auth: str,
    ids: list[str],
    queue: asyncio.Queue,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            writer.write(
                f"GET /orders/{ids[index % len(ids)]} HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: {auth}\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(
                int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _httpx_worker(
    client: httpx.AsyncClient, ids: list[str], queue: asyncio.Queue, latencies: list[float], statuses: dict[int, int]
) -> None:
    while True:
        try:
            index = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        started = time.perf_counter()
        response = await client.get(f"/orders/{ids[index % len(ids)]}")
        response.json()
        latencies.append(time.perf_counter() - started)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1


async def bench(base_url: str, api_key: str, requests: int, concurrency: int, client_kind: str) -> dict:
    auth = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": auth}, timeout=30, limits=limits
    ) as client:
        listing = (await client.get("/__sim__/orders")).json()
        ids = listing["orders"]
        queue: asyncio.Queue = asyncio.Queue()
        for index in range(requests):
            queue.put_nowait(index)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        started = time.perf_counter()
        if client_kind == "raw":
            parts = urlsplit(base_url)
            workers = [
                _raw_worker(parts.hostname or "127.0.0.1", parts.port or 80, auth, ids, queue, latencies, statuses)
                for _ in range(concurrency)
            ]
        else:
            workers = [_httpx_worker(client, ids, queue, latencies, statuses) for _ in range(concurrency)]
        await asyncio.gather(*workers)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "client": client_kind,
        "requests": len(latencies),
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed, 1),
        "statuses": statuses,
        "latency_ms": {
            "p50": round(1000 * latencies[len(latencies) // 2], 1),
            "p90": round(1000 * latencies[int(len(latencies) * 0.9)], 1),
            "p99": round(1000 * latencies[int(len(latencies) * 0.99)], 1),
            "mean": round(1000 * statistics.fmean(latencies), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8765")
    parser.add_argument("--api-key", default="sk_sim_demo_key")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    args = parser.parse_args()
    if urlsplit(args.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("benchmark only servers on this machine")
    result = asyncio.run(bench(args.base_url, args.api_key, args.requests, args.concurrency, args.client))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
