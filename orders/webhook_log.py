"""The received webhooks as Admin reads them: whether each refresh happened, is being retried or was given up, and
what in each body did not fit (its parse problems). Personal data is masked, as on the order page's raw answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from dashboard.merchant_scope import Viewer
from orders import masking, webhooks
from orders.models import WebhookEvent

LIST_LIMIT = 200

STATES: dict[str, str] = {
    "": "All",
    "pending": "Waiting or retrying",
    "given_up": "Given up",
    "problems": "With parse problems",
    "processed": "Refreshed",
}


@dataclass(frozen=True)
class WebhookRow:
    event: WebhookEvent
    state: str  # refreshed | retrying | waiting | given up
    problem_count: int


@dataclass(frozen=True)
class WebhookList:
    rows: list[WebhookRow]
    state: str
    states: dict[str, str]
    limit: int


@dataclass(frozen=True)
class Problem:
    path: str
    value: str  # as sent, JSON, masked when personal
    problem: str


@dataclass(frozen=True)
class WebhookDetail:
    event: WebhookEvent
    state: str
    problems: list[Problem]
    payload: str  # the body, indented JSON, personal data masked
    max_attempts: int


def state_of(event: WebhookEvent) -> str:
    if event.processed_at:
        return "kept, nothing to refresh" if event.error else "refreshed"
    if event.next_attempt_at is None and event.attempts:
        return "given up"
    return "retrying" if event.attempts else "waiting"


def _filtered(state: str, viewer: Viewer) -> QuerySet[WebhookEvent]:
    events = WebhookEvent.objects.visible_to(viewer).select_related("merchant").order_by("-received_at", "-pk")
    if state == "pending":
        return events.filter(processed_at__isnull=True, next_attempt_at__isnull=False)
    if state == "given_up":
        return events.filter(processed_at__isnull=True, next_attempt_at__isnull=True)
    if state == "problems":
        return events.filter(~Q(parse_problems=[]))
    if state == "processed":
        return events.filter(processed_at__isnull=False)
    return events


def webhook_list(state: str, *, viewer: Viewer) -> WebhookList:
    state = state if state in STATES else ""
    events = list(_filtered(state, viewer).defer("payload", "raw_body")[:LIST_LIMIT])
    rows = [WebhookRow(e, state_of(e), len(e.parse_problems or [])) for e in events]
    return WebhookList(rows=rows, state=state, states=STATES, limit=LIST_LIMIT)


def _flatten_personal(data: Any) -> Any:
    """A personal field sent as an object or list (a misfit) becomes its JSON text, so masking covers it too."""
    if isinstance(data, dict):
        return {
            key: json.dumps(value, ensure_ascii=False, default=str)
            if key in masking.PII_KEYS and isinstance(value, dict | list)
            else _flatten_personal(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_flatten_personal(item) for item in data]
    return data


def _masked(data: Any) -> Any:
    return masking.mask_json(_flatten_personal(data))


def _masked_value(path: str, value: Any) -> str:
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    shown = _masked({key: value})[key] if key else _masked(value)
    return "" if shown is None else json.dumps(shown, ensure_ascii=False, default=str)


def webhook_detail(event: WebhookEvent) -> WebhookDetail:
    problems = []
    for item in event.parse_problems or []:
        if isinstance(item, dict):
            path = str(item.get("path", ""))
            problems.append(Problem(path, _masked_value(path, item.get("value")), str(item.get("problem", ""))))
    payload = json.dumps(_masked(event.payload), indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return WebhookDetail(
        event=event, state=state_of(event), problems=problems, payload=payload, max_attempts=webhooks.MAX_ATTEMPTS
    )
