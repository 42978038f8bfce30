"""The simulated clock: start + speed × real elapsed time + manual advances, in epoch seconds."""

import time
from collections.abc import Callable
from datetime import UTC, datetime


class SimClock:
    def __init__(self, start: float, speed: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.start = start
        self.speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()
        self._advanced = 0.0

    def now(self) -> float:
        return self.start + self.speed * (self._monotonic() - self._origin) + self._advanced

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._advanced += seconds
        return self.now()


def iso(ts: float) -> str:
    """Juspay's timestamp form: ISO-8601 UTC, `Z` suffix, no fraction."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
