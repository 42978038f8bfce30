"""The orders app's panel on people's home pages: the orders they worked on lately (orders.worklist)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from orders import worklist


def recent_orders(request: HttpRequest) -> dict[str, Any]:
    return {"touched": worklist.touched_by(request.user)}
