"""The buckets of the KPI duration histograms (whole seconds): one second wide up to a minute, then each about
4 % wider than the one before, up to 400 days, then one open bucket.

A histogram cell (orders.rollups' `hist.*` metrics) counts the durations of one local day that fall in one
bucket; its key is the bucket's lower edge. Percentiles are then exact (orders.kpi_histograms): the cumulative
counts say which bucket holds the rank, and only that bucket's rows are read. Changing the edges changes the
cells' keys: run `python manage.py rebuild_kpis` after it.
"""

from __future__ import annotations

import math
from bisect import bisect_right

UNIT_UP_TO = 60  # seconds 0..59 each have a bucket of their own
GROWTH = 1.04
LAST_EDGE = 400 * 86400


def _edges() -> tuple[int, ...]:
    edges = list(range(UNIT_UP_TO + 1))
    while edges[-1] < LAST_EDGE:
        edges.append(max(edges[-1] + 1, math.ceil(edges[-1] * GROWTH)))
    return tuple(edges)


EDGES = _edges()
_POSITION = {edge: i for i, edge in enumerate(EDGES)}


def lower(seconds: int) -> int:
    """The lower edge of the bucket `seconds` falls in (a negative duration counts as 0)."""
    return EDGES[max(0, bisect_right(EDGES, max(0, seconds)) - 1)]


def upper(edge: int) -> int | None:
    """The first second after the bucket that starts at `edge` (None: the last bucket, open-ended)."""
    i = _POSITION[edge]
    return EDGES[i + 1] if i + 1 < len(EDGES) else None


def is_edge(value: int) -> bool:
    return value in _POSITION


def key(seconds: int) -> str:
    """The cell key of the bucket `seconds` falls in."""
    return str(lower(seconds))


def edge_of(cell_key: str) -> int | None:
    """The bucket a cell key names, or None when it names none of today's edges (edges changed, no rebuild)."""
    try:
        edge = int(cell_key)
    except ValueError:
        return None
    return edge if edge in _POSITION else None
