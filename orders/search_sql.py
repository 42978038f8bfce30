"""The search box's two compound statements (orders/search.py), portable to SQLite and PostgreSQL.

Each branch is an ORM queryset (so it keeps its merchant scope, `visible_to`, and its own ORDER BY and LIMIT),
compiled and wrapped as `SELECT … FROM (<branch>) AS bN`, then joined with UNION ALL: SQLite accepts neither an
ORDER BY nor a LIMIT on a bare member of a compound select, but does in a subquery, as PostgreSQL does.

- `prefix_page`: the prefix ranges of a half-typed clue, one bounded index range scan each, merged in the
  database (distinct orders, their count, the newest first), so Python reads the few rows it shows and the count
  instead of up to COUNT_CAP + 1 keys per range.
- `clue_rows`: every child table whose id may be the clue (transactions, refunds, udfs, payout orders, their
  fulfilments and transactions) in one round trip instead of seven.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

# Templates filled with the ORM's own SQL of each branch and literal branch numbers; every value is a parameter.
_PREFIX_BRANCH = "SELECT b{n}.row_pk AS pk, b{n}.row_created AS created, {n} AS branch FROM ({sql}) AS b{n}"
_PREFIX_PAGE = (
    "WITH u AS ({branches}), d AS (SELECT pk, max(created) AS created FROM u GROUP BY pk) "
    "SELECT pk, count(*) OVER () AS total, "
    "(SELECT count(*) FROM (SELECT branch FROM u GROUP BY branch HAVING count(*) > %s) AS w) AS widest "
    "FROM d ORDER BY created DESC NULLS LAST, pk DESC LIMIT %s"
)
_CLUE_BRANCH = (
    "SELECT {kind} AS kind, b{kind}.o, b{kind}.p, b{kind}.a, b{kind}.b, b{kind}.c, b{kind}.d FROM ({sql}) AS b{kind}"
)


def _compiled(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


PrefixBranches = Callable[
    [tuple[str, ...], Sequence[tuple[str, str]], Sequence[int], frozenset[int] | None], list[QuerySet[Any]]
]


def prefix_page(
    branches: PrefixBranches,
    columns: tuple[str, ...],
    bounds: Sequence[tuple[str, str]],
    exclude: Sequence[int],
    merchants: frozenset[int] | None,
    *,
    want: int,
    cap: int,
) -> tuple[list[int], int, bool]:
    """The pks of the newest `want` distinct orders that `branches(columns, bounds, exclude, merchants)` read
    (one branch per column and [low, high) bound; each a `values_list` of at most cap + 1 rows, its columns named
    row_pk and row_created), how many distinct orders they read, and whether any branch read more than `cap`
    (then the count is "cap+"). Newest first, a later pk first on a tie, undated last. The ORM builds and
    compiles the branches once per columns, number of excluded pks and scope; each call binds its bounds and
    pks in the markers' place."""
    if not columns:
        return [], 0, False
    sql, params = _prefix_statement(branches, columns, len(exclude), merchants)
    values: dict[Any, Any] = {_excluded(n): pk for n, pk in enumerate(exclude)}
    for n, (low, high) in enumerate(bounds):
        values[_low(n)], values[_high(n)] = low, high
    with connection.cursor() as cursor:  # one row at least: it carries the count
        cursor.execute(sql, [*(_bind(param, values) for param in params), cap, max(1, want)])
        rows = cursor.fetchall()
    if not rows:
        return [], 0, False
    return [pk for pk, _, _ in rows[:want]], rows[0][1], rows[0][2] > 0


def _low(n: int) -> str:
    return f"\x00low{n}\x00"  # no text column holds a NUL (PostgreSQL refuses one)


def _high(n: int) -> str:
    return f"\x00high{n}\x00"


def _excluded(n: int) -> int:
    return -1 - n  # no pk is negative


def _bind(param: Any, values: dict[Any, Any]) -> Any:
    if isinstance(param, list | tuple):  # PostgreSQL's `<> ALL(%s)` of an excluded list
        return type(param)(_bind(item, values) for item in param)
    return values.get(param, param) if isinstance(param, str | int) and not isinstance(param, bool) else param


@functools.lru_cache(maxsize=256)
def _prefix_statement(
    branches: PrefixBranches, columns: tuple[str, ...], excluded: int, merchants: frozenset[int] | None
) -> tuple[str, tuple[Any, ...]]:
    bounds = [(_low(n), _high(n)) for n in range(len(columns))]
    parts: list[str] = []
    params: list[Any] = []
    for n, branch in enumerate(branches(columns, bounds, [_excluded(n) for n in range(excluded)], merchants)):
        sql, branch_params = _compiled(branch)
        parts.append(_PREFIX_BRANCH.format(n=n, sql=sql))
        params += branch_params
    return _PREFIX_PAGE.format(branches=" UNION ALL ".join(parts)), tuple(params)


CLUE = "\x00clue\x00"  # stands for the clue in clue_rows' statement, which is compiled once per scope and limit
ClueBranches = Callable[[str, int, frozenset[int] | None], list[tuple[int, QuerySet[Any]]]]


def clue_rows(branches: ClueBranches, clue: str, limit: int, merchants: frozenset[int] | None) -> list[tuple[Any, ...]]:
    """(kind, *columns) of the rows of every branch `branches(CLUE, limit, merchants)` makes, kind by kind. Each
    branch is a `values_list` of the same columns, named o, p, a, b, c, d (annotations), of compatible types,
    and takes the clue as a parameter. The ORM builds and compiles the branches once for each scope and limit
    (that was most of the search's Python); each call binds its clue in CLUE's place."""
    sql, params = _clue_statement(branches, limit, merchants)
    with connection.cursor() as cursor:
        cursor.execute(sql, [clue if param == CLUE else param for param in params])
        return cursor.fetchall()


@functools.lru_cache(maxsize=256)
def _clue_statement(
    branches: ClueBranches, limit: int, merchants: frozenset[int] | None
) -> tuple[str, tuple[Any, ...]]:
    parts: list[str] = []
    params: list[Any] = []
    for kind, branch in branches(CLUE, limit, merchants):
        sql, branch_params = _compiled(branch)
        parts.append(_CLUE_BRANCH.format(kind=int(kind), sql=sql))
        params += branch_params
    return " UNION ALL ".join(parts) + " ORDER BY 1", tuple(params)
