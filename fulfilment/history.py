"""The request page's History as sentences about this one request ("Sam raised this refund of ₹1,200.00",
"Asha approved it (1 of 2)", "Sent to Juspay"), as fulfilment.story tells the same events on the order's
timeline. A kind it does not know is shown readably ("Reopened by sam"), never as the raw `action.reopened`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fulfilment import services
from fulfilment.events import KINDS
from fulfilment.models import ActionKind, ActionRequest
from orders.models import TimelineEvent


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    sentence: str


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(event: TimelineEvent) -> str:
    if not (event.actor_id and event.actor):
        return ""
    return event.actor.get_full_name() or event.actor.get_username()


def _what(req: ActionRequest) -> str:
    what = services.describe(req)
    return what if req.kind == ActionKind.REFUND else f"Fulfilment Sync command {what}"


def _quoted(data: Mapping[str, Any], key: str = "comment") -> str:
    text = str(data.get(key) or "")
    return f": “{text}”" if text else ""


def _needs(data: Mapping[str, Any]) -> str:
    needed = data.get("approvals_needed")
    if not isinstance(needed, int) or isinstance(needed, bool):
        return ""
    return " (no approval needed)" if needed == 0 else f" ({needed} approval{'s' if needed != 1 else ''} needed)"


def readable_kind(kind: str) -> str:
    """`action.re_opened` -> "Re opened": the last part of a kind we have no sentence for, in words."""
    last = kind.rpartition(".")[2] or kind
    return _first_upper(last.replace("_", " ").replace("-", " ").strip() or "Something happened")


def sentence(req: ActionRequest, event: TimelineEvent) -> str:
    data: Mapping[str, Any] = event.data if isinstance(event.data, Mapping) else {}
    who = _first_upper(_who(event))
    someone = who or "Someone"
    kind = event.kind
    if kind == "action.raised":
        return f"{someone} raised this {_what(req)}{_needs(data)}{_quoted(data)}"
    if kind == "action.approved":
        count = f" ({data.get('approvals')} of {data.get('required')})" if data.get("required") else ""
        return f"{someone} approved it{count}{_quoted(data)}"
    if kind == "action.rejected":
        return f"{someone} rejected it{_quoted(data)}"
    if kind == "action.cancelled":
        return f"{someone} cancelled it{_quoted(data)}"
    if kind == "action.expired":
        return "It expired before anyone approved it"
    if kind == "action.sent":
        attempt = data.get("attempt")
        again = f" (attempt {attempt})" if isinstance(attempt, int) and attempt > 1 else ""
        return f"Sent to Juspay{again}"
    if kind == "action.succeeded":
        result = str(data.get("result") or "")
        return "Juspay accepted it" + (f": {result}" if result else "")
    if kind == "action.failed":
        error = str(data.get("error") or "")
        return "Juspay refused it" + (f": {error}" if error else "")
    if kind == "action.unresolved":
        reason = str(data.get("reason") or "")
        return "Outcome unknown: a person must check with Juspay" + (f" ({reason})" if reason else "")
    known = KINDS.get(kind)
    told = known or readable_kind(kind)
    return told + (f" by {_who(event)}" if who else "") + _quoted(data)


def lines(req: ActionRequest, events: list[TimelineEvent]) -> list[HistoryLine]:
    """The request's events, oldest first, each as a sentence (no query: the caller selects the actors)."""
    return [HistoryLine(e.at, sentence(req, e)) for e in events]
