"""Webhook intake: authenticate, validate, store once per event id, announce it (orders.tasks refreshes).

A webhook is a trigger only; the Order Status pull that follows is the truth. Intake does no network I/O,
so it answers fast.
"""

import base64
import binascii
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from dashboard.juspay.errors import JuspayParseError
from dashboard.juspay.types_webhook import PayoutWebhookEvent
from dashboard.juspay.types_webhook import WebhookEvent as OrderWebhook
from dashboard.merchants import default_merchant
from dashboard.models import Merchant
from orders import signals
from orders.models import Fulfillment, WebhookEvent


class WebhookRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Intake:
    event: WebhookEvent
    duplicate: bool


def credentials_ok(authorization: str) -> bool:
    """Constant-time check of `Authorization: Basic …` against the configured webhook credentials."""
    user, password = settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD
    if not user or not password or not authorization.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(authorization[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = f"{user}:{password}".encode()
    return hmac.compare_digest(given, expected)


def _payout_of_fulfillment(fulfillment_id: str | None) -> str:
    """Transaction-level payout webhooks name only Juspay's fulfilment id: find its payout order in the cache."""
    if not fulfillment_id:
        return ""
    return (
        Fulfillment.objects.filter(fulfillment_id=fulfillment_id)
        .values_list("payout_order__payout_order_id", flat=True)
        .first()
        or ""
    )


def _classify(body: dict[str, object]) -> tuple[str, str, str, str, str]:
    """(kind, event id, event name, order id, juspay merchant id) of a payment or payout webhook."""
    try:
        if "event_name" in body:
            parsed = OrderWebhook.parse(body)
            content = parsed.content
            order_id = (content.order.order_id if content.order else None) or (
                content.txn.order_id if content.txn else None
            )
            merchant_id = content.order.merchant_id if content.order else None
            return "order", parsed.id or "", parsed.event_name, order_id or "", merchant_id or ""
        if "label" in body:
            payout = PayoutWebhookEvent.parse(body)
            info = payout.info
            order_id = (info.merchant_order_id if info else None) or _payout_of_fulfillment(
                info.fulfillment_id if info else None
            )
            return "payout", payout.id or "", f"{payout.label}:{payout.value or ''}", order_id, ""
    except JuspayParseError as exc:
        raise WebhookRejected(400, f"body does not fit a Juspay webhook: {exc}") from exc
    raise WebhookRejected(400, "not a Juspay webhook: neither event_name nor label present")


def receive(authorization: str, raw_body: bytes) -> Intake:
    if not credentials_ok(authorization):
        raise WebhookRejected(401, "bad or missing webhook credentials")
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(400, f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise WebhookRejected(400, "body is not a JSON object")
    kind, event_id, event_name, order_id, juspay_merchant = _classify(body)
    if not event_id:
        raise WebhookRejected(400, "webhook has no event id")
    if not order_id and kind == "order":
        raise WebhookRejected(400, "webhook names no order")
    merchant = Merchant.objects.filter(merchant_id=juspay_merchant, is_active=True).first() if juspay_merchant else None
    merchant = merchant or default_merchant()
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                merchant=merchant,
                event_id=event_id,
                event_name=event_name[:64],
                order_id=order_id[:64],
                kind=kind,
                payload=body,
            )
            if order_id:  # a payout webhook for a fulfilment we have never seen is kept, with nothing to refresh
                transaction.on_commit(lambda: signals.webhook_stored.send(WebhookEvent, event=event))
    except IntegrityError:
        return Intake(WebhookEvent.objects.get(event_id=event_id), duplicate=True)
    return Intake(event, duplicate=False)
