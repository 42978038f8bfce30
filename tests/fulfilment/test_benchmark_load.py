"""The benchmark's load process: a scenario's time budget per round caps a slow peer's requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fulfilment.benchmark import load


class _Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(0.1)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _plan(url: str, requests: int, budget: float | None, concurrency: int = 1) -> dict[str, object]:
    scenario = {"name": "slow", "urls": [url], "requests": requests, "warmup": 1}
    return {"concurrency": concurrency, "rounds": 2, "scenarios": [scenario], "budget_s": budget}


def test_without_a_budget_every_request_asked_for_is_sent(slow_url: str) -> None:
    result = load.run(_plan(slow_url, requests=3, budget=None))["slow"]
    assert len(result["latencies_ms"]) == 6  # 3 per round, 2 rounds
    assert result["statuses"] == {"200": 6}


def test_a_budget_stops_a_slow_scenario_early_in_every_round(slow_url: str) -> None:
    result = load.run(_plan(slow_url, requests=200, budget=0.35))["slow"]
    # 100 ms a request: about 4 fit in 0.35 s (the one under way when the budget runs out finishes), per round
    assert 2 <= len(result["latencies_ms"]) <= 12
    assert result["seconds"] < 2


def test_every_thread_sends_at_least_one_request_however_small_the_budget(slow_url: str) -> None:
    result = load.run(_plan(slow_url, requests=50, budget=0.001, concurrency=4))["slow"]
    assert len(result["latencies_ms"]) >= 8  # at least one per thread and round
