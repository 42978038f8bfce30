"""Fault injection settings and Juspay's published Order Status latency profile
(https://juspay.io/api-reference/docs/express-checkout/order-status-api)."""

import bisect
import random
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

# (percentile, milliseconds). TP50 is printed as 0.0198 "ms" and read as seconds (≈ 20 ms); the ends of
# the curve (fastest 8 ms, slowest 2 s) are our assumption. Values between points are interpolated.
LATENCY_PROFILE: list[tuple[float, float]] = [
    (0.0, 8.0),
    (0.5, 19.8),
    (0.9, 55.71),
    (0.99, 351.85),
    (0.999, 594.42),
    (0.9999, 1431.42),
    (1.0, 2000.0),
]
_PERCENTILES = [p for p, _ in LATENCY_PROFILE]

LATENCY_MODES = ("none", "juspay")
TIMEOUT_ENDINGS = ("close", "respond")
REFUND_OUTCOMES = ("random", "SUCCESS", "FAILURE", "MANUAL_REVIEW")


def latency_seconds(u: float) -> float:
    """The latency at quantile `u` in [0, 1), linearly interpolated between the published percentiles."""
    index = min(bisect.bisect_right(_PERCENTILES, u), len(LATENCY_PROFILE) - 1)
    (p0, ms0), (p1, ms1) = LATENCY_PROFILE[index - 1], LATENCY_PROFILE[index]
    return (ms0 + (ms1 - ms0) * (u - p0) / (p1 - p0)) / 1000.0


@dataclass(frozen=True, slots=True)
class Faults:
    latency: str = "juspay"
    fail_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    unauthorized_rate: float = 0.0
    timeout_seconds: float = 5.0
    timeout_then: str = "close"
    lose_next_post_responses: int = 0
    lost_response_hang_seconds: float = 5.0
    refund_outcome: str = "random"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def updated(self, changes: dict[str, Any]) -> "Faults":
        """A copy with `changes` applied; ValueError names the first bad key or value."""
        known = {f.name: f.type for f in fields(self)}
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown fault setting {key!r}; known: {sorted(known)}")
            values[key] = _coerce(key, value)
        return replace(self, **values)


def _coerce(key: str, value: object) -> str | int | float:
    choices = {"latency": LATENCY_MODES, "timeout_then": TIMEOUT_ENDINGS, "refund_outcome": REFUND_OUTCOMES}
    if key in choices:
        if value not in choices[key]:
            raise ValueError(f"{key} must be one of {choices[key]}")
        return str(value)
    if key == "lose_next_post_responses":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{key} must be a non-negative integer")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    if key.endswith("_rate") and value > 1:
        raise ValueError(f"{key} must be between 0 and 1")
    return float(value)


class FaultDice:
    """Per-request draws; seeded so that a run with the same requests draws the same faults."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def latency(self, faults: Faults) -> float:
        return latency_seconds(self.rng.random()) if faults.latency == "juspay" else 0.0

    def hit(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate
