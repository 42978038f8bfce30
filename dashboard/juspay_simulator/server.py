"""Run the simulator: build the world, then serve it with uvicorn (uvloop + httptools).

`run()` serves in the foreground (`manage.py juspay_simulator`); `BackgroundServer` serves on a thread of the
calling process, so that a test session gets a simulator in milliseconds instead of booting a process.
"""

import logging
import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from .app import SimulatorApp
from .simulation import Simulation, SimulatorConfig

logger = logging.getLogger("juspay_simulator")


def build_app(config: SimulatorConfig, monotonic: Callable[[], float] = time.monotonic) -> SimulatorApp:
    started = time.perf_counter()
    sim = Simulation(config, monotonic=monotonic)
    logger.info(
        "generated %d orders and %d payout orders in %.2f s",
        len(sim.store.order_ids),
        len(sim.store.payout_ids),
        time.perf_counter() - started,
    )
    return SimulatorApp(sim)


def uvicorn_config(app: SimulatorApp, config: SimulatorConfig) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
        ssl_certfile=config.certfile,
        ssl_keyfile=config.keyfile,
        timeout_keep_alive=30,
        backlog=4096,
    )


def run(config: SimulatorConfig, on_ready: Callable[[Simulation], None] | None = None) -> None:
    app = build_app(config)
    server = uvicorn.Server(uvicorn_config(app, config))
    if on_ready is not None:
        on_ready(app.sim)
    server.run()


class BackgroundServer:
    """The simulator served by uvicorn on a daemon thread of this process.

    `config.port` 0 takes a free port, bound before the thread starts (no race with another process picking
    the same one); `port` is the one bound. `monotonic` is the real-time source of the simulated clock: a
    test passes a fake one to make `--speed` time pass without waiting.
    """

    def __init__(self, config: SimulatorConfig, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.app = build_app(config, monotonic)
        self.sim = self.app.sim
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind((config.host, config.port))
        self.port: int = self._socket.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(self.app, config))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"juspay-simulator-{self.port}",
            daemon=True,
        )

    def start(self, timeout: float = 10.0) -> "BackgroundServer":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator thread did not start serving within {timeout} s")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()
