"""One shared httpx client per process and per Juspay endpoint, for every synchronous call.

Building an `httpx.Client` builds a new SSL context (loading the CA bundle) and a new connection pool: doing it
per call cost about a fifth of a web worker's time on webhook intake, and opened a new TCP (and TLS) connection
to Juspay every time. `shared_http(config)` instead hands out one client per process for each base URL,
credentials and pool size, kept for the life of the process: its connections are kept alive and reused, and one
SSL context (`ssl_context()`) serves every client of the process.

- Thread-safe: an `httpx.Client` may be used from many threads at once (its pool is locked); the registry is
  guarded by a lock, so two threads asking at once get the same client.
- Fork-safe: a worker forked from a process that had clients (gunicorn `--preload`, Celery's prefork pool) must
  not share the parent's sockets, so a client belongs to the process id that built it; a child builds its own.
- Closed cleanly: `close_all()` closes every client (and runs at interpreter exit); tests call it too.
- Idle connections are dropped after `KEEPALIVE_SECONDS`, below the idle timeouts servers and balancers commonly
  use (uvicorn 5 s, load balancers 60 s), so a reused connection is rarely one the server is about to close: a
  POST lost on such a connection would have an unknown outcome (settled through Order Status, never resent blind).
- Timeouts and headers are per request (`exchange.Attempt.request`), so sharing changes neither the timeouts
  nor the idempotency keys a call sends.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import ssl
import threading

import certifi
import httpx

from .config import JuspayConfig
from .exchange import http_timeout

KEEPALIVE_SECONDS = 4.0

_lock = threading.Lock()
_clients: dict[tuple[int, str, str, str, int, float], httpx.Client] = {}
_ssl: dict[int, ssl.SSLContext] = {}


def ssl_context() -> ssl.SSLContext:
    """The process's one SSL context (certifi's CA bundle, as httpx uses by default)."""
    pid = os.getpid()
    with _lock:
        context = _ssl.get(pid)
        if context is None:
            context = ssl.create_default_context(cafile=certifi.where())
            _ssl.clear()
            _ssl[pid] = context
        return context


def _key(config: JuspayConfig) -> tuple[int, str, str, str, int, float]:
    # The API key only as a digest: the registry never holds it in a readable key.
    credentials = hashlib.sha256(f"{config.merchant_id}:{config.api_key}".encode()).hexdigest()
    return (os.getpid(), config.base_url, credentials, config.user_agent, config.max_connections, config.pool_timeout)


def shared_http(config: JuspayConfig) -> httpx.Client:
    """The process's client for `config`'s endpoint and credentials, built on first use."""
    key = _key(config)
    client = _clients.get(key)
    if client is not None and not client.is_closed:
        return client
    context = ssl_context()
    with _lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            for stale in [k for k in _clients if k[0] != key[0]]:
                del _clients[stale]  # inherited from the parent process: its sockets are not ours to use
            client = httpx.Client(
                base_url=config.base_url,
                verify=context,
                limits=httpx.Limits(
                    max_connections=config.max_connections,
                    max_keepalive_connections=config.max_connections,
                    keepalive_expiry=KEEPALIVE_SECONDS,
                ),
                timeout=http_timeout(config, config.timeout),
                follow_redirects=False,
            )
            _clients[key] = client
        return client


def open_clients() -> int:
    """How many shared clients this process holds (for tests and benchmarks)."""
    pid = os.getpid()
    with _lock:
        return sum(1 for key, client in _clients.items() if key[0] == pid and not client.is_closed)


def close_all() -> None:
    """Close every shared client of this process; the next call builds a new one."""
    pid = os.getpid()
    with _lock:
        clients = [client for key, client in _clients.items() if key[0] == pid]
        _clients.clear()
    for client in clients:
        client.close()


atexit.register(close_all)
