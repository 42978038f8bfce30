"""The benchmark's load process: a separate Python process (no Django) that sends requests to the served app
and to the simulator, and reports each request's latency.

    python -m fulfilment.benchmark.load PLAN.json > RESULT.json

The plan names scenarios (a method, URLs cycled through, headers, an optional body template where `{seq}` is a
unique number per request) and how many requests each gets per round, and may set a time budget per scenario and
round (`budget_s`) after which a scenario sends no more; every round runs every scenario in turn at
the plan's concurrency (one keep-alive httpx client per thread), so the peers and our pages are measured
interleaved, under the same machine load. The result maps each scenario to its latencies (ms), answer statuses
and the seconds its requests took in all (for rates), and the CPU seconds its requests cost: the load process's
own (`load_cpu_s`, so a load process that is itself the bottleneck shows) and, when the plan names the server's
worker processes (`server_pids`, on this host), theirs (`server_cpu_s`, from /proc: user + system time). CPU time
is what a loaded 2-core machine does not blur the way wall-clock latencies are blurred.
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


def _run(
    scenario: dict[str, Any],
    count: int,
    concurrency: int,
    clients: list[httpx.Client],
    seq: list[int],
    budget_s: float | None = None,
) -> Any:
    """`count` requests at `concurrency`, or fewer when `budget_s` runs out first (each thread still sends one):
    a slow peer (Django admin's e-mail search takes seconds a request at 1M orders) gets fewer samples instead of
    holding up the whole run."""
    urls: list[str] = scenario["urls"]
    lock = threading.Lock()
    next_index = [0]
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    deadline = time.perf_counter() + budget_s if budget_s else None

    def worker(client: httpx.Client) -> None:
        while True:
            with lock:
                i = next_index[0]
                if i >= count or (deadline is not None and i >= concurrency and time.perf_counter() > deadline):
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


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (those that are gone count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc_pid_stat(5))
    return total / _TICKS


def _progress(line: str) -> None:
    """A line on stderr (the benchmark shows it as it comes; stdout carries the JSON result)."""
    print(f"  {line}", file=sys.stderr, flush=True)


def run(plan: dict[str, Any]) -> dict[str, Any]:
    concurrency = int(plan["concurrency"])
    clients = [httpx.Client(timeout=60, follow_redirects=False) for _ in range(concurrency)]
    results: dict[str, Any] = {}
    seq = [int(plan.get("seq_start", 0))]
    server_pids = [int(pid) for pid in plan.get("server_pids", [])]
    budget = float(plan["budget_s"]) if plan.get("budget_s") else None  # per scenario and round
    began = time.perf_counter()
    try:
        for scenario in plan["scenarios"]:  # warm-up: every worker process and connection once
            warmup = min(int(scenario.get("warmup", concurrency * 2)), 50)
            _run(scenario, warmup, concurrency, clients, seq, budget / 2 if budget else None)
        rounds = int(plan["rounds"])
        _progress(f"warm-up done ({time.perf_counter() - began:.0f} s)")
        for round_number in range(1, rounds + 1):
            round_began = time.perf_counter()
            for scenario in plan["scenarios"]:
                server_before, load_before = cpu_seconds(server_pids), time.process_time()
                latencies, statuses, seconds = _run(
                    scenario, int(scenario["requests"]), concurrency, clients, seq, budget
                )
                server_cpu, load_cpu = cpu_seconds(server_pids) - server_before, time.process_time() - load_before
                into = results.setdefault(
                    scenario["name"],
                    {"latencies_ms": [], "statuses": {}, "seconds": 0.0, "server_cpu_s": 0.0, "load_cpu_s": 0.0},
                )
                into["latencies_ms"] += latencies
                into["seconds"] += seconds
                into["server_cpu_s"] += server_cpu if server_pids else float("nan")
                into["load_cpu_s"] += load_cpu
                for status, n in statuses.items():
                    into["statuses"][status] = into["statuses"].get(status, 0) + n
            _progress(f"round {round_number}/{rounds} done in {time.perf_counter() - round_began:.0f} s")
    finally:
        for client in clients:
            client.close()
    return results


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        json.dump(run(json.load(handle)), sys.stdout)
