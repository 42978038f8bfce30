"""The navigation's pending-approvals count, computed only when a page shows it."""

from functools import cache
from typing import Any

from django.http import HttpRequest

from fulfilment.models import ActionRequest, ActionState
from fulfilment.services import pending_for


def approvals(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)

    @cache
    def pending() -> int:
        if user is None or not user.is_authenticated or not user.has_perm("fulfilment.view_actionrequest"):
            return 0
        if user.has_perm("fulfilment.approve_actionrequest"):
            return pending_for(user).count()  # what this person could decide on now
        return ActionRequest.objects.filter(state=ActionState.PENDING).count()

    return {"approvals_pending": pending}
