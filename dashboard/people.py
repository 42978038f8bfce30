"""Assigning people to roles: the one place a role changes on someone's behalf, always audited."""

from django.contrib.auth.models import User
from django.db import transaction

from dashboard import audit
from dashboard.roles import role_of, set_role


def change_role(person: User, role: str | None, *, actor: User) -> None:
    """Give `person` exactly `role` (None: no role), with its audit event in the same transaction."""
    before = role_of(person)
    with transaction.atomic():
        set_role(person, role)
        audit.record(
            "user.role_changed",
            actor=actor,
            obj=person,
            before={"role": before},
            after={"role": role or ""},
            summary=f"{person.get_username()}: {before or 'no role'} → {role or 'no role'}",
        )
