"""The navigation's pending-approvals count, computed only when a page shows it."""

from collections.abc import Callable
from functools import cache

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from fulfilment.models import ActionRequest, ActionState
from fulfilment.permissions import APPROVE, VIEW
from fulfilment.services import pending_for


def approvals(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user: User | AnonymousUser | None = getattr(request, "user", None)

    @cache
    def pending() -> int:
        if user is None or not user.is_authenticated or not user.has_perm(VIEW):
            return 0
        if isinstance(user, User) and user.has_perm(APPROVE):
            return pending_for(user).count()  # what this person could decide on now
        return ActionRequest.objects.filter(state=ActionState.PENDING).count()

    return {"approvals_pending": pending}
