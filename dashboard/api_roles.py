"""`permission_classes = allowed("orders.view_order")`: the foundation's HasPerm (dashboard/api/permissions.py) as
the one-element permission list DRF views take."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from dashboard.api.permissions import HasPerm


def allowed(*perms: str) -> list[type[BasePermission]]:
    return [HasPerm(*perms)]
