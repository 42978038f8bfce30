"""Run the simulator: build the world, then serve it with uvicorn (uvloop + httptools) in this process."""

import logging
import time

import uvicorn

from .app import SimulatorApp
from .simulation import Simulation, SimulatorConfig

logger = logging.getLogger("juspay_simulator")


def build_app(config: SimulatorConfig) -> SimulatorApp:
    started = time.perf_counter()
    sim = Simulation(config)
    logger.info(
        "generated %d orders and %d payout orders in %.2f s",
        len(sim.store.order_ids),
        len(sim.store.payout_ids),
        time.perf_counter() - started,
    )
    return SimulatorApp(sim)


def run(config: SimulatorConfig, on_ready=None) -> None:
    app = build_app(config)
    uvicorn_config = uvicorn.Config(
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
    server = uvicorn.Server(uvicorn_config)
    if on_ready is not None:
        on_ready(app.sim)
    server.run()
