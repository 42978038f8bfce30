"""The navigation's counts (pending approvals; sync health), computed only when a page shows them, and kept a
short while per person (fulfilment/nav_counts.py)."""

from collections.abc import Callable
from functools import cache

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from fulfilment import nav_counts
from fulfilment import sync_health as health
from fulfilment.models import ActionRequest, ActionState
from fulfilment.permissions import APPROVE, VIEW
from fulfilment.services import pending_for

SYNC_HEALTH = "orders.view_syncfailure"


def approvals(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user: User | AnonymousUser | None = getattr(request, "user", None)

    @cache
    def pending() -> int:
        if user is None or not user.is_authenticated or not user.has_perm(VIEW):
            return 0
        if isinstance(user, User) and user.has_perm(APPROVE):
            mine = user  # what this person could decide on now
            return nav_counts.kept("approvals", user, "approve", lambda: pending_for(mine).count())
        return nav_counts.kept(
            "approvals",
            user,
            "view",
            lambda: ActionRequest.objects.visible_to(user).filter(state=ActionState.PENDING).count(),
        )

    return {"approvals_pending": pending}


def sync_health(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The navigation's count next to "Sync health" (Admin): bounded queries, run only when a page shows it."""
    user: User | AnonymousUser | None = getattr(request, "user", None)

    @cache
    def attention() -> int:
        if user is None or not user.is_authenticated or not user.has_perm(SYNC_HEALTH):
            return 0
        viewer = user
        return nav_counts.kept("sync", user, "view", lambda: health.attention(viewer))

    return {"sync_attention": attention}
