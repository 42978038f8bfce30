"""How things move over time: the stage timelines of payments, refunds and payout fulfillments.

Timelines are planned when an entity is created (outcomes drawn from a seeded random source), so the
state at any simulated time is a pure function of the plan and the clock.
"""

import random

from .catalog import REFUND_QUEUE_MAX, TEN_DAYS
from .model import Stage

# Stages a transaction goes through to reach a status (the last one).
PAYMENT_PATHS: dict[str, list[str]] = {
    "STARTED": ["STARTED"],
    "PENDING_VBV": ["PENDING_VBV"],
    "VBV_SUCCESSFUL": ["PENDING_VBV", "VBV_SUCCESSFUL"],
    "AUTHORIZING": ["PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"],
    "CHARGED": ["PENDING_VBV", "CHARGED"],
    "JUSPAY_DECLINED": ["JUSPAY_DECLINED"],
    "AUTHENTICATION_FAILED": ["PENDING_VBV", "AUTHENTICATION_FAILED"],
    "AUTHORIZATION_FAILED": ["PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZATION_FAILED"],
    "AUTHORIZED": ["PENDING_VBV", "AUTHORIZED"],
    "CAPTURE_INITIATED": ["PENDING_VBV", "AUTHORIZED", "CAPTURE_INITIATED"],
    "CAPTURE_FAILED": ["PENDING_VBV", "AUTHORIZED", "CAPTURE_INITIATED", "CAPTURE_FAILED"],
    "VOID_INITIATED": ["PENDING_VBV", "AUTHORIZED", "VOID_INITIATED"],
    "VOIDED": ["PENDING_VBV", "AUTHORIZED", "VOID_INITIATED", "VOIDED"],
    "VOID_FAILED": ["PENDING_VBV", "AUTHORIZED", "VOID_INITIATED", "VOID_FAILED"],
    "COD_INITIATED": ["COD_INITIATED"],
    "TO_BE_CHARGED": ["TO_BE_CHARGED"],
}

# What a pending status resolves to, with weights. Statuses absent here stay as they are.
FOLLOW_UPS: dict[str, list[tuple[list[str], float]]] = {
    "STARTED": [(["PENDING_VBV", "CHARGED"], 0.7), (["JUSPAY_DECLINED"], 0.3)],
    "PENDING_VBV": [(["CHARGED"], 0.7), (["AUTHENTICATION_FAILED"], 0.3)],
    "VBV_SUCCESSFUL": [(["CHARGED"], 0.8), (["AUTHORIZATION_FAILED"], 0.2)],
    "AUTHORIZING": [(["CHARGED"], 0.8), (["AUTHORIZATION_FAILED"], 0.2)],
    "CAPTURE_INITIATED": [(["CHARGED"], 0.85), (["CAPTURE_FAILED"], 0.15)],
    "VOID_INITIATED": [(["VOIDED"], 0.85), (["VOID_FAILED"], 0.15)],
    "TO_BE_CHARGED": [(["CHARGED"], 1.0)],
}


def payment_stages(status: str, ends_at: float, rng: random.Random, not_before: float) -> list[Stage]:
    """Stages that reach `status` at `ends_at`, earlier ones seconds apart and none before `not_before`."""
    path = PAYMENT_PATHS[status]
    longest = max(1.0, min(90.0, (ends_at - not_before) / len(path)))
    times = [ends_at]
    for _ in path[1:]:
        times.append(times[-1] - rng.uniform(min(5.0, longest), longest))
    return [Stage(round(t), s) for t, s in zip(reversed(times), path, strict=True)]


def resolution(status: str, rng: random.Random, resolve_to: str | None = None) -> list[str]:
    """The statuses a pending payment moves through next (empty when `status` does not resolve)."""
    options = FOLLOW_UPS.get(status)
    if not options:
        return []
    if resolve_to:
        for path, _weight in options:
            if path[-1] == resolve_to:
                return path
        return [resolve_to]
    paths, weights = zip(*options, strict=True)
    return list(rng.choices(paths, weights)[0])


def append_resolution(stages: list[Stage], path: list[str], at: float) -> None:
    for offset, status in enumerate(path):
        stages.append(Stage(round(at) + 20 * offset, status))


def refund_plan(created: float, rng: random.Random, outcome: str | None = None) -> tuple[float, float, str]:
    """(sent_at, resolves_at, outcome): queued up to 15 min, then answered, or manual review at 10 days."""
    outcome = outcome or rng.choices(["SUCCESS", "FAILURE", "MANUAL_REVIEW"], [85, 8, 7])[0]
    sent_at = created + rng.uniform(60, REFUND_QUEUE_MAX)
    resolves_at = created + TEN_DAYS if outcome == "MANUAL_REVIEW" else sent_at + rng.uniform(120, 1800)
    return round(sent_at), round(resolves_at), outcome


# --- Payout fulfillments --------------------------------------------------------------------------------

# A fulfillment plan: the fulfillment's stages and, per payout attempt, that attempt's final statuses.
FULFILLMENT_PLANS: dict[str, list[list[str]]] = {
    "SUCCESS": [["SUCCESS"]],
    "SUCCESS_AFTER_RETRY": [["FAILURE"], ["SUCCESS"]],
    "FAILURE": [["FAILURE"], ["FAILURE"]],
    "REVERSED": [["SUCCESS", "REVERSED"]],
    "CONFLICTED": [["FAILURE", "CONFLICTED"]],
    "MANUAL_REVIEW": [["PENDING", "MANUAL_REVIEW"]],
    "PENDING": [["PENDING", "SUCCESS"]],
    "CREATED": [],
    "CANCELLED": [],
}
FULFILLMENT_OUTCOME = {
    "SUCCESS": "SUCCESS",
    "SUCCESS_AFTER_RETRY": "SUCCESS",
    "FAILURE": "FAILURE",
    "REVERSED": "FAILURE",
    "CONFLICTED": "SUCCESS",
    "MANUAL_REVIEW": "MANUAL_REVIEW",
    "PENDING": "SUCCESS",
}


def payout_txn_stages(start: float, finals: list[str], rng: random.Random, settle_at: float) -> list[Stage]:
    """CREATED → INITIATED → (PENDING) → final statuses; the first final status lands at `settle_at`."""
    stages = [Stage(round(start), "CREATED"), Stage(round(start) + 2, "INITIATED")]
    if finals[0] == "PENDING":
        stages.append(Stage(round(start) + 30, "PENDING"))
        finals = finals[1:]
    for offset, status in enumerate(finals):
        stages.append(Stage(round(settle_at + offset * rng.uniform(3600, 6 * 3600)), status))
    return stages
