"""DRF permissions from the same Django permission strings the pages use (dashboard/roles.py).

`permission_classes = [HasPerm("orders.view_order")]`: a signed-in user or token holding every named
permission passes; anyone else gets 403, or 401 when not authenticated. A token carries its user's role.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class HasPerm(BasePermission):
    """A permission instance that DRF can list in `permission_classes` (calling it returns itself)."""

    def __init__(self, *perms: str) -> None:
        if not perms:
            raise ValueError("HasPerm needs at least one permission string")
        self.perms = perms
        self.message = "Your role does not allow this (needs " + ", ".join(perms) + ")."

    def __call__(self) -> HasPerm:
        return self

    def __repr__(self) -> str:
        return f"HasPerm({', '.join(map(repr, self.perms))})"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(self.perms))
