"""The one table: each measurement, its peer, the ratio, issue #15's target and whether it was met."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


@dataclass
class Row:
    name: str
    users: str  # concurrency, or "" for measurements that have none
    value: str  # p50 / p95 / p99 ms, or a rate, or MiB
    peer: str = ""
    peer_value: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""  # met, MISSED, or "" when the issue sets no target
    errors: str = ""
    n: str = ""  # the requests measured (fewer than asked when the scenario's time budget ran out)


def ms(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def latency(result: dict[str, Any]) -> tuple[float, float, float]:
    values = result["latencies_ms"]
    return percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)


def errors(result: dict[str, Any]) -> str:
    bad = {k: v for k, v in result["statuses"].items() if not (k.isdigit() and 200 <= int(k) < 400)}
    return ", ".join(f"{v}× {k}" for k, v in sorted(bad.items()))


# Ours -> (peer scenario, what is compared: "p50" or "p95")
PEERS = {
    "order page": ("peer: live Order Status", "p50"),
    "list: first page": ("admin: first page", "p95"),
    "list: filtered": ("admin: filtered", "p95"),
    "list: deep (90% down)": ("admin: deep (90% down)", "p95"),
    "search: email (whole)": ("admin: search email", "p95"),
}

Check = Callable[[float, float, float, float | None, int], tuple[str, bool] | None]


def _target(name: str) -> Check:
    """The issue's target for a scenario, as a function of (p50, p95, p99, ratio, users) -> (text, met)."""

    def order_page(p50: float, p95: float, p99: float, ratio: float | None, users: int) -> tuple[str, bool]:
        fast = ratio is not None and ratio >= 2
        if users == 1:
            return "p99 ≤ 30 ms; p50 ≥ 2× faster than the peer", p99 <= 30 and fast
        return "p50 ≥ 2× faster than the peer", fast

    def p95_under(limit: float) -> Check:
        return lambda p50, p95, p99, ratio, users: (f"p95 ≤ {limit:.0f} ms", p95 <= limit)

    def listing(p50: float, p95: float, p99: float, ratio: float | None, users: int) -> tuple[str, bool]:
        faster = ratio is not None and ratio >= 3
        if users == 8:
            return "p95 ≤ 100 ms; ≥ 3× faster than admin", p95 <= 100 and faster
        return "≥ 3× faster than admin", faster

    def half_typed(p50: float, p95: float, p99: float, ratio: float | None, users: int) -> tuple[str, bool]:
        return "p95 ≤ 50 ms (prefix ≥ 3 chars)", p95 <= 50

    def none(p50: float, p95: float, p99: float, ratio: float | None, users: int) -> None:
        return None

    if name == "order page":
        return order_page
    if name.startswith("list: "):
        return listing
    if name.startswith("typeahead:") and "half-typed" in name:
        return half_typed
    if name.startswith(("search:", "typeahead:")):
        return p95_under(50)
    if name == "KPI page":
        return p95_under(200)
    return none


def latency_rows(results: dict[str, dict[str, Any]], users: int) -> list[Row]:
    rows = []
    peers = {peer for peer, _ in PEERS.values()}
    for name, result in results.items():
        if name in peers or result.get("rate"):
            continue
        p50, p95, p99 = latency(result)
        count = len(result["latencies_ms"])
        row = Row(name, str(users), f"{ms(p50)} / {ms(p95)} / {ms(p99)}", errors=errors(result), n=f"{count:,}")
        ratio = None
        if name in PEERS and PEERS[name][0] in results:
            peer, compared = PEERS[name]
            q50, q95, q99 = latency(results[peer])
            mine, theirs = (p50, q50) if compared == "p50" else (p95, q95)
            ratio = theirs / mine if mine else None
            row.peer = peer.removeprefix("peer: ").removeprefix("admin: ") if peer.startswith("peer") else peer
            row.peer_value = f"{ms(q50)} / {ms(q95)} / {ms(q99)}"
            if (theirs_n := len(results[peer]["latencies_ms"])) != count:
                row.peer_value += f" (n {theirs_n:,})"
            row.ratio = (
                f"{ratio:.1f}× ({compared})" if ratio and ratio >= 1 else f"{ratio:.2f}× ({compared})" if ratio else ""
            )
        judged = _target(name)(p50, p95, p99, ratio, users)
        if judged:
            row.target, met = judged
            row.met = "met" if met else "MISSED"
        rows.append(row)
    return rows


def rate_row(
    name: str,
    users: int,
    done: int,
    seconds: float,
    target: float | None,
    errors_text: str = "",
    *,
    cpu_seconds: float | None = None,
) -> Row:
    """A rate; with `cpu_seconds` (what the web processes spent on the `done` requests) also the CPU of each."""
    rate = done / seconds if seconds else 0.0
    value = f"{rate:,.0f}/s"
    if cpu_seconds is not None and done:
        value += f", {cpu_seconds * 1000 / done:.1f} ms web CPU each"
    row = Row(name, str(users) if users else "", value, errors=errors_text, n=f"{done:,}")
    if target is not None:
        row.target, row.met = f"≥ {target:.0f}/s", "met" if rate >= target else "MISSED"
    return row


COLUMNS = (
    "measurement",
    "users",
    "n",
    "p50 / p95 / p99 ms, or rate",
    "peer",
    "peer p50 / p95 / p99",
    "ratio",
    "target",
    "",
)


def render(rows: list[Row], header: list[str]) -> str:
    """A Markdown table (readable as text too), preceded by the run's facts."""
    cells = [list(COLUMNS)] + [
        [
            r.name,
            r.users,
            r.n,
            r.value + (f" ({r.errors})" if r.errors else ""),
            r.peer,
            r.peer_value,
            r.ratio,
            r.target,
            r.met,
        ]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join([*header, "", *lines, ""])


CPU_COLUMNS = ("measurement", "users", "server CPU ms / request", "load process CPU ms / request")


def cpu_table(results: list[tuple[int, dict[str, dict[str, Any]]]]) -> str:
    """CPU per request of each scenario at each concurrency: the server's workers (what the 2 cores must do per
    request, whatever the machine's load) and the load process's (so it is seen not to be the bottleneck)."""

    def per_request(seconds: float, n: int) -> str:
        return "" if not n or math.isnan(seconds) else f"{1000 * seconds / n:.2f}"  # NaN: not measured

    cells = [list(CPU_COLUMNS)]
    for users, by_name in results:
        for name, result in by_name.items():
            n = len(result["latencies_ms"])
            cells.append(
                [
                    name,
                    str(users),
                    per_request(result.get("server_cpu_s", float("nan")), n),
                    per_request(result.get("load_cpu_s", float("nan")), n),
                ]
            )
    widths = [max(len(row[i]) for row in cells) for i in range(len(CPU_COLUMNS))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines) + "\n"
