"""Merchant accounts: the default one is seeded from the JUSPAY_* environment variables."""

from django.conf import settings

from dashboard.models import Merchant


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
