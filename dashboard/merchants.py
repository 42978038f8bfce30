"""Merchant accounts: the default one is seeded from the JUSPAY_* environment variables.

A new Juspay base URL is where the API key goes on the next call, so changing it needs the key re-entered
and takes effect only when a second Admin approves it (`propose_base_url`, `approve_change`); the URL must
be https (plain http only to a loopback host in debug) and on `JUSPAY_BASE_URL_ALLOWLIST` when that is set.
"""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard import audit, merchant_scope
from dashboard.models import ChangeState, Merchant, MerchantChange

CHANGE_MERCHANT = "dashboard.change_merchant"


class MerchantChangeError(ValueError):
    """A base URL change that may not be proposed or decided, with the reason."""


class MerchantAddRefused(MerchantChangeError):
    """A merchant this person may not add (`why_not_add`)."""


AUDITED_FIELDS = ("code", "name", "base_url", "merchant_id", "api_version", "is_active", "is_default")


def ensure_default_merchant() -> Merchant:
    """Create the default merchant from settings, or bring its connection details up to date."""
    merchant, _ = Merchant.objects.update_or_create(
        code="default",
        defaults={
            "name": f"Juspay {settings.JUSPAY_MERCHANT_ID}",
            "base_url": settings.JUSPAY_BASE_URL,
            "api_key": settings.JUSPAY_API_KEY,
            "merchant_id": settings.JUSPAY_MERCHANT_ID,
            "is_default": True,
        },
    )
    return merchant


def default_merchant() -> Merchant:
    merchant = Merchant.objects.filter(is_default=True, is_active=True).first()
    return merchant or ensure_default_merchant()


def snapshot(merchant: Merchant) -> dict[str, Any]:
    """What the audit log keeps of a merchant: everything but the API key, which is only marked."""
    data = {name: getattr(merchant, name) for name in AUDITED_FIELDS}
    data["api_key"] = f"…{merchant.api_key[-4:]}" if merchant.api_key else ""
    return data


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def why_not_base_url(url: str) -> str | None:
    """Why `url` may not be a merchant's Juspay base URL; None when it may."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "Enter a valid URL."
    if not host:
        return "Enter a valid URL."
    if parts.username is not None or parts.password is not None:
        return "The base URL may not carry a user name or password."
    if parts.scheme != "https" and not (
        parts.scheme == "http" and settings.JUSPAY_BASE_URL_LOOPBACK_HTTP and _is_loopback(host)
    ):
        return "The base URL must use https (plain http only to this machine, in debug mode)."
    allowed = settings.JUSPAY_BASE_URL_ALLOWLIST
    if allowed and host not in allowed:
        return f"{host} is not in JUSPAY_BASE_URL_ALLOWLIST ({', '.join(allowed)})."
    return None


def why_not_add(actor: User) -> str | None:
    """Why `actor` may not add a merchant; None when they may.

    An Admin limited to some merchants may not: the new merchant would be hidden from them at once (a limited
    person sees only the merchants they are limited to), and giving them access to it would be widening their
    own limit, which only an Admin who sees every merchant may do (`people.limit_merchants`)."""
    if merchant_scope.is_limited(actor):
        return (
            "You are limited to some merchants, so you cannot add one: it would be hidden from you, and only an "
            "Admin who sees every merchant may widen anyone's access. Ask such an Admin to add it and to give "
            "you access to it on the People page."
        )
    return None


def save_merchant(merchant: Merchant, *, actor: User) -> MerchantChange | None:
    """Save an edited (or new) merchant, keep one default, and audit the change against the stored row.

    A new merchant needs an actor who may add one (`why_not_add`: not limited to some merchants), else
    `MerchantAddRefused`. For a stored merchant whose base URL changes, the new URL and the key given with it
    are proposed (`propose_base_url`) instead of saved: the returned change waits for another Admin."""
    if not merchant.pk:
        refusal = why_not_add(actor)
        if refusal:
            raise MerchantAddRefused(refusal)
    with transaction.atomic():
        stored = Merchant.objects.select_for_update().filter(pk=merchant.pk).first() if merchant.pk else None
        before = snapshot(stored) if stored else None
        change = None
        if stored is not None and merchant.base_url != stored.base_url:
            change = propose_base_url(stored, base_url=merchant.base_url, api_key=merchant.api_key, actor=actor)
            merchant.base_url, merchant.api_key = stored.base_url, stored.api_key
        merchant.save()
        if merchant.is_default:
            Merchant.objects.exclude(pk=merchant.pk).filter(is_default=True).update(is_default=False)
        audit.record(
            "merchant.created" if before is None else "merchant.changed",
            actor=actor,
            obj=merchant,
            before=before,
            after=snapshot(merchant),
            summary=f"merchant {merchant.code} saved",
        )
    return change


def propose_base_url(merchant: Merchant, *, base_url: str, api_key: str, actor: User) -> MerchantChange:
    """Propose a new base URL with its API key; the merchant keeps its old ones until another Admin approves."""
    refusal = why_not_base_url(base_url)
    if refusal:
        raise MerchantChangeError(refusal)
    if not api_key:
        raise MerchantChangeError("Changing the base URL needs the API key re-entered.")
    try:
        with transaction.atomic():
            change = MerchantChange.objects.create(
                merchant=merchant, base_url=base_url, api_key=api_key, proposed_by=actor
            )
            audit.record(
                "merchant.base_url_proposed",
                actor=actor,
                obj=merchant,
                before={"base_url": merchant.base_url},
                after={"base_url": base_url, "api_key": f"…{api_key[-4:]}"},
                summary=f"merchant {merchant.code}: base URL {base_url} proposed (change #{change.pk})",
            )
    except IntegrityError:
        raise MerchantChangeError(
            f"A base URL change for {merchant.code} already waits; approve, reject or withdraw it first."
        ) from None
    return change


def pending_changes() -> list[MerchantChange]:
    return list(MerchantChange.objects.filter(state=ChangeState.PENDING).select_related("merchant", "proposed_by"))


def why_not_approve(actor: User, change: MerchantChange) -> str | None:
    """Why `actor` may not approve `change`; None when they may (an Admin who did not propose it)."""
    if change.state != ChangeState.PENDING:
        return f"this change is already {change.get_state_display().lower()}"
    if not actor.is_active or not actor.has_perm(CHANGE_MERCHANT):
        return "only an Admin may approve a merchant change"
    if change.proposed_by_id == actor.pk:
        return "you proposed this change; another Admin must approve it"
    return None


def _locked_change(pk: int) -> MerchantChange:
    change = MerchantChange.objects.select_for_update().select_related("merchant").filter(pk=pk).first()
    if change is None:
        raise MerchantChangeError("No such change.")
    return change


def approve_change(pk: int, *, actor: User) -> MerchantChange:
    """Another Admin approves: the merchant gets the new base URL and key (audited)."""
    with transaction.atomic():
        change = _locked_change(pk)
        refusal = why_not_approve(actor, change) or why_not_base_url(change.base_url)  # the allow-list may have moved
        if refusal:
            raise MerchantChangeError(refusal[0].upper() + refusal[1:])
        merchant = Merchant.objects.select_for_update().get(pk=change.merchant_id)
        before = snapshot(merchant)
        moved = MerchantChange.objects.filter(pk=change.pk, state=ChangeState.PENDING).update(
            state=ChangeState.APPROVED, decided_by=actor, decided_at=timezone.now(), api_key=""
        )
        if not moved:
            raise MerchantChangeError("Someone else decided on this change a moment ago.")
        merchant.base_url, merchant.api_key = change.base_url, change.api_key
        merchant.save(update_fields=["base_url", "api_key", "updated_at"])
        audit.record(
            "merchant.base_url_changed",
            actor=actor,
            obj=merchant,
            before=before,
            after=snapshot(merchant),
            summary=f"merchant {merchant.code}: base URL {change.base_url} approved "
            f"(proposed by {change.proposed_by.get_username()})",
        )
    change.refresh_from_db()
    return change


def reject_change(pk: int, *, actor: User) -> MerchantChange:
    """Another Admin rejects the change, or its maker withdraws it; nothing changes on the merchant (audited)."""
    with transaction.atomic():
        change = _locked_change(pk)
        if change.state != ChangeState.PENDING:
            raise MerchantChangeError(f"This change is already {change.get_state_display().lower()}.")
        if not actor.is_active or not actor.has_perm(CHANGE_MERCHANT):
            raise MerchantChangeError("Only an Admin may reject a merchant change.")
        own = change.proposed_by_id == actor.pk
        state = ChangeState.WITHDRAWN if own else ChangeState.REJECTED
        moved = MerchantChange.objects.filter(pk=change.pk, state=ChangeState.PENDING).update(
            state=state, decided_by=actor, decided_at=timezone.now(), api_key=""
        )
        if not moved:
            raise MerchantChangeError("Someone else decided on this change a moment ago.")
        audit.record(
            "merchant.base_url_withdrawn" if own else "merchant.base_url_rejected",
            actor=actor,
            obj=change.merchant,
            before={"base_url": change.merchant.base_url},
            after={"proposed_base_url": change.base_url, "state": state},
            summary=f"merchant {change.merchant.code}: base URL {change.base_url} "
            + ("withdrawn" if own else "rejected"),
        )
    change.refresh_from_db()
    return change
