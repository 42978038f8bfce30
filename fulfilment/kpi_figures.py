"""The managers' approval figures (ours, not Juspay's), read from the request rollup (fulfilment.kpi_rollups).

A request counts in the period it was raised in (`created_at`, in `KPI_TIME_ZONE`); the queue's size and the
age of its oldest request are as of now, whatever the period. The counts come from the request cells (per local
hour and day: kind, command and state) and the percentiles from the two duration histograms, which read the
`RequestFact` rows of one bucket only (orders.kpi_histograms): the reads grow with the period's days, not with
its requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from dashboard.merchant_scope import MerchantIds, of_merchants
from fulfilment import kpi_rollups
from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders.kpi_figures import Figure, Number
from orders.kpi_histograms import Histogram, day_cells
from orders.kpi_periods import DAY, Period, bucket_starts
from orders.models import KpiBucket


def _facts(period: Period, merchant_id: MerchantIds) -> QuerySet[RequestFact]:
    rows = RequestFact.objects.filter(raised_at__gte=period.start, raised_at__lt=period.end)
    return of_merchants(rows, merchant_id)


@dataclass(frozen=True)
class Numbers:
    """The raw counts and durations of one period."""

    raised: int
    by_state: dict[str, int]
    decision_p50: Number
    decision_p90: Number
    answer_p50: Number
    answer_p90: Number
    decided: int = 0  # requests with a raise-to-decision time
    answered: int = 0  # requests with an approval-to-answer time
    slow_decisions: int = 0  # decided in decision_p90 or longer
    slow_answers: int = 0  # answered in answer_p90 or longer

    def share(self, *states: str, of: tuple[str, ...] | None = None) -> Number:
        whole = self.raised if of is None else sum(self.by_state.get(s, 0) for s in of)
        part = sum(self.by_state.get(s, 0) for s in states)
        return part / whole if whole else None


def numbers(period: Period, merchant_id: MerchantIds) -> Numbers:
    """Raise to decision: to the approval that completed the count, or to the rejection; requests the policy let
    through unapproved, and those nobody decided, are not in it. Approval to answer: to Juspay's answer
    (succeeded or failed). Both p50 and p90 by nearest rank."""
    cells = day_cells(period, merchant_id, kpi_rollups.REQUEST_METRICS)
    by_state: dict[str, int] = {}
    for (_key, state), n in cells.get(kpi_rollups.METRIC_REQUEST, {}).items():
        by_state[state] = by_state.get(state, 0) + n
    rows = _facts(period, merchant_id)
    decided = Histogram.of(cells.get(kpi_rollups.METRIC_DECISION, {}), rows, "decision_seconds")
    answered = Histogram.of(cells.get(kpi_rollups.METRIC_ANSWER, {}), rows, "answer_seconds")
    decision_p50, decision_p90 = decided.nearest_rank(0.5), decided.nearest_rank(0.9)
    answer_p50, answer_p90 = answered.nearest_rank(0.5), answered.nearest_rank(0.9)
    slow_decisions = decided.at_least(decision_p90) if decision_p90 is not None else 0
    slow_answers = answered.at_least(answer_p90) if answer_p90 is not None else 0
    return Numbers(
        raised=sum(by_state.values()),
        by_state=by_state,
        decision_p50=decision_p50,
        decision_p90=decision_p90,
        answer_p50=answer_p50,
        answer_p90=answer_p90,
        decided=decided.count,  # after the percentiles: a histogram that fell back to the rows counts them
        answered=answered.count,
        slow_decisions=slow_decisions,
        slow_answers=slow_answers,
    )


def requests_link(period: Period, merchant: str, **filters: str) -> str:
    """The approvals page listing the requests raised in the period (and matching `filters`, fulfilment.filters)."""
    query = {"raised_after": period.start.isoformat(), "raised_before": period.end.isoformat()}
    if merchant:
        query["merchant"] = merchant
    return reverse("fulfilment:queue") + "?" + urlencode({**query, **filters})


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def raised_series(period: Period, merchant_id: MerchantIds) -> list[Number]:
    """Requests raised per bucket of the period's grain (hours up to two days, else days), from the cells."""
    cells = KpiBucket.objects.filter(
        metric=kpi_rollups.METRIC_REQUEST, grain=period.grain, start__gte=period.start, start__lt=period.end
    )
    cells = of_merchants(cells, merchant_id)
    counts: dict[datetime, int] = dict(cells.values_list("start").annotate(n=Sum("count")).order_by())
    return [float(counts.get(start, 0)) for start in period.buckets()]


@dataclass(frozen=True)
class Series:
    """The approval figures per bucket of the period's grain (the sparklines and the chart's table)."""

    rates: dict[str, list[Number]]  # figure key -> its rate per bucket, from the request cells
    decision_mean: list[Number]  # mean raise-to-decision seconds per bucket (the p50 and p90 tiles show it)
    answer_mean: list[Number]


def _means(period: Period, merchant_id: MerchantIds, metric: str, column: str) -> list[Number]:
    """Mean seconds per bucket: from the histogram's day cells (count, sum of seconds) for a daily period; for an
    hourly one (two days at most) from the period's request facts, which hold one row per request."""
    starts = list(period.buckets())
    index = {start: i for i, start in enumerate(starts)}
    counts, sums = [0] * len(starts), [0.0] * len(starts)
    if period.grain == DAY:
        cells = KpiBucket.objects.filter(metric=metric, grain=DAY, start__gte=period.start, start__lt=period.end)
        cells = of_merchants(cells, merchant_id)
        for start, n, a in cells.values_list("start").annotate(n=Sum("count"), a=Sum("amount")).order_by():
            if (i := index.get(start)) is not None:
                counts[i] += n or 0
                sums[i] += float(a or 0)
    else:
        rows = _facts(period, merchant_id).filter(**{f"{column}__isnull": False})
        for raised_at, seconds in rows.values_list("raised_at", column).iterator():
            if (i := index.get(bucket_starts(raised_at)[0])) is not None:
                counts[i] += 1
                sums[i] += seconds
    return [sums[i] / counts[i] if counts[i] else None for i in range(len(starts))]


def series(period: Period, merchant_id: MerchantIds) -> Series:
    """Rejection, expiry and failure rates per bucket (the request cells of the period's grain, as `numbers`
    counts them for the whole period), and the mean durations."""
    starts = list(period.buckets())
    index = {start: i for i, start in enumerate(starts)}
    by_state: list[dict[str, int]] = [{} for _ in starts]
    cells = KpiBucket.objects.filter(
        metric=kpi_rollups.METRIC_REQUEST, grain=period.grain, start__gte=period.start, start__lt=period.end
    )
    cells = of_merchants(cells, merchant_id)
    for start, state, n in cells.values_list("start", "sub").annotate(n=Sum("count")).order_by():
        if (i := index.get(start)) is not None:
            by_state[i][state] = by_state[i].get(state, 0) + (n or 0)

    def rate(state: str, of: tuple[str, ...] | None) -> list[Number]:
        out: list[Number] = []
        for counts in by_state:
            whole = sum(counts.values()) if of is None else sum(counts.get(s, 0) for s in of)
            out.append(counts.get(state, 0) / whole if whole else None)
        return out

    return Series(
        rates={
            "rejection_rate": rate(ActionState.REJECTED, DECIDED),
            "expiry_rate": rate(ActionState.EXPIRED, None),
            "failure_rate": rate(ActionState.FAILED, ANSWERED),
        },
        decision_mean=_means(period, merchant_id, kpi_rollups.METRIC_DECISION, "decision_seconds"),
        answer_mean=_means(period, merchant_id, kpi_rollups.METRIC_ANSWER, "answer_seconds"),
    )


@dataclass(frozen=True)
class Queue:
    size: int
    oldest: datetime | None

    @property
    def oldest_age_seconds(self) -> Number:
        return (timezone.now() - self.oldest).total_seconds() if self.oldest else None


def queue_now(merchant_id: MerchantIds) -> Queue:
    """Requests waiting for approval now: the approvals queue's pending requests (one past its expiry stays until
    the expiry sweep, every APPROVAL_EXPIRY_SWEEP_SECONDS, moves it), and when the oldest of them was raised."""
    rows = ActionRequest.objects.filter(state=ActionState.PENDING)
    rows = of_merchants(rows, merchant_id)
    oldest = rows.order_by("created_at").values_list("created_at", flat=True).first()
    return Queue(rows.count(), oldest)


DECIDED: tuple[str, ...] = (
    ActionState.APPROVED,
    ActionState.SENDING,
    ActionState.SUCCEEDED,
    ActionState.FAILED,
    ActionState.UNRESOLVED,
    ActionState.REJECTED,
)
ANSWERED: tuple[str, ...] = (ActionState.SUCCEEDED, ActionState.FAILED)


def approvals(period: Period, previous: Period | None, merchant_id: MerchantIds, merchant: str = "") -> list[Figure]:
    """The approval tiles; `merchant` (the code of `merchant_id`) goes into their links to the requests behind."""
    now = numbers(period, merchant_id)
    old = numbers(previous, merchant_id) if previous is not None else None
    compared = old is not None
    slow_decisions, slow_answers = now.slow_decisions, now.slow_answers

    def link(**filters: str) -> str:
        return requests_link(period, merchant, **filters)

    def share(state: str, whole: int) -> dict[str, str]:
        part = now.by_state.get(state, 0)
        return {"link": link(request_state=state), "detail": f"{part:,} of {whole:,}"} if whole else {}

    decided_states = sum(now.by_state.get(s, 0) for s in DECIDED)
    answered_states = sum(now.by_state.get(s, 0) for s in ANSWERED)
    links: dict[str, dict[str, str]] = {
        "decision_p50": {"link": link(decided="true"), "detail": f"of {_n(now.decided, 'decided request')}"}
        if now.decided
        else {},
        "decision_p90": {
            "link": link(decided="true", decision_min=str(int(now.decision_p90))),
            "detail": f"{_n(slow_decisions, 'request')} at p90 or slower",
        }
        if now.decision_p90 is not None
        else {},
        "answer_p50": {"link": link(answered="true"), "detail": f"of {_n(now.answered, 'answered request')}"}
        if now.answered
        else {},
        "answer_p90": {
            "link": link(answered="true", answer_min=str(int(now.answer_p90))),
            "detail": f"{_n(slow_answers, 'request')} at p90 or slower",
        }
        if now.answer_p90 is not None
        else {},
        "rejection_rate": share(ActionState.REJECTED, decided_states),
        "expiry_rate": share(ActionState.EXPIRED, now.raised),
        "failure_rate": share(ActionState.FAILED, answered_states),
    }

    per = series(period, merchant_id)
    per_bucket: dict[str, list[Number]] = per.rates | {
        "decision_p50": per.decision_mean,
        "decision_p90": per.decision_mean,
        "answer_p50": per.answer_mean,
        "answer_p90": per.answer_mean,
    }

    def fig(key: str, label: str, unit: str, better: str, definition: str, value: Number, before: Number) -> Figure:
        more = links.get(key, {})
        return Figure(
            key,
            label,
            unit,
            value,
            definition,
            previous=before,
            compared=compared,
            better=better,
            series=tuple(per_bucket[key]),
            link=more.get("link", ""),
            detail=more.get("detail", ""),
        )

    doc = numbers.__doc__ or ""
    return [
        Figure(
            "requests_raised",
            "Requests raised",
            "count",
            float(now.raised),
            "Requests raised: refunds and Fulfilment Sync commands raised in the period, whatever became of them.",
            previous=float(old.raised) if old else None,
            compared=compared,
            better="",
            series=tuple(raised_series(period, merchant_id)),
            link=link(),
        ),
        fig(
            "decision_p50",
            "Raise to decision p50",
            "duration",
            "down",
            doc,
            now.decision_p50,
            old.decision_p50 if old else None,
        ),
        fig(
            "decision_p90",
            "Raise to decision p90",
            "duration",
            "down",
            doc,
            now.decision_p90,
            old.decision_p90 if old else None,
        ),
        fig(
            "answer_p50",
            "Approval to Juspay's answer p50",
            "duration",
            "down",
            doc,
            now.answer_p50,
            old.answer_p50 if old else None,
        ),
        fig(
            "answer_p90",
            "Approval to Juspay's answer p90",
            "duration",
            "down",
            doc,
            now.answer_p90,
            old.answer_p90 if old else None,
        ),
        fig(
            "rejection_rate",
            "Rejection rate",
            "percent",
            "down",
            "Rejection rate: rejected over the requests raised in the period that people decided on.",
            now.share(ActionState.REJECTED, of=DECIDED),
            old.share(ActionState.REJECTED, of=DECIDED) if old else None,
        ),
        fig(
            "expiry_rate",
            "Expiry rate",
            "percent",
            "down",
            "Expiry rate: expired unapproved over every request raised in the period.",
            now.share(ActionState.EXPIRED),
            old.share(ActionState.EXPIRED) if old else None,
        ),
        fig(
            "failure_rate",
            "Failure rate",
            "percent",
            "down",
            "Failure rate: failed over the requests raised in the period that Juspay answered (succeeded or failed).",
            now.share(ActionState.FAILED, of=ANSWERED),
            old.share(ActionState.FAILED, of=ANSWERED) if old else None,
        ),
        *queue_figures(merchant_id, merchant),
    ]


def queue_figures(merchant_id: MerchantIds, merchant: str = "") -> list[Figure]:
    queue = queue_now(merchant_id)
    pending = reverse("fulfilment:queue")
    if merchant_id is not None and merchant:
        pending += "?" + urlencode({"request_state": ActionState.PENDING, "merchant": merchant})
    return [
        Figure(
            "queue_size",
            "Waiting for approval now",
            "count",
            float(queue.size),
            queue_now.__doc__ or "",
            better="",
            link=pending,
        ),
        Figure(
            "queue_oldest",
            "Oldest waiting request",
            "duration",
            queue.oldest_age_seconds,
            "Oldest waiting request: how long ago the oldest request still waiting for approval was raised.",
            better="",
            link=pending if queue.size else "",
        ),
    ]


@dataclass(frozen=True)
class CommandRow:
    command: str
    state: str
    count: int


def commands(period: Period, merchant_id: MerchantIds) -> list[CommandRow]:
    """Fulfilment Sync commands raised in the period, by command and where they stand (our request state)."""
    counts: dict[tuple[str, str], int] = {}
    for (key, state), n in day_cells(period, merchant_id, [kpi_rollups.METRIC_REQUEST])[
        kpi_rollups.METRIC_REQUEST
    ].items():
        kind, command = kpi_rollups.kind_and_command(key)
        if kind == ActionKind.FULFILMENT:
            counts[(command, state)] = counts.get((command, state), 0) + n
    return [CommandRow(command, state, n) for (command, state), n in sorted(counts.items())]
