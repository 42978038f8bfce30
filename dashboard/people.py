"""Assigning people to roles and limiting them to merchants: the one place these change on someone's behalf,
always audited."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from dashboard import audit, merchant_scope
from dashboard.models import Merchant, MerchantAccess
from dashboard.roles import role_of, set_role


class MerchantLimitError(Exception):
    """The change of a person's merchants is refused (the message says why)."""


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


def merchant_codes(person: User) -> list[str]:
    """The codes of the merchants `person` is limited to; [] for every merchant."""
    return sorted(MerchantAccess.objects.filter(user=person).values_list("merchant__code", flat=True))


def limit_merchants(person: User, merchants: Iterable[Merchant], *, actor: User) -> None:
    """Limit `person` to exactly `merchants` (none: every merchant, no limit), audited in the same transaction.

    Only an Admin who is not limited themselves may change limits: a limited Admin could otherwise grant
    merchants they cannot see, or lift a limit (their own included)."""
    if merchant_scope.is_limited(actor):
        raise MerchantLimitError("You are limited to some merchants, so you cannot change anyone's merchants.")
    wanted = {m.pk: m.code for m in merchants}
    with transaction.atomic():
        before = merchant_codes(person)
        MerchantAccess.objects.filter(user=person).exclude(merchant_id__in=wanted).delete()
        have = set(MerchantAccess.objects.filter(user=person).values_list("merchant_id", flat=True))
        MerchantAccess.objects.bulk_create(
            [MerchantAccess(user=person, merchant_id=pk) for pk in sorted(set(wanted) - have)]
        )
        after = sorted(wanted.values())
        audit.record(
            "user.merchants_limited",
            actor=actor,
            obj=person,
            before={"merchants": before},
            after={"merchants": after},
            summary=f"{person.get_username()}: {', '.join(before) or 'all merchants'} → "
            f"{', '.join(after) or 'all merchants'}",
        )
    merchant_scope.forget(person)
