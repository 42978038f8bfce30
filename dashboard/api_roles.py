"""`permission_classes = allowed("orders.view_order")`: the foundation's HasPerm (dashboard/api/permissions.py),
typed the way DRF's stubs expect a permission list (HasPerm instances act as classes: calling one returns it)."""

from __future__ import annotations

from typing import cast

from rest_framework.permissions import BasePermission

from dashboard.api.permissions import HasPerm


def allowed(*perms: str) -> list[type[BasePermission]]:
    return [cast(type[BasePermission], HasPerm(*perms))]
