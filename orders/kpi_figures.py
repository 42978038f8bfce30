"""The managers' payment and refund figures, read from the rollups (orders.rollups), never from the orders table.

Every figure counts what happened in the period's local days of `KPI_TIME_ZONE` (orders.kpi_periods): an order
at Juspay's `date_created`, a refund at its `created`. Amounts are summed as Juspay states them, without
conversion: each merchant account takes one currency (Juspay's Order Status carries the order's `currency`;
it documents no conversion, and we make none). A rate whose denominator is zero has no value ("–"), never 0 %.
Each figure's `link` opens the orders list filtered to exactly the orders it counts (orders.filters' hidden
KPI filters), so the list's count is the figure (for refund counts: the orders the refunds are on).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, QuerySet, Sum
from django.urls import reverse

from dashboard.juspay.enums import OrderStatus
from dashboard.merchant_scope import MerchantIds, of_merchants
from dashboard.money_format import format_money
from orders import rollups
from orders.kpi_periods import HOUR, Period
from orders.models import KpiBucket, RefundTurnaround

TERMINAL = frozenset(s.value for s in OrderStatus if s.terminal)  # Juspay's status table (dashboard.juspay.enums)
Number = float | None


@dataclass(frozen=True)
class Figure:
    """One tile: its value in the period, in the comparison period, the series of its sparkline, and its rows."""

    key: str
    label: str
    unit: str  # count | money | percent | duration (seconds)
    value: Number
    definition: str
    previous: Number = None
    compared: bool = False
    better: str = "up"  # up | down | "" (neither is better)
    series: tuple[Number, ...] = ()
    link: str = ""
    detail: str = ""

    @property
    def delta(self) -> Number:
        if not self.compared or self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def delta_ratio(self) -> Number:
        """The change relative to the comparison value (None when that is 0 or missing)."""
        delta = self.delta
        if delta is None or not self.previous:
            return None
        return delta / abs(self.previous)

    @property
    def trend(self) -> str:
        """good | bad | same | "" (no comparison or no preference): the colour of the delta."""
        delta = self.delta
        if delta is None:
            return ""
        if delta == 0:
            return "same"
        if not self.better:
            return ""
        return "good" if (delta > 0) == (self.better == "up") else "bad"


Match = Callable[[str, str], bool]


def _any(key: str, sub: str) -> bool:
    return True


@dataclass
class Cells:
    """The rollup cells of one period, by metric: per (key, sub), the count and amount of every bucket."""

    period: Period
    size: int = 0
    cells: dict[str, dict[tuple[str, str], tuple[list[int], list[Decimal]]]] = field(default_factory=dict)

    def total(self, metric: str, match: Match = _any) -> tuple[int, Decimal]:
        n, a = 0, Decimal(0)
        for (key, sub), (counts, amounts) in self.cells.get(metric, {}).items():
            if match(key, sub):
                n += sum(counts)
                a += sum(amounts, Decimal(0))
        return n, a

    def series(self, metric: str, match: Match = _any) -> list[tuple[int, Decimal]]:
        counts_out = [0] * self.size
        amounts_out = [Decimal(0)] * self.size
        for (key, sub), (counts, amounts) in self.cells.get(metric, {}).items():
            if match(key, sub):
                for i, (c, a) in enumerate(zip(counts, amounts, strict=True)):
                    if c or a:
                        counts_out[i] += c
                        amounts_out[i] += a
        return list(zip(counts_out, amounts_out, strict=True))

    def keys(self, metric: str) -> set[str]:
        return {key for key, _sub in self.cells.get(metric, {})}


SERIES_METRICS = (
    rollups.METRIC_ORDER,
    rollups.METRIC_REFUND,
    rollups.METRIC_REFUNDED,
    rollups.METRIC_TURNAROUND,
    rollups.METRIC_SPLIT,
    rollups.METRIC_PAYOUT,
    rollups.METRIC_PAYOUT_FULFILMENT,
    rollups.METRIC_PAYOUT_DONE,
)  # the sparklines' metrics


def read_cells(period: Period, merchant_id: MerchantIds, *, series: bool = True) -> Cells:
    """The period's cells of its grain, summed over merchants unless one is given: per bucket for the metrics
    that have sparklines (when `series`), as one total for the rest. Two grouped queries over the rollup."""
    index = {start: i for i, start in enumerate(period.buckets())}
    rows = KpiBucket.objects.filter(grain=period.grain, start__gte=period.start, start__lt=period.end)
    rows = of_merchants(rows, merchant_id)
    size = len(index)
    cells = Cells(period, size)
    per_bucket = SERIES_METRICS if series else ()
    grouped = rows.filter(metric__in=per_bucket).values_list("start", "metric", "key", "sub")
    for start, metric, key, sub, n, a in grouped.annotate(n=Sum("count"), a=Sum("amount")).order_by():
        i = index.get(start)
        if i is None:  # a bucket of another zone's day (KPI_TIME_ZONE changed without rebuild_kpis)
            continue
        counts, amounts = cells.cells.setdefault(metric, {}).setdefault((key, sub), ([0] * size, [Decimal(0)] * size))
        counts[i] += n or 0
        amounts[i] += a or Decimal(0)
    totals = rows.filter(metric__in=[m for m in rollups.METRICS if m not in per_bucket]).values_list(
        "metric", "key", "sub"
    )
    for metric, key, sub, n, a in totals.annotate(n=Sum("count"), a=Sum("amount")).order_by():
        cells.cells.setdefault(metric, {})[(key, sub)] = ([n or 0], [a or Decimal(0)])
    return cells


def _ratio(part: float, whole: float) -> Number:
    return part / whole if whole else None


def orders_link(period: Period, merchant: str, **filters: str) -> str:
    """The orders list of the orders created in the period (and matching `filters`)."""
    query = {"period": "all", "created_after": period.start.isoformat(), "created_before": period.end.isoformat()}
    return _link(query, merchant, filters)


def refunds_link(period: Period, merchant: str, **filters: str) -> str:
    """The orders list of the orders with a refund raised in the period (and matching `filters`)."""
    query = {"period": "all", "refund_from": period.start.isoformat(), "refund_to": period.end.isoformat()}
    return _link(query, merchant, filters)


def _link(query: dict[str, str], merchant: str, filters: dict[str, str]) -> str:
    if merchant:
        query["merchant"] = merchant
    return reverse("orders:list") + "?" + urlencode({**query, **filters})


def _is(status: str) -> Callable[[str, str], bool]:
    return lambda key, sub: key == status


def _terminal(key: str, sub: str) -> bool:
    return key in TERMINAL


@dataclass(frozen=True)
class Breakdown:
    """One row of a breakdown table (payment method, gateway, failure reason)."""

    name: str
    orders: int
    charged: int
    success_rate: Number
    charged_amount: Decimal
    link: str


@dataclass(frozen=True)
class OfferRow:
    """An offer code's offers on the period's orders: all of them, those redeemed (AVAILED, Juspay's "Offer was
    redeemed") and the discount those gave (the sum of their benefits' `amount`)."""

    code: str
    offers: int
    redeemed: int
    discount: Decimal
    link: str


@dataclass(frozen=True)
class VendorRow:
    """A split settlement vendor on the period's CHARGED orders: how many orders, and its `amount` on them."""

    vendor: str
    orders: int
    amount: Decimal


@dataclass(frozen=True)
class Payments:
    figures: list[Figure]
    methods: list[Breakdown]
    gateways: list[Breakdown]
    failures: list[Breakdown]
    offers: list[OfferRow] = field(default_factory=list)
    vendors: list[VendorRow] = field(default_factory=list)


def _figure(
    key: str,
    label: str,
    unit: str,
    definition: str,
    value: Callable[[Cells], Number],
    bucket: Callable[[Cells], list[Number]],
    cells: Cells,
    previous: Cells | None,
    **more: str,
) -> Figure:
    return Figure(
        key=key,
        label=label,
        unit=unit,
        definition=definition,
        value=value(cells),
        previous=value(previous) if previous is not None else None,
        compared=previous is not None,
        series=tuple(bucket(cells)),
        **more,
    )


def orders_count(cells: Cells) -> Number:
    """Orders: every order created in the period, whatever its status (an unknown status included)."""
    return float(cells.total(rollups.METRIC_ORDER)[0])


def success_rate(cells: Cells) -> Number:
    """Success rate: CHARGED orders over the orders that reached a terminal status (Juspay's status table:
    CHARGED, the failures, AUTO_REFUNDED, ...). Open and unknown statuses are in neither count."""
    charged = cells.total(rollups.METRIC_ORDER, _is("CHARGED"))[0]
    return _ratio(charged, cells.total(rollups.METRIC_ORDER, _terminal)[0])


def charged_amount(cells: Cells) -> Number:
    """Charged amount: what the customers of the period's CHARGED orders paid (effective_amount, else amount)."""
    return float(cells.total(rollups.METRIC_ORDER, _is("CHARGED"))[1])


def split_share(cells: Cells) -> Number:
    """Split settlement: of the period's CHARGED orders, the share whose Order Status says `split_applied`
    (split_settlement_response)."""
    return _ratio(cells.total(rollups.METRIC_SPLIT, _is("yes"))[0], cells.total(rollups.METRIC_SPLIT)[0])


def payments(cells: Cells, previous: Cells | None, merchant: str) -> Payments:
    period = cells.period
    order, method, gateway = rollups.METRIC_ORDER, rollups.METRIC_METHOD, rollups.METRIC_GATEWAY
    figures = [
        _figure(
            "orders",
            "Orders",
            "count",
            orders_count.__doc__ or "",
            orders_count,
            lambda c: [float(n) for n, _ in c.series(order)],
            cells,
            previous,
            link=orders_link(period, merchant),
        ),
        _figure(
            "success_rate",
            "Success rate",
            "percent",
            success_rate.__doc__ or "",
            success_rate,
            lambda c: [
                _ratio(ch[0], t[0])
                for ch, t in zip(c.series(order, _is("CHARGED")), c.series(order, _terminal), strict=True)
            ],
            cells,
            previous,
            link=orders_link(period, merchant, status="CHARGED"),
        ),
        _figure(
            "charged_amount",
            "Charged amount",
            "money",
            charged_amount.__doc__ or "",
            charged_amount,
            lambda c: [float(a) for _, a in c.series(order, _is("CHARGED"))],
            cells,
            previous,
            link=orders_link(period, merchant, status="CHARGED"),
        ),
        _figure(
            "split_share",
            "Split settlement applied",
            "percent",
            split_share.__doc__ or "",
            split_share,
            lambda c: [
                _ratio(y[0], w[0])
                for y, w in zip(c.series(rollups.METRIC_SPLIT, _is("yes")), c.series(rollups.METRIC_SPLIT), strict=True)
            ],
            cells,
            previous,
            better="",
            link=orders_link(period, merchant, status="CHARGED", split_applied="true"),
        ),
    ]

    def table(metric: str, param: str) -> list[Breakdown]:
        rows = []
        for name in cells.keys(metric):
            n = cells.total(metric, lambda k, s, name=name: k == name)[0]  # type: ignore[misc]
            charged, amount = cells.total(metric, lambda k, s, name=name: k == name and s == rollups.CHARGED)  # type: ignore[misc]
            terminal = cells.total(metric, lambda k, s, name=name: k == name and s != rollups.OPEN)[0]  # type: ignore[misc]
            rows.append(
                Breakdown(
                    name, n, charged, _ratio(charged, terminal), amount, orders_link(period, merchant, **{param: name})
                )
            )
        return sorted(rows, key=lambda r: (-r.orders, r.name))

    failures = [
        Breakdown(name, n, 0, None, Decimal(0), "")
        for name in cells.keys(rollups.METRIC_FAILURE)
        if (n := cells.total(rollups.METRIC_FAILURE, lambda k, s, name=name: k == name)[0])  # type: ignore[misc]
    ]
    failures.sort(key=lambda r: (-r.orders, r.name))
    offers = []
    for code in cells.keys(rollups.METRIC_OFFER):
        n = cells.total(rollups.METRIC_OFFER, lambda k, s, code=code: k == code)[0]  # type: ignore[misc]
        redeemed, discount = cells.total(rollups.METRIC_OFFER, lambda k, s, code=code: k == code and s == "AVAILED")  # type: ignore[misc]
        offers.append(
            OfferRow(code, n, redeemed, discount, orders_link(period, merchant, offer_code=code) if code else "")
        )
    offers.sort(key=lambda r: (-r.redeemed, -r.offers, r.code))
    vendors = [
        VendorRow(vendor, *cells.total(rollups.METRIC_VENDOR, lambda k, s, vendor=vendor: k == vendor))  # type: ignore[misc]
        for vendor in cells.keys(rollups.METRIC_VENDOR)
    ]
    vendors.sort(key=lambda r: (-r.amount, r.vendor))
    return Payments(
        figures, table(method, "payment_method_type"), table(gateway, "gateway"), failures[:10], offers, vendors
    )


# --- refunds -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turnaround:
    """Refunds raised in the period that reached SUCCESS with both times known: how many, and their seconds."""

    count: int
    mean: Number
    p50: Number
    p90: Number
    slow_orders: int  # orders with such a refund that took p90 or longer (the p90 tile's drill-down)


def nearest_rank(rows: QuerySet[Any], n: int, p: float, column: str = "seconds") -> Number:
    """The p-th percentile of `column` over `rows` (n of them, nulls excluded by the caller) by nearest rank: the
    smallest value with at least p of the values at or below it. One ORDER BY .. OFFSET, nothing read into Python."""
    if not n:
        return None
    k = max(1, math.ceil(p * n))
    value = rows.order_by(column).values_list(column, flat=True)[k - 1 : k]
    return float(value[0])


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: Number
    p50: Number
    p90: Number


def distribution(rows: QuerySet[Any], column: str) -> Distribution:
    """Count, mean, p50 and p90 (nearest rank) of `column` over `rows` (nulls excluded). On PostgreSQL one query
    (`percentile_disc` is the nearest rank); elsewhere one per figure."""
    rows = rows.filter(**{f"{column}__isnull": False})
    if connection.vendor == "postgresql":
        sql, params = rows.values(column).order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), avg(t.v), percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.v) "  # noqa: S608
                f"FROM ({sql}) AS t(v)",  # the ORM's own SQL; values are params
                params,
            )
            n, mean, ps = cursor.fetchone()
        if not n:
            return Distribution(0, None, None, None)
        return Distribution(n, float(mean), float(ps[0]), float(ps[1]))
    agg = rows.aggregate(n=Count("pk"), mean=Avg(column))
    n = agg["n"] or 0
    mean = float(agg["mean"]) if agg["mean"] is not None else None
    return Distribution(n, mean, nearest_rank(rows, n, 0.5, column), nearest_rank(rows, n, 0.9, column))


def _turnaround_rows(period: Period, merchant_id: MerchantIds) -> QuerySet[RefundTurnaround]:
    rows = RefundTurnaround.objects.filter(raised_at__gte=period.start, raised_at__lt=period.end)
    return of_merchants(rows, merchant_id)


def turnaround(period: Period, merchant_id: MerchantIds, *, slow: bool = True) -> Turnaround:
    """Turnaround: from a refund's `created` (raised) to Juspay's `pg_processed_at` once it is SUCCESS, over the
    refunds raised in the period; mean, and p50/p90 by nearest rank. A refund still pending is not counted yet."""
    rows = _turnaround_rows(period, merchant_id)
    d = distribution(rows, "seconds")
    slowest = 0
    if slow and d.p90 is not None:
        slowest = rows.filter(seconds__gte=d.p90).values("order_id").distinct().count()
    return Turnaround(d.count, d.mean, d.p50, d.p90, slowest)


def turnaround_series(cells: Cells) -> list[Number]:
    """The mean turnaround of each bucket of the period (the sparkline), from the rollup's sums of seconds."""
    return [float(a) / n if n else None for n, a in cells.series(rollups.METRIC_TURNAROUND)]


def refund_count(cells: Cells) -> Number:
    """Refunds: every refund raised in the period (by its `created`), whatever its status."""
    return float(cells.total(rollups.METRIC_REFUND)[0])


def refund_amount(cells: Cells) -> Number:
    """Refund amount: the amounts of every refund raised in the period, whatever its status."""
    return float(cells.total(rollups.METRIC_REFUND)[1])


def refund_rate(cells: Cells) -> Number:
    """Refund rate: of the period's CHARGED orders, the share with money refunded (Juspay's `amount_refunded`,
    the sum of its successful refunds, above 0), whenever the refund happened."""
    metric = rollups.METRIC_REFUNDED
    return _ratio(cells.total(metric, _is("yes"))[0], cells.total(metric)[0])


def refund_success_rate(cells: Cells) -> Number:
    """Refund success rate: SUCCESS over the refunds raised in the period that reached SUCCESS or FAILURE."""
    metric = rollups.METRIC_REFUND
    done = cells.total(metric, lambda k, s: k in ("SUCCESS", "FAILURE"))[0]
    return _ratio(cells.total(metric, _is("SUCCESS"))[0], done)


def pending_rate(cells: Cells) -> Number:
    """Pending rate: PENDING over every refund raised in the period."""
    return _ratio(cells.total(rollups.METRIC_REFUND, _is("PENDING"))[0], cells.total(rollups.METRIC_REFUND)[0])


def manual_review_rate(cells: Cells) -> Number:
    """Manual-review rate: MANUAL_REVIEW over every refund raised in the period."""
    metric = rollups.METRIC_REFUND
    return _ratio(cells.total(metric, _is("MANUAL_REVIEW"))[0], cells.total(metric)[0])


def arn_rate(cells: Cells) -> Number:
    """ARN/RRN availability: of the period's SUCCESS refunds, the share whose answer carries an `arn`."""
    metric = rollups.METRIC_REFUND
    with_arn = cells.total(metric, lambda k, s: k == "SUCCESS" and s == "arn")[0]
    return _ratio(with_arn, cells.total(metric, _is("SUCCESS"))[0])


def refunds(cells: Cells, previous: Cells | None, merchant_id: MerchantIds, merchant: str) -> list[Figure]:
    period = cells.period
    refund = rollups.METRIC_REFUND

    def rate(part: Callable[[str, str], bool], whole: Callable[[str, str], bool]) -> Callable[[Cells], list[Number]]:
        return lambda c: [
            _ratio(p[0], w[0]) for p, w in zip(c.series(refund, part), c.series(refund, whole), strict=True)
        ]

    figures = [
        _figure(
            "refunds",
            "Refunds",
            "count",
            refund_count.__doc__ or "",
            refund_count,
            lambda c: [float(n) for n, _ in c.series(refund)],
            cells,
            previous,
            better="",
            link=refunds_link(period, merchant),
        ),
        _figure(
            "refund_amount",
            "Refund amount",
            "money",
            refund_amount.__doc__ or "",
            refund_amount,
            lambda c: [float(a) for _, a in c.series(refund)],
            cells,
            previous,
            better="",
            link=refunds_link(period, merchant),
        ),
        _figure(
            "refund_rate",
            "Refund rate",
            "percent",
            refund_rate.__doc__ or "",
            refund_rate,
            lambda c: [
                _ratio(p[0], w[0])
                for p, w in zip(
                    c.series(rollups.METRIC_REFUNDED, _is("yes")),
                    c.series(rollups.METRIC_REFUNDED),
                    strict=True,
                )
            ],
            cells,
            previous,
            better="down",
            link=orders_link(period, merchant, status="CHARGED", has_refunded="true"),
        ),
        _figure(
            "refund_success_rate",
            "Refund success rate",
            "percent",
            refund_success_rate.__doc__ or "",
            refund_success_rate,
            rate(_is("SUCCESS"), lambda k, s: k in ("SUCCESS", "FAILURE")),
            cells,
            previous,
            link=refunds_link(period, merchant, refund_status="SUCCESS"),
        ),
        _figure(
            "pending_rate",
            "Refunds pending",
            "percent",
            pending_rate.__doc__ or "",
            pending_rate,
            rate(_is("PENDING"), _any),
            cells,
            previous,
            better="down",
            link=refunds_link(period, merchant, refund_status="PENDING"),
        ),
        _figure(
            "manual_review_rate",
            "Refunds in manual review",
            "percent",
            manual_review_rate.__doc__ or "",
            manual_review_rate,
            rate(_is("MANUAL_REVIEW"), _any),
            cells,
            previous,
            better="down",
            link=refunds_link(period, merchant, refund_status="MANUAL_REVIEW"),
        ),
        _figure(
            "arn_rate",
            "ARN/RRN available",
            "percent",
            arn_rate.__doc__ or "",
            arn_rate,
            rate(lambda k, s: k == "SUCCESS" and s == "arn", _is("SUCCESS")),
            cells,
            previous,
            link=refunds_link(period, merchant, refund_status="SUCCESS"),
        ),
    ]
    now = turnaround(period, merchant_id)
    before = turnaround(previous.period, merchant_id, slow=False) if previous is not None else None
    series = tuple(turnaround_series(cells))
    doc = turnaround.__doc__ or ""
    for key, label, value, old in (
        ("turnaround_mean", "Refund turnaround, mean", now.mean, before.mean if before else None),
        ("turnaround_p50", "Refund turnaround p50", now.p50, before.p50 if before else None),
        ("turnaround_p90", "Refund turnaround p90", now.p90, before.p90 if before else None),
    ):
        more: dict[str, str] = {}
        if key == "turnaround_p90" and now.p90 is not None:
            noun = "order" if now.slow_orders == 1 else "orders"
            more = {
                "link": refunds_link(period, merchant, turnaround_min=str(int(now.p90))),
                "detail": f"{now.slow_orders} {noun} with a refund at p90 or slower",
            }
        elif now.count:
            more = {"link": refunds_link(period, merchant, turnaround_min="0"), "detail": f"of {now.count} refunds"}
        figures.append(
            Figure(
                key=key,
                label=label,
                unit="duration",
                value=value,
                definition=doc,
                previous=old,
                compared=previous is not None,
                better="down",
                series=series,
                **more,
            )
        )
    return figures


def bucket_labels(period: Period) -> list[str]:
    """The x axis of the period's series, in the KPI time zone."""
    fmt = "%d %b %H:%M" if period.grain == HOUR else "%d %b"
    return [start.strftime(fmt) for start in period.buckets()]


# --- payout orders -----------------------------------------------------------------------------------

FULFILMENT_FAILED = rollups.FULFILMENT_STATUSES["failed"]


def payouts_link(period: Period, merchant: str, **filters: str) -> str:
    """The payouts list of the payout orders created in the period (and matching `filters`)."""
    query = {"created_after": period.start.isoformat(), "created_before": period.end.isoformat()}
    if merchant:
        query["merchant"] = merchant
    return reverse("orders:payout_list") + "?" + urlencode({**query, **filters})


def payout_count(cells: Cells) -> Number:
    """Payout orders: every payout order created in the period (Juspay's `createdAt`), whatever its status."""
    return float(cells.total(rollups.METRIC_PAYOUT)[0])


def payout_review_count(cells: Cells) -> Number:
    """Payout orders in manual review: of the period's payout orders, those where the order, a fulfilment, an
    attempt, a payment or a refund is in MANUAL_REVIEW now."""
    return float(cells.total(rollups.METRIC_PAYOUT, lambda k, s: s == "review")[0])


def _fulfilment_share(cells: Cells, statuses: tuple[str, ...]) -> Number:
    metric = rollups.METRIC_PAYOUT_FULFILMENT
    return _ratio(cells.total(metric, lambda k, s: k in statuses)[0], cells.total(metric)[0])


def fulfilment_success_rate(cells: Cells) -> Number:
    """Fulfilment success rate: SUCCESS over every fulfilment of the period's payout orders."""
    return _fulfilment_share(cells, ("SUCCESS",))


def fulfilment_failure_rate(cells: Cells) -> Number:
    """Fulfilment failure rate: FAILURE, CANCELLED or DISCARDED over every fulfilment of the period's payouts."""
    return _fulfilment_share(cells, FULFILMENT_FAILED)


def fulfilment_review_rate(cells: Cells) -> Number:
    """Fulfilment manual-review rate: MANUAL_REVIEW over every fulfilment of the period's payout orders."""
    return _fulfilment_share(cells, ("MANUAL_REVIEW",))


def time_to_successful(cells: Cells) -> Number:
    """Time to FULFILLMENTS_SUCCESSFUL: mean seconds from a payout order's `createdAt` to its `updatedAt`, over
    the period's payout orders in FULFILLMENTS_SUCCESSFUL (a final status, so `updatedAt` is when it got there)."""
    n, seconds = cells.total(rollups.METRIC_PAYOUT_DONE)
    return float(seconds) / n if n else None


def payouts(cells: Cells, previous: Cells | None, merchant: str) -> list[Figure]:
    period = cells.period
    fulfilment = rollups.METRIC_PAYOUT_FULFILMENT

    def share(statuses: tuple[str, ...]) -> Callable[[Cells], list[Number]]:
        return lambda c: [
            _ratio(p[0], w[0])
            for p, w in zip(c.series(fulfilment, lambda k, s: k in statuses), c.series(fulfilment), strict=True)
        ]

    def rows_behind(group: str) -> dict[str, str]:
        """The payout orders with a fulfilment in the group's statuses: the rate's link, and how many they are."""
        statuses = rollups.FULFILMENT_STATUSES[group]
        part = cells.total(fulfilment, lambda k, s: k in statuses)[0]
        whole = cells.total(fulfilment)[0]
        if not whole:
            return {}
        orders = cells.total(rollups.METRIC_PAYOUT_WITH, _is(group))[0]
        noun = "payout order" if orders == 1 else "payout orders"
        return {
            "link": payouts_link(period, merchant, fulfilment=group),
            "detail": f"{part:,} of {whole:,} fulfilments, on {orders:,} {noun}",
        }

    done_orders = cells.total(rollups.METRIC_PAYOUT_DONE)[0]
    payout = rollups.METRIC_PAYOUT
    return [
        _figure(
            "payouts",
            "Payout orders",
            "count",
            payout_count.__doc__ or "",
            payout_count,
            lambda c: [float(n) for n, _ in c.series(payout)],
            cells,
            previous,
            better="",
            link=payouts_link(period, merchant),
        ),
        _figure(
            "fulfilment_success_rate",
            "Fulfilment success rate",
            "percent",
            fulfilment_success_rate.__doc__ or "",
            fulfilment_success_rate,
            share(rollups.FULFILMENT_STATUSES["success"]),
            cells,
            previous,
            **rows_behind("success"),
        ),
        _figure(
            "fulfilment_failure_rate",
            "Fulfilment failure rate",
            "percent",
            fulfilment_failure_rate.__doc__ or "",
            fulfilment_failure_rate,
            share(FULFILMENT_FAILED),
            cells,
            previous,
            better="down",
            **rows_behind("failed"),
        ),
        _figure(
            "fulfilment_review_rate",
            "Fulfilments in manual review",
            "percent",
            fulfilment_review_rate.__doc__ or "",
            fulfilment_review_rate,
            share(rollups.FULFILMENT_STATUSES["review"]),
            cells,
            previous,
            better="down",
            **rows_behind("review"),
        ),
        _figure(
            "payout_review",
            "Payout orders in manual review",
            "count",
            payout_review_count.__doc__ or "",
            payout_review_count,
            lambda c: [float(n) for n, _ in c.series(payout, lambda k, s: s == "review")],
            cells,
            previous,
            better="down",
            link=payouts_link(period, merchant, manual_review="true"),
        ),
        _figure(
            "time_to_successful",
            "Time to FULFILLMENTS_SUCCESSFUL, mean",
            "duration",
            time_to_successful.__doc__ or "",
            time_to_successful,
            lambda c: [float(a) / n if n else None for n, a in c.series(rollups.METRIC_PAYOUT_DONE)],
            cells,
            previous,
            better="down",
            link=payouts_link(period, merchant, done="true") if done_orders else "",
            detail=f"of {done_orders:,} payout order" + ("" if done_orders == 1 else "s") if done_orders else "",
        ),
    ]


# --- for people --------------------------------------------------------------------------------------


def duration_text(seconds: float) -> str:
    s = int(round(abs(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min" + (f" {s % 60} s" if s % 60 and s < 600 else "")
    if s < 86400:
        return f"{s // 3600} h" + (f" {s % 3600 // 60} min" if s % 3600 // 60 else "")
    return f"{s // 86400} d" + (f" {s % 86400 // 3600} h" if s % 86400 // 3600 else "")


def value_text(value: float | Decimal | int | None, unit: str) -> str:
    """A figure's value as the page shows it ("–" when it has none)."""
    if value is None:
        return "–"
    if unit == "percent":
        return f"{float(value) * 100:.1f} %"
    if unit == "money":
        return format_money(value, settings.KPI_CURRENCY)
    if unit == "duration":
        return duration_text(float(value))
    if unit == "count":
        return f"{float(value):,.0f}"
    return str(value)


def delta_text(figure: Figure) -> str:
    """The change against the comparison period: points for rates, relative change for counts and amounts."""
    delta = figure.delta
    if delta is None:
        return "no comparison value" if figure.compared else ""
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    if figure.unit == "percent":
        return f"{sign}{abs(delta) * 100:.1f} pp"
    if figure.unit == "duration":
        return f"{sign}{duration_text(delta)}"
    ratio = figure.delta_ratio
    text = (
        f"{sign}{format_money(abs(delta), settings.KPI_CURRENCY)}"
        if figure.unit == "money"
        else f"{sign}{abs(delta):,.0f}"
    )
    return text + (f" ({sign}{abs(ratio) * 100:.0f} %)" if ratio is not None else "")
