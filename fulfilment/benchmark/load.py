"""The benchmark's load process: a separate Python process (no Django) that sends requests to the served app
and to the simulator, and reports each request's latency.

    python -m fulfilment.benchmark.load PLAN.json > RESULT.json

The plan names scenarios (a method, URLs cycled through, headers, an optional body template where `{seq}` is a
unique number per request) and how many requests each gets per round; every round runs every scenario in turn at
the plan's concurrency (one keep-alive httpx client per thread), so the peers and our pages are measured
interleaved, under the same machine load. The result maps each scenario to its latencies (ms), answer statuses
and the seconds its requests took in all (for rates). When the plan names server processes (`cpu_pids`: the web
workers), each scenario also gets the CPU seconds those processes spent while its requests ran (`server_cpu`,
from /proc): the CPU per request, steadier than a rate on a shared machine.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx


def _run(scenario: dict[str, Any], count: int, concurrency: int, clients: list[httpx.Client], seq: list[int]) -> Any:
    urls: list[str] = scenario["urls"]
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    def worker(client: httpx.Client) -> None:
        while True:
            with lock:
                i = next_index[0]
                if i >= count:
                    return
                next_index[0] += 1
                seq[0] += 1
                n = seq[0]
            url = urls[i % len(urls)]
            body = scenario.get("body")
            orders = scenario.get("orders") or [""]
            content = (
                body.replace("{seq}", str(n)).replace("{order}", orders[n % len(orders)]).encode() if body else None
            )
            started = time.perf_counter()
            try:
                answer = client.request(
                    scenario.get("method", "GET"), url, headers=scenario.get("headers"), content=content
                )
                answer.read()
                status = str(answer.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker, client) for client in clients[:concurrency]]:
            future.result()
    return latencies, statuses, time.perf_counter() - started


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes `pids` have used so far (Linux /proc; 0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def run(plan: dict[str, Any]) -> dict[str, Any]:
    concurrency = int(plan["concurrency"])
    clients = [httpx.Client(timeout=60, follow_redirects=False) for _ in range(concurrency)]
    results: dict[str, Any] = {}
    seq = [int(plan.get("seq_start", 0))]
    try:
        for scenario in plan["scenarios"]:  # warm-up: every worker process and connection once
            _run(scenario, min(int(scenario.get("warmup", concurrency * 2)), 50), concurrency, clients, seq)
        pids = [int(pid) for pid in plan.get("cpu_pids", [])]
        for _ in range(int(plan["rounds"])):
            for scenario in plan["scenarios"]:
                cpu = cpu_seconds(pids)
                latencies, statuses, seconds = _run(scenario, int(scenario["requests"]), concurrency, clients, seq)
                into = results.setdefault(
                    scenario["name"], {"latencies_ms": [], "statuses": {}, "seconds": 0.0, "server_cpu": 0.0}
                )
                into["server_cpu"] += cpu_seconds(pids) - cpu
                into["latencies_ms"] += latencies
                into["seconds"] += seconds
                for status, n in statuses.items():
                    into["statuses"][status] = into["statuses"].get(status, 0) + n
    finally:
        for client in clients:
            client.close()
    return results


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        json.dump(run(json.load(handle)), sys.stdout)
