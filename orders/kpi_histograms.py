"""Counts and duration percentiles of a period from the rollup's day cells, reading rows only inside one bucket.

`day_cells` sums a period's day cells of some metrics (one grouped query over KpiBucket). A duration's
histogram (a `hist.*` metric, orders.duration_buckets) then gives its count and, through the cumulative counts,
the bucket that holds any rank or threshold. `Histogram` reads the rows of that one bucket only (the period's
rows whose duration falls in it, an index range) to give the exact nearest-rank percentile and the exact counts
at or above / at or below a value: the same numbers as reading every row of the period, at the cost of the
period's days times its buckets plus one bucket's rows. A bucket one second wide is never read (its values are
its edge).

Should a bucket's rows not number what its cells count (a write landed between the two reads, or the cells were
not rebuilt after a migration), the histogram answers from the rows instead, so a figure is never wrong, only
slower; it logs a warning that names `rebuild_kpis`.
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum

from dashboard.merchant_scope import MerchantIds, of_merchants
from orders import duration_buckets
from orders.kpi_periods import DAY, Period
from orders.models import KpiBucket

logger = logging.getLogger(__name__)

CellCounts = dict[str, dict[tuple[str, str], int]]  # metric -> (key, sub) -> count


def day_cells(period: Period, merchant_id: MerchantIds, metrics: Iterable[str]) -> CellCounts:
    """The counts of the period's day cells of `metrics`, summed over its days (and merchants, unless one)."""
    rows = KpiBucket.objects.filter(grain=DAY, start__gte=period.start, start__lt=period.end, metric__in=list(metrics))
    rows = of_merchants(rows, merchant_id)
    found: CellCounts = defaultdict(dict)
    grouped = rows.values_list("metric", "key", "sub").annotate(n=Sum("count")).order_by()
    for metric, key, sub, n in grouped:
        if n:
            found[metric][(key, sub)] = int(n)
    return found


def _rank(p: float, n: int) -> int:
    """The nearest rank of the p-th percentile of n values (1-based; 0 when there are none), as PostgreSQL's
    percentile_disc computes it (float8)."""
    return max(1, math.ceil(p * n)) if n else 0


class OutOfStep(Exception):
    """The cells and the rows disagree; the histogram answers from the rows."""


@dataclass
class Histogram:
    """A duration over the period's rows: `counts` per bucket (lower edge -> count, from the cells) and `rows`,
    the period's rows (the cells' filter), whose `column` holds the duration in whole seconds."""

    counts: dict[int, int]
    rows: QuerySet[Any]
    column: str
    _values: dict[int, list[int]] = field(default_factory=dict)
    _from_rows: bool = False

    @classmethod
    def of(cls, cells: dict[tuple[str, str], int], rows: QuerySet[Any], column: str) -> Histogram:
        rows = rows.filter(**{f"{column}__isnull": False})
        counts: dict[int, int] = {}
        for (key, _sub), n in cells.items():
            edge = duration_buckets.edge_of(key)
            if edge is None:
                hist = cls({}, rows, column)
                hist._fall_back(f"a cell names no bucket ({key!r})")
                return hist
            counts[edge] = counts.get(edge, 0) + n
        return cls(dict(sorted(counts.items())), rows, column)

    @property
    def count(self) -> int:
        """How many durations (ask it after the percentiles and counts: a fall-back on the way changes it)."""
        if self._from_rows:
            return int(self.rows.aggregate(n=Count("pk"))["n"] or 0)
        return sum(self.counts.values())

    def nearest_rank(self, p: float) -> float | None:
        """The p-th percentile by nearest rank: the smallest value with at least p of the values at or below it
        (PostgreSQL's percentile_disc)."""
        if not self._from_rows:
            try:
                rank = _rank(p, self.count)
                return float(self._ranked(rank)) if rank else None
            except OutOfStep as problem:
                self._fall_back(str(problem))
        rank = _rank(p, self.count)
        if not rank:
            return None
        value = list(self.rows.order_by(self.column).values_list(self.column, flat=True)[rank - 1 : rank])
        return float(value[0]) if value else None

    def at_least(self, value: float) -> int:
        """How many durations are `value` seconds or more."""
        threshold = math.ceil(value)
        if not self._from_rows:
            try:
                return self._at_least(threshold)
            except OutOfStep as problem:
                self._fall_back(str(problem))
        return self.rows.filter(**{f"{self.column}__gte": threshold}).count()

    def at_most(self, value: float) -> int:
        """How many durations are `value` seconds or less."""
        threshold = math.floor(value)
        if not self._from_rows:
            try:
                return self.count - self._at_least(threshold + 1)
            except OutOfStep as problem:
                self._fall_back(str(problem))
        return self.rows.filter(**{f"{self.column}__lte": threshold}).count()

    # --- from the cells, reading one bucket's rows -----------------------------------------------------------

    def _ranked(self, rank: int) -> int:
        seen = 0
        for edge, n in self.counts.items():
            if seen + n >= rank:
                return self._bucket(edge)[rank - seen - 1]
            seen += n
        raise OutOfStep("the ranks run past the cells")

    def _at_least(self, threshold: int) -> int:
        edge = duration_buckets.lower(threshold)
        above = sum(n for e, n in self.counts.items() if e > edge)
        if edge not in self.counts:
            return above
        if threshold == edge:
            return above + self.counts[edge]
        values = self._bucket(edge)
        return above + len(values) - bisect_left(values, threshold)

    def _bucket(self, edge: int) -> list[int]:
        """The sorted durations of the bucket starting at `edge` (only the rows of that bucket are read)."""
        if edge in self._values:
            return self._values[edge]
        top = duration_buckets.upper(edge)
        n = self.counts[edge]
        if top == edge + 1:
            values = [edge] * n
        else:
            rows = self.rows.filter(**{f"{self.column}__gte": edge})
            if top is not None:
                rows = rows.filter(**{f"{self.column}__lt": top})
            values = list(rows.order_by(self.column).values_list(self.column, flat=True))
            if len(values) != n:
                raise OutOfStep(f"bucket {edge} s has {len(values)} rows, its cells count {n}")
        self._values[edge] = values
        return values

    def _fall_back(self, why: str) -> None:
        logger.warning(
            "KPI histogram of %s disagrees with its rows (%s); answering from the rows. If this persists, run "
            "`python manage.py rebuild_kpis`.",
            self.column,
            why,
        )
        self._from_rows = True
