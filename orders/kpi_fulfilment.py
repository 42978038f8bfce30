"""The managers' fulfilment figures: do paid orders get fulfilled on time, and do payout orders get stuck?

Read from the rollups only: the cells of the charged orders (orders.rollups.CHARGED_METRICS: per local hour
and day, how many were charged and are still open or fulfilled, and a day histogram of their times to fulfil)
and, inside one histogram bucket or one hour, the `ChargedOrder` rows (one per CHARGED order: when it was
charged and when its first successful Fulfilment Sync command finished, orders.rollups and
fulfilment.kpi_rollups keep it), plus the payout cells of `KpiBucket`. So a figure reads the period's days times
the histogram's buckets, never the period's orders. A charged order counts in the period it was *charged* in
(local days of KPI_TIME_ZONE). The target is `KPI_FULFILMENT_TARGET_HOURS` (48 h by default); the payout age
`KPI_PAYOUT_PENDING_DAYS`.

Every figure's link opens the orders (or payouts) list filtered to exactly its rows: the list's hidden
`charged_from`/`charged_to`/`fulfilled`/`fulfil_min`/`fulfil_max` filters (orders.filters) take the same
instants and seconds as the figure, so the counts match.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from dashboard.juspay.enums import PayoutOrderStatus
from dashboard.merchant_scope import MerchantIds, of_merchants
from orders import rollups
from orders.kpi_figures import Figure, Number
from orders.kpi_histograms import Histogram, day_cells
from orders.kpi_periods import DAY, HOUR, Period, bucket_starts, zone
from orders.models import ChargedOrder, KpiBucket

PENDING_PAYOUT = tuple(s.value for s in PayoutOrderStatus if s.outcome == "pending")
OVERDUE_SHOWN = 100  # the page lists the oldest this many; the CSV has them all


def current_time() -> datetime:
    """Now, as the figures see it (one place, so a test can move it without moving the request's clock)."""
    return timezone.now()


def target_seconds() -> int:
    return int(settings.KPI_FULFILMENT_TARGET_HOURS * 3600)


def target_text() -> str:
    hours = settings.KPI_FULFILMENT_TARGET_HOURS
    return f"{hours:g} h"


def _charged(period: Period, merchant_id: MerchantIds, end: datetime | None = None) -> QuerySet[ChargedOrder]:
    rows = ChargedOrder.objects.filter(charged_at__gte=period.start, charged_at__lt=end or period.end)
    return of_merchants(rows, merchant_id)


def overdue_cutoff(period: Period, now: datetime) -> datetime:
    """Orders charged before this instant (and in the period) are past the target now."""
    return min(period.end, now - timedelta(seconds=target_seconds()))


@dataclass(frozen=True)
class Fulfilment:
    """The period's charged orders and their fulfilment, as of `now`."""

    fulfilled: int  # with a successful Fulfilment Sync command
    p50: Number  # seconds from charged to that command (nearest rank)
    p90: Number
    slow: int  # fulfilled at p90 or slower
    within: int  # fulfilled within the target
    overdue: int  # no fulfilment, and charged longer ago than the target
    cutoff: datetime  # charged before this (and unfulfilled) = overdue

    @property
    def decided(self) -> int:
        """Orders whose target is settled: fulfilled (in time or late), or unfulfilled past it."""
        return self.fulfilled + self.overdue

    @property
    def within_share(self) -> Number:
        return self.within / self.decided if self.decided else None


def fulfilment(period: Period, merchant_id: MerchantIds, *, now: datetime | None = None) -> Fulfilment:
    """Time to fulfil: from a CHARGED order's charge to its first successful Fulfilment Sync command (sent with
    status SUCCESS and accepted by Juspay), over the period's charged orders that have one; p50 and p90 by
    nearest rank. Within target: of the period's charged orders whose target is settled (fulfilled, or
    unfulfilled longer than the target), the share fulfilled within it. Unfulfilled after the target: charged
    orders of the period with no successful command, charged longer ago than the target."""
    now = now or current_time()
    cells = day_cells(period, merchant_id, [rollups.METRIC_FULFIL_TIME])
    times = Histogram.of(cells.get(rollups.METRIC_FULFIL_TIME, {}), _charged(period, merchant_id), "fulfil_seconds")
    p50, p90 = times.nearest_rank(0.5), times.nearest_rank(0.9)
    slow = times.at_least(p90) if p90 is not None else 0
    within = times.at_most(target_seconds()) if p50 is not None else 0
    fulfilled = times.count  # last: a histogram that fell back to the rows on the way counts them
    cutoff = overdue_cutoff(period, now)
    overdue = open_before(period, merchant_id, cutoff) if cutoff > period.start else 0
    return Fulfilment(fulfilled, p50, p90, slow, within, overdue, cutoff)


@dataclass(frozen=True)
class Series:
    """The fulfilment figures per bucket of the period's grain (the sparklines and the charts' tables), from the
    charged cells of that grain: the mean time to fulfil (the sum of the fulfilled cells' seconds over their count;
    the p50 and p90 tiles show it, as the refund turnaround tiles show the mean turnaround), the share fulfilled
    within the target, and the orders unfulfilled after it."""

    mean: list[Number]
    within_share: list[Number]
    overdue: list[Number]


def series(period: Period, merchant_id: MerchantIds, f: Fulfilment) -> Series:
    """Per bucket, as `fulfilment` counts the whole period: a bucket wholly charged before the cutoff counts its
    open orders as overdue, the bucket the cutoff falls in the rest of `f.overdue`, later buckets none."""
    starts = list(period.buckets())
    index = {start: i for i, start in enumerate(starts)}
    size = len(starts)
    fulfilled, seconds, within, opened = [0] * size, [0.0] * size, [0] * size, [0] * size
    cells = KpiBucket.objects.filter(
        metric=rollups.METRIC_CHARGED, grain=period.grain, start__gte=period.start, start__lt=period.end
    )
    cells = of_merchants(cells, merchant_id)
    grouped = cells.values_list("start", "key", "sub").annotate(n=Sum("count"), a=Sum("amount")).order_by()
    for start, key, sub, n, a in grouped:
        i = index.get(start)
        if i is None:
            continue
        if key == "open":
            opened[i] += n or 0
        else:
            fulfilled[i] += n or 0
            seconds[i] += float(a or 0)
            within[i] += (n or 0) if sub == rollups.FULFILLED_IN else 0
    ends = starts[1:] + [period.end]
    overdue = [0] * size
    straddling = None
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        if end <= f.cutoff:
            overdue[i] = opened[i]
        elif start < f.cutoff:
            straddling = i
    if straddling is not None:
        overdue[straddling] = max(0, f.overdue - sum(overdue))
    return Series(
        mean=[seconds[i] / fulfilled[i] if fulfilled[i] else None for i in range(size)],
        within_share=[
            within[i] / (fulfilled[i] + overdue[i]) if fulfilled[i] + overdue[i] else None for i in range(size)
        ],
        overdue=[float(n) for n in overdue],
    )


def open_before(period: Period, merchant_id: MerchantIds, cutoff: datetime) -> int:
    """How many of the period's charged orders, charged before `cutoff`, have no fulfilment: the open cells of the
    whole local days before the cutoff's day, of that day's whole hours before it, and the rows of its hour."""
    hour, day = bucket_starts(cutoff)
    cells = KpiBucket.objects.filter(metric=rollups.METRIC_CHARGED, key="open").filter(
        Q(grain=DAY, start__gte=period.start, start__lt=day) | Q(grain=HOUR, start__gte=day, start__lt=hour)
    )
    cells = of_merchants(cells, merchant_id)
    n = int(cells.aggregate(n=Sum("count"))["n"] or 0)
    if hour < cutoff:
        rows = ChargedOrder.objects.filter(charged_at__gte=max(hour, period.start), charged_at__lt=cutoff)
        rows = rows.filter(fulfilled_at__isnull=True)
        n += of_merchants(rows, merchant_id).count()
    return n


def _overdue(period: Period, merchant_id: MerchantIds, cutoff: datetime) -> QuerySet[ChargedOrder]:
    return _charged(period, merchant_id, end=cutoff).filter(fulfilled_at__isnull=True)


def charged_link(period: Period, merchant: str, *, end: datetime | None = None, **filters: str) -> str:
    """The orders list of the orders charged in [period start, `end` or period end) (and matching `filters`)."""
    query = {
        "period": "all",
        "charged_from": period.start.isoformat(),
        "charged_to": (end or period.end).isoformat(),
    }
    if merchant:
        query["merchant"] = merchant
    return reverse("orders:list") + "?" + urlencode({**query, **filters})


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def figures(period: Period, previous: Period | None, merchant_id: MerchantIds, merchant: str) -> list[Figure]:
    now = current_time()
    f = fulfilment(period, merchant_id, now=now)
    old = fulfilment(previous, merchant_id, now=now) if previous is not None else None
    compared = old is not None
    doc = fulfilment.__doc__ or ""
    target = target_text()
    per = series(period, merchant_id, f)
    fulfilled = charged_link(period, merchant, fulfilled="true")
    return [
        Figure(
            "fulfil_p50",
            "Charged to fulfilment p50",
            "duration",
            f.p50,
            doc,
            previous=old.p50 if old else None,
            compared=compared,
            better="down",
            series=tuple(per.mean),
            link=fulfilled if f.fulfilled else "",
            detail=f"of {_plural(f.fulfilled, 'fulfilled order')}" if f.fulfilled else "",
        ),
        Figure(
            "fulfil_p90",
            "Charged to fulfilment p90",
            "duration",
            f.p90,
            doc,
            previous=old.p90 if old else None,
            compared=compared,
            better="down",
            series=tuple(per.mean),
            link=charged_link(period, merchant, fulfilled="true", fulfil_min=str(int(f.p90)))
            if f.p90 is not None
            else "",
            detail=f"{_plural(f.slow, 'order')} at p90 or slower" if f.p90 is not None else "",
        ),
        Figure(
            "fulfil_within_target",
            f"Fulfilled within {target}",
            "percent",
            f.within_share,
            doc,
            previous=old.within_share if old else None,
            compared=compared,
            better="up",
            series=tuple(per.within_share),
            link=charged_link(period, merchant, fulfilled="true", fulfil_max=str(target_seconds()))
            if f.decided
            else "",
            detail=f"{f.within:,} of {f.decided:,} orders" if f.decided else "",
        ),
        Figure(
            "fulfil_overdue",
            f"Not fulfilled after {target}",
            "count",
            float(f.overdue),
            doc,
            previous=float(old.overdue) if old else None,
            compared=compared,
            better="down",
            series=tuple(per.overdue),
            link=charged_link(period, merchant, end=f.cutoff, fulfilled="false") if f.overdue else "",
            detail=f"charged before {timezone.localtime(f.cutoff, zone()):%d %b %H:%M}" if f.overdue else "",
        ),
        payout_pending_figure(merchant_id, merchant, now=now),
    ]


# --- the unfulfilled orders, with their ages ----------------------------------------------------------


@dataclass(frozen=True)
class OverdueRow:
    order_id: str
    merchant: str
    charged_at: datetime
    age_seconds: float
    link: str


def overdue_rows(
    period: Period, merchant_id: MerchantIds, *, now: datetime | None = None, limit: int | None = OVERDUE_SHOWN
) -> Iterator[OverdueRow]:
    """The period's charged orders not fulfilled after the target, oldest first (the first `limit`, or all)."""
    now = now or current_time()
    cutoff = overdue_cutoff(period, now)
    if cutoff <= period.start:
        return
    ordered = _overdue(period, merchant_id, cutoff).order_by("charged_at", "order_id")
    rows = ordered.values_list("order__order_id", "merchant__code", "charged_at")
    detail = reverse("orders:detail", args=["__order__"])
    for order_id, code, charged_at in rows[:limit] if limit is not None else rows.iterator(chunk_size=2000):
        link = detail.replace("__order__", order_id) + "?" + urlencode({"merchant": code})
        yield OverdueRow(order_id, code, charged_at, (now - charged_at).total_seconds(), link)


# --- payout orders still pending ----------------------------------------------------------------------


def payout_cutoff(now: datetime) -> datetime:
    """Payout orders created before this instant are pending too long: the start of the local hour that is
    KPI_PAYOUT_PENDING_DAYS ago (the rollup's hours; the figure and its list both stop there)."""
    return bucket_starts(now - timedelta(days=settings.KPI_PAYOUT_PENDING_DAYS))[0]


def payout_pending(merchant_id: MerchantIds, *, now: datetime | None = None) -> tuple[int, datetime]:
    """Payout orders pending too long: those whose status is still a pending one of Juspay's payout table
    (CREATED, READY_FOR_..., ..._SCHEDULED, FULFILLED_PARTIALLY) and that were created (`createdAt`) more than
    KPI_PAYOUT_PENDING_DAYS ago, as of now, whatever the period. From the payout cells: whole local days before
    the cutoff's day, then that day's hours before the cutoff."""
    cutoff = payout_cutoff(now or current_time())
    day = bucket_starts(cutoff)[1]
    rows = KpiBucket.objects.filter(metric=rollups.METRIC_PAYOUT, key__in=PENDING_PAYOUT).filter(
        Q(grain=DAY, start__lt=day) | Q(grain=HOUR, start__gte=day, start__lt=cutoff)
    )
    rows = of_merchants(rows, merchant_id)
    return int(rows.aggregate(n=Sum("count"))["n"] or 0), cutoff


def payout_pending_figure(merchant_id: MerchantIds, merchant: str, *, now: datetime | None = None) -> Figure:
    n, cutoff = payout_pending(merchant_id, now=now)
    days = settings.KPI_PAYOUT_PENDING_DAYS
    query = {"created_before": cutoff.isoformat(), "pending": "true"}
    if merchant:
        query["merchant"] = merchant
    return Figure(
        "payout_pending",
        f"Payout orders pending over {days:g} days",
        "count",
        float(n),
        payout_pending.__doc__ or "",
        better="",
        link=reverse("orders:payout_list") + "?" + urlencode(query),
        detail=f"created before {timezone.localtime(cutoff, zone()):%d %b %H:%M}, now",
    )
