"""Resetting someone else's second factor: one Admin proposes, another approves (maker ≠ checker, admins included).

A person who lost their authenticator and recovery codes cannot pass the code step; an Admin proposes a reset on
the people page (`propose`), and it takes effect only when a different Admin approves it (`approve`): their
authenticator and recovery codes are deleted, their sessions lose the verification, and they enrol again on
their next page when their role requires it. Nobody proposes a reset of their own factor (/account/ removes
it with a current code). The maker may withdraw, another Admin reject (`reject`). Every step is audited in the
same transaction, and every state change is a conditional UPDATE, so two clicks cannot both win.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard import audit, two_factor
from dashboard.models import ChangeState, FactorReset

MANAGE = "dashboard.manage_roles"


class ResetError(ValueError):
    """A reset that may not be proposed or decided, with the reason."""


def pending() -> list[FactorReset]:
    return list(FactorReset.objects.filter(state=ChangeState.PENDING).select_related("person", "proposed_by"))


def _is_admin(actor: User) -> bool:
    return actor.is_active and actor.has_perm(MANAGE)


def why_not_propose(actor: User, person: User) -> str | None:
    if not _is_admin(actor):
        return "only an Admin may propose a reset of someone's second factor"
    if person.pk == actor.pk:
        return "you cannot reset your own second factor here; remove it on your account page"
    if not two_factor.has_authenticator(person):
        return f"{person.get_username()} has no second factor to reset"
    return None


def propose(person: User, *, actor: User, reason: str) -> FactorReset:
    refusal = why_not_propose(actor, person)
    if refusal:
        raise ResetError(refusal[0].upper() + refusal[1:] + ".")
    reason = reason.strip()[:200]
    if not reason:
        raise ResetError("Say why (e.g. the phone was lost), for the Admin who approves it.")
    try:
        with transaction.atomic():
            reset = FactorReset.objects.create(person=person, reason=reason, proposed_by=actor)
            audit.record(
                "two_factor.reset_proposed",
                actor=actor,
                obj=person,
                after={"reset": reset.pk, "reason": reason},
                summary=f"reset of {person.get_username()}'s second factor proposed (#{reset.pk}): {reason}",
            )
    except IntegrityError:
        raise ResetError(f"A reset of {person.get_username()}'s second factor already waits for approval.") from None
    return reset


def why_not_approve(actor: User, reset: FactorReset) -> str | None:
    """Why `actor` may not approve `reset`; None when they may (an Admin who did not propose it)."""
    if reset.state != ChangeState.PENDING:
        return f"this reset is already {reset.get_state_display().lower()}"
    if not _is_admin(actor):
        return "only an Admin may approve a reset"
    if reset.proposed_by_id == actor.pk:
        return "you proposed this reset; another Admin must approve it"
    return None


def _locked(pk: int) -> FactorReset:
    reset = FactorReset.objects.select_for_update().select_related("person", "proposed_by").filter(pk=pk).first()
    if reset is None:
        raise ResetError("No such reset.")
    return reset


def approve(pk: int, *, actor: User) -> FactorReset:
    """A second Admin approves: the person's authenticator and recovery codes are deleted (audited)."""
    with transaction.atomic():
        reset = _locked(pk)
        refusal = why_not_approve(actor, reset)
        if refusal:
            raise ResetError(refusal[0].upper() + refusal[1:] + ".")
        moved = FactorReset.objects.filter(pk=reset.pk, state=ChangeState.PENDING).update(
            state=ChangeState.APPROVED, decided_by=actor, decided_at=timezone.now()
        )
        if not moved:
            raise ResetError("Someone else decided on this reset a moment ago.")
        removed = two_factor.remove_all_devices(reset.person)
        audit.record(
            "two_factor.reset",
            actor=actor,
            obj=reset.person,
            before={"devices": removed},
            after={"reset": reset.pk, "proposed_by": reset.proposed_by.get_username()},
            summary=f"{reset.person.get_username()}'s second factor reset (#{reset.pk}, proposed by "
            f"{reset.proposed_by.get_username()}); they set it up again at their next sign-in",
        )
    reset.refresh_from_db()
    return reset


def reject(pk: int, *, actor: User) -> FactorReset:
    """Another Admin rejects the reset, or its maker withdraws it; the factor stays (audited)."""
    with transaction.atomic():
        reset = _locked(pk)
        if reset.state != ChangeState.PENDING:
            raise ResetError(f"This reset is already {reset.get_state_display().lower()}.")
        if not _is_admin(actor):
            raise ResetError("Only an Admin may reject a reset.")
        own = reset.proposed_by_id == actor.pk
        state = ChangeState.WITHDRAWN if own else ChangeState.REJECTED
        moved = FactorReset.objects.filter(pk=reset.pk, state=ChangeState.PENDING).update(
            state=state, decided_by=actor, decided_at=timezone.now()
        )
        if not moved:
            raise ResetError("Someone else decided on this reset a moment ago.")
        if own:
            audit.record(
                "two_factor.reset_withdrawn",
                actor=actor,
                obj=reset.person,
                after={"reset": reset.pk},
                summary=f"reset of {reset.person.get_username()}'s second factor withdrawn (#{reset.pk})",
            )
        else:
            audit.record(
                "two_factor.reset_rejected",
                actor=actor,
                obj=reset.person,
                after={"reset": reset.pk},
                summary=f"reset of {reset.person.get_username()}'s second factor rejected (#{reset.pk})",
            )
    reset.refresh_from_db()
    return reset
