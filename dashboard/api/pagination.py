"""Cursor pagination for the API's lists: keyset on (sort field, primary key), no OFFSET, no COUNT.

DRF's own CursorPagination pages through ties of its sort field by OFFSET (capped at 1,000 rows), and orders
tie on amount by the thousand; this one always orders by (field, pk), so every page is one index range
however deep. A view names its sort with `get_sort(request) -> (field, descending)`; the default is its
`default_sort`. A cursor is opaque (base64 JSON of the boundary row's value and id and the direction); one the
API did not make is a 400 problem naming `cursor`. Rows without a sort value are left out, as on the pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PK = 2**63 - 1
BAD_CURSOR = "This cursor was not made by this list; start from the first page (no cursor)."


def _encode(value: Any, pk: int, backwards: bool) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    raw = json.dumps({"v": text, "k": pk, "b": backwards}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class KeysetCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": ["Enter a whole number."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Enter a number from 1 to {self.max_page_size}."]})
        return size

    def _sort(self, view: Any) -> tuple[str, bool]:
        getter = getattr(view, "get_sort", None)
        if getter is not None:
            field, descending = getter(self.request)
            return str(field), bool(descending)
        field, descending = getattr(view, "default_sort", ("pk", True))
        return str(field), bool(descending)

    def _decode(self, model: type[Model], field_name: str) -> tuple[Any, int, bool] | None:
        cursor = self.request.query_params.get(self.cursor_query_param)
        if not cursor:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            text, pk, backwards = data["v"], data["k"], data["b"]
        except (ValueError, TypeError, KeyError, binascii.Error, RecursionError):
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        if not isinstance(text, str) or not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk <= MAX_PK:
            raise ValidationError({"cursor": [BAD_CURSOR]})
        if not isinstance(backwards, bool):
            raise ValidationError({"cursor": [BAD_CURSOR]})
        return self._value(model, field_name, text), pk, backwards

    @staticmethod
    def _value(model: type[Model], field_name: str, text: str) -> Any:
        """The cursor's sort value as the column's type; refused when no row could hold it."""
        field = model._meta.get_field("id" if field_name == "pk" else field_name)
        if not isinstance(field, Field):
            raise ValidationError({"cursor": [BAD_CURSOR]})
        try:
            value = field.to_python(text)
        except (DjangoValidationError, InvalidOperation, ValueError, OverflowError):
            raise ValidationError({"cursor": [BAD_CURSOR]}) from None
        if value is None:
            raise ValidationError({"cursor": [BAD_CURSOR]})
        if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= Decimal("1e14")):
            raise ValidationError({"cursor": [BAD_CURSOR]})
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValidationError({"cursor": [BAD_CURSOR]})
        if isinstance(value, int) and not 0 <= value <= MAX_PK:
            raise ValidationError({"cursor": [BAD_CURSOR]})
        return value

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.size = self.get_page_size(request)
        field_name, descending = self._sort(view)
        self.field_name = field_name
        cursor = self._decode(queryset.model, field_name)
        backwards = bool(cursor and cursor[2])
        going_down = descending != backwards
        if field_name != "pk":
            queryset = queryset.filter(**{f"{field_name}__isnull": False})
        if cursor:
            value, pk, _ = cursor
            if going_down:  # the leading `<=` gives the index a range to start from
                queryset = queryset.filter(
                    Q(**{f"{field_name}__lte": value}) & (Q(**{f"{field_name}__lt": value}) | Q(pk__lt=pk))
                )
            else:
                queryset = queryset.filter(
                    Q(**{f"{field_name}__gte": value}) & (Q(**{f"{field_name}__gt": value}) | Q(pk__gt=pk))
                )
        ordering = [f"-{field_name}", "-pk"] if going_down else [field_name, "pk"]
        rows = list(queryset.order_by(*ordering)[: self.size + 1])
        more = len(rows) > self.size
        rows = rows[: self.size]
        if backwards:
            rows.reverse()
        self.has_next = more if not backwards else bool(rows)
        self.has_previous = bool(cursor) if not backwards else more
        self.rows = rows
        return rows

    def _link(self, row: Any, backwards: bool) -> str:
        url = self.request.build_absolute_uri()
        return replace_query_param(
            url, self.cursor_query_param, _encode(getattr(row, self.field_name), row.pk, backwards)
        )

    def get_next_link(self) -> str | None:
        return self._link(self.rows[-1], False) if self.rows and self.has_next else None

    def get_previous_link(self) -> str | None:
        if not self.rows or not self.has_previous:
            return None
        return self._link(self.rows[0], True)

    def first_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The next page; null on the last.",
                    "example": "https://ops.example.com/api/v1/orders/?cursor=eyJ2IjoiMjAyNi0xMS0zMFQxMDo",
                },
                "previous": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The previous page; null on the first.",
                    "example": None,
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a `next` or `previous` link; leave out for the first page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
