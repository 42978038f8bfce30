"""Start and stop the Juspay simulator as a child process (for `make run` and `bench_sync`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on (or holds) host:port: binding it is the only sure test."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class SimulatorProcess:
    port: int
    api_key: str
    merchant_id: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.base_url, auth=(self.api_key, ""), timeout=30)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def order_ids(self, limit: int = 1_000_000) -> list[str]:
        body = self._http.get("/__sim__/orders", params={"limit": limit}).raise_for_status().json()
        return [str(order_id) for order_id in body["orders"]]

    def payout_order_ids(self, limit: int = 1_000_000) -> list[str]:
        body = self._http.get("/__sim__/orders", params={"limit": limit}).raise_for_status().json()
        return [str(order_id) for order_id in body.get("payout_orders", [])]

    def stop(self) -> None:
        self._http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_simulator(
    *,
    port: int | None = None,
    api_key: str,
    merchant_id: str,
    orders: int = 200,
    seed: int = 1,
    speed: float = 1.0,
    latency: str = "juspay",
    extra: list[str] | None = None,
    log_path: Path | None = None,
    ready_timeout: float = 60.0,
) -> SimulatorProcess:
    port = port or free_port()
    log_path = log_path or (REPO / "data" / f"simulator-{port}.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        str(REPO / "manage.py"),
        "juspay_simulator",
        "--port",
        str(port),
        "--orders",
        str(orders),
        "--seed",
        str(seed),
        "--speed",
        str(speed),
        "--latency",
        latency,
        "--api-key",
        api_key,
        "--merchant-id",
        merchant_id,
        *(extra or []),
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 (our argv)
    sim = SimulatorProcess(port, api_key, merchant_id, process, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the simulator exited at start; see {log_path}")
        try:
            sim.order_ids(limit=1)
            return sim
        except httpx.HTTPError:
            time.sleep(0.2)
    sim.stop()
    raise RuntimeError(f"the simulator did not answer within {ready_timeout:.0f} s; see {log_path}")
