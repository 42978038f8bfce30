"""The orders list in keyset pages: no OFFSET and no COUNT, so page 1,000 costs what page 1 costs.

A cursor is the (sort value, id) of the row a page starts after (or before), base64 JSON in the URL; one that
does not parse, or carries a value no row can have (NaN, an infinity, a date past the calendar), raises
InvalidCursor: the list answers 400 with the reason and shows the first page.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from orders.models import Order, PayoutOrder

PAGE_SIZE = 50

# The list's sorts: name -> (column, descending). Each has its index (see Order.Meta.indexes).
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "newest": ("juspay_created_at", True),
    "oldest": ("juspay_created_at", False),
    "amount_high": ("amount", True),
    "amount_low": ("amount", False),
}

# A sort value: a creation time or an amount.
SortValue = datetime | Decimal


class InvalidCursor(ValueError):
    """The paging link's cursor is not one this list made."""


@dataclass
class ListPage[Row: (Order, PayoutOrder)]:
    rows: list[Row]
    next_cursor: str = ""
    prev_cursor: str = ""


def encode_cursor(value: SortValue, pk: int) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return base64.urlsafe_b64encode(json.dumps([text, pk]).encode()).decode().rstrip("=")


MAX_PK = 2**63 - 1  # a bigint primary key


def decode_cursor(cursor: str | None, field_name: str) -> tuple[SortValue, int] | None:
    """The (value, pk) a cursor points after; None when there is none (the first page).

    Raises InvalidCursor for one that does not parse or whose value no row can hold."""
    if not cursor:
        return None
    try:
        text, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value: SortValue | None = parse_datetime(text) if field_name == "juspay_created_at" else Decimal(text)
    except (ValueError, TypeError, InvalidOperation, RecursionError):
        raise InvalidCursor("The paging link (cursor) is not valid; showing the first page.") from None
    if value is None or not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk <= MAX_PK:
        raise InvalidCursor("The paging link (cursor) is not valid; showing the first page.")
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= Decimal("1e14")):
        raise InvalidCursor("The paging link (cursor) carries an amount no order has; showing the first page.")
    if isinstance(value, datetime):
        try:
            if value.tzinfo is None:
                raise ValueError("naive")
            value = value.astimezone(UTC)
        except (ValueError, OverflowError):
            raise InvalidCursor(
                "The paging link (cursor) carries a time no order has; showing the first page."
            ) from None
    return value, pk


def keyset_page[Row: (Order, PayoutOrder)](
    queryset: QuerySet[Row],
    sort: str,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int | None = None,
) -> ListPage[Row]:
    """One page of the list by keyset on (sort field, id): no OFFSET, no COUNT, one query per page.

    `after` pages forward from a row, `before` back; a page knows there is more by reading one row extra.
    Rows without the sort value (no creation date or amount from Juspay) are left out of sorted browsing;
    search still finds them.
    """
    size = size or PAGE_SIZE
    field_name, descending = SORT_KEYS.get(sort, SORT_KEYS["newest"])
    forward = not before
    cursor = decode_cursor(after if forward else before, field_name)
    going_down = descending if forward else not descending
    queryset = queryset.filter(**{f"{field_name}__isnull": False})
    if cursor:
        value, pk = cursor
        if going_down:  # the leading `<=` gives the index a range to start from
            queryset = queryset.filter(
                Q(**{f"{field_name}__lte": value}) & (Q(**{f"{field_name}__lt": value}) | Q(pk__lt=pk))
            )
        else:
            queryset = queryset.filter(
                Q(**{f"{field_name}__gte": value}) & (Q(**{f"{field_name}__gt": value}) | Q(pk__gt=pk))
            )
    ordering = [f"-{field_name}", "-pk"] if going_down else [field_name, "pk"]
    rows = list(queryset.select_related("merchant").order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    has_next = more if forward else bool(rows)
    has_prev = bool(cursor) if forward else more
    page: ListPage[Row] = ListPage(rows)
    if rows and has_next:
        page.next_cursor = encode_cursor(getattr(rows[-1], field_name), rows[-1].pk)
    if rows and has_prev:
        page.prev_cursor = encode_cursor(getattr(rows[0], field_name), rows[0].pk)
    return page
