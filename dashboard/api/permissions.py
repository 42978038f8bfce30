"""DRF permissions from the same Django permission strings the pages use (dashboard/roles.py).

`permission_classes = [HasPerm("orders.view_order")]`: a signed-in user or token holding every named
permission passes; anyone else gets 403, or 401 when not authenticated. A token carries its user's role.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class PermissionsRequired(BasePermission):
    """Passes a caller holding every one of `perms` (set by HasPerm on a subclass)."""

    perms: ClassVar[tuple[str, ...]] = ()
    message: ClassVar[str] = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(self.perms and user and user.is_authenticated and user.has_perms(self.perms))


def HasPerm(*perms: str) -> type[BasePermission]:  # noqa: N802 - reads as the permission it makes
    """A permission class requiring `perms`, for `permission_classes` (and DRF's `&`, `|`, `~`)."""
    if not perms:
        raise ValueError("HasPerm needs at least one permission string")
    message = "Your role does not allow this (needs " + ", ".join(perms) + ")."
    return type(f"HasPerm[{', '.join(perms)}]", (PermissionsRequired,), {"perms": tuple(perms), "message": message})
