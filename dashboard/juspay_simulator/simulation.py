"""One simulated Juspay: configuration, clock, demo data, store, faults and webhooks, wired together."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .actions import Actions
from .clock import SimClock
from .data import generate
from .events import EventFactory
from .faults import FaultDice, Faults
from .ids import IdMaker
from .state import Store
from .webhooks import WebhookConfig, WebhookSender


@dataclass
class SimulatorConfig:
    api_key: str
    merchant_id: str
    host: str = "127.0.0.1"
    port: int = 8765
    seed: int = 1
    orders: int = 200
    speed: float = 1.0
    start: float | None = None  # simulated time at start (epoch seconds); default: now
    certfile: str | None = None
    keyfile: str | None = None
    faults: Faults = field(default_factory=Faults)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)


class Simulation:
    def __init__(self, config: SimulatorConfig, monotonic: Callable[[], float] = time.monotonic) -> None:
        """`monotonic` is the real-time source the clock scales by `config.speed` (tests pass a fake one)."""
        self.config = config
        self._monotonic = monotonic
        self.start = float(int(config.start if config.start is not None else time.time()))
        self.faults = config.faults
        self.dice = FaultDice(config.seed * 31 + 7)
        self.webhooks = WebhookSender(config.webhook, config.seed * 31 + 11)
        self.build()

    def build(self) -> None:
        """(Re)create the world from the seed: same seed and start, same data."""
        self.clock = SimClock(self.start, self.config.speed, self._monotonic)
        data = generate(self.config.seed, self.config.orders, self.config.merchant_id, self.start)
        self.store = Store(data, self.start)
        self.actions = Actions(self.store, data.builder)
        runtime_ids = IdMaker(random.Random(self.config.seed * 31 + 13))
        self.events = EventFactory(runtime_ids.event_id, lambda: runtime_ids.hex(32))

    def now(self) -> float:
        return self.clock.now()

    def tick(self) -> int:
        """Turn the transitions that happened since the last tick into webhooks (none without a target)."""
        transitions = self.store.due(self.now())
        if not self.webhooks.config.url:
            return 0
        payloads = self.events.for_transitions(transitions)
        for payload in payloads:
            self.webhooks.emit(payload)
        return len(payloads)

    def reset_faults(self) -> Faults:
        self.faults = self.config.faults
        return self.faults
