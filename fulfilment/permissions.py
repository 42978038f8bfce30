"""Who may raise, decide on, retry or cancel a request: each rule written once, enforced and explained.

Each `why_not_*` function returns the error that refuses the action, or None when the person may go
ahead. Services raise what it returns, inside the transaction that locked the request; the pages call
the same function to offer a button or not, and show the error's `short` text where a person expects
one. So a page never offers what a service would refuse, and the reason shown is the reason enforced.

Maker ≠ checker holds for everyone, superusers included.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from dashboard.merchant_scope import may_see_merchant
from fulfilment.errors import ActionError, AlreadyDecided, NotAllowed, SelfApprovalError, StateConflict
from fulfilment.models import ActionRequest, ActionState

VIEW = "fulfilment.view_actionrequest"
RAISE = "fulfilment.raise_actionrequest"
APPROVE = "fulfilment.approve_actionrequest"  # approve, reject and retry requests raised by others


@dataclass(frozen=True)
class Person:
    """What the rules need to know about someone, read once: a page asks about many requests."""

    user: User | AnonymousUser
    roles: frozenset[str]  # the names of the person's role groups
    can_view: bool
    can_raise: bool
    can_approve: bool  # may decide at all; each request also names the roles that may decide on it

    @classmethod
    def of(cls, user: User | AnonymousUser) -> Person:
        roles = frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        return cls(user, roles, user.has_perm(VIEW), user.has_perm(RAISE), user.has_perm(APPROVE))

    @classmethod
    def without_roles(cls, user: User | AnonymousUser) -> Person:
        """The person for a page that decides on no request (its roles unread: `holds_approver_role` would be
        wrong for them, so use it only where no request is shown)."""
        return cls(user, frozenset(), user.has_perm(VIEW), user.has_perm(RAISE), user.has_perm(APPROVE))


def holds_approver_role(person: Person, approver_roles: Collection[str]) -> bool:
    """Whether the person holds one of the roles a request's policy names (superusers hold every role)."""
    user = person.user
    return bool(user.is_active) and (user.is_superuser or not person.roles.isdisjoint(approver_roles))


def has_decided(person: Person, req: ActionRequest) -> bool:
    """Whether the person already approved or rejected the request (uses prefetched decisions when there)."""
    return any(decision.approver_id == person.user.pk for decision in req.decisions.all())


def _roles(req: ActionRequest) -> str:
    return " or ".join(req.approver_roles)


def why_not_touch(person: Person, merchant_pk: int) -> ActionError | None:
    """A person limited to some merchants (dashboard/merchant_scope.py) acts on nothing of the others. The pages
    and the API answer 404 before asking; the services check again."""
    if not may_see_merchant(person.user, merchant_pk):
        return NotAllowed("This order or request is not one of your merchants'.")
    return None


def why_not_raise(person: Person) -> ActionError | None:
    if not person.can_raise:
        return NotAllowed("Your role may not raise refund or fulfilment requests.")
    return None


def why_not_decide(person: Person, req: ActionRequest, *, now: datetime | None = None) -> ActionError | None:
    """Why the person may not approve or reject the request now; None when they may."""
    if outside := why_not_touch(person, req.merchant_id):
        return outside
    if req.state != ActionState.PENDING:
        return StateConflict(f"This request is already {req.get_state_display().lower()}.")
    if req.expires_at <= (now or timezone.now()):
        return StateConflict("This request has expired; the maker can raise it again.")
    if not person.can_approve:
        return NotAllowed("Your role may not approve or reject requests.")
    if req.maker_id == person.user.pk:
        return SelfApprovalError("You raised this request; another person must decide on it.", short="You raised it")
    if not holds_approver_role(person, req.approver_roles):
        return NotAllowed(f"This request needs an approver with the role {_roles(req)}.", short=f"Needs {_roles(req)}")
    if has_decided(person, req):
        return AlreadyDecided(
            "You already decided on this request; another person must add the next approval.",
            short="You already decided",
        )
    return None


def why_not_retry(person: Person, req: ActionRequest) -> ActionError | None:
    """Why the person may not send a failed request again with its key; None when they may."""
    if outside := why_not_touch(person, req.merchant_id):
        return outside
    if not person.can_approve:
        return NotAllowed("Your role may not retry requests.")
    if req.maker_id == person.user.pk:
        return SelfApprovalError("You raised this request; another person must decide to send it again.")
    if not holds_approver_role(person, req.approver_roles):
        return NotAllowed(f"Retrying needs the role {_roles(req)}.")
    if req.state != ActionState.FAILED:
        return StateConflict(f"This request is {req.get_state_display().lower()}, not failed.")
    if not req.retry_safe:
        return StateConflict(
            "Sending this again is not safe (Juspay took the request and then failed it); raise a new request instead."
        )
    return None


def why_not_resolve(person: Person, req: ActionRequest) -> ActionError | None:
    """Why the person may not settle an unresolved request after checking with Juspay; None when they may.

    The same people as for a retry: an approver the request's policy names, never its maker."""
    if outside := why_not_touch(person, req.merchant_id):
        return outside
    if not person.can_approve:
        return NotAllowed("Your role may not settle requests whose outcome is unknown.")
    if req.maker_id == person.user.pk:
        return SelfApprovalError("You raised this request; another person must settle it.")
    if not holds_approver_role(person, req.approver_roles):
        return NotAllowed(f"Settling needs the role {_roles(req)}.")
    if req.state != ActionState.UNRESOLVED:
        return StateConflict(f"This request is {req.get_state_display().lower()}, not waiting to be settled.")
    return None


def why_not_cancel(person: Person, req: ActionRequest) -> ActionError | None:
    """Why the person may not withdraw the request; None when they may (the maker, while it waits)."""
    if outside := why_not_touch(person, req.merchant_id):
        return outside
    if req.maker_id != person.user.pk:
        return NotAllowed("Only the person who raised a request can cancel it.")
    if req.state != ActionState.PENDING:
        return StateConflict(
            f"This request is already {req.get_state_display().lower()}; it can no longer be cancelled."
        )
    return None
