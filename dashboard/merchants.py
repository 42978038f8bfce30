"""Merchant accounts: the default one is seeded from the JUSPAY_* environment variables."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from dashboard import audit
from dashboard.models import Merchant

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


def save_merchant(merchant: Merchant, *, actor: User) -> Merchant:
    """Save an edited (or new) merchant, keep one default, and audit the change against the stored row."""
    with transaction.atomic():
        stored = Merchant.objects.select_for_update().filter(pk=merchant.pk).first() if merchant.pk else None
        before = snapshot(stored) if stored else None
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
    return merchant
