"""Idempotency keys are pruned after API_IDEMPOTENCY_KEEP_HOURS, and pruning never lets a refund be raised twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import api_idempotency, tasks
from dashboard.models import IdempotencyKey
from fulfilment.models import ActionRequest
from tests.api.action_fixtures import new_key

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttles")]

REFUNDS = "/api/v1/action-requests/refunds/"


def body(order):
    return {"order_id": order.order_id, "amount": "100.00", "reason_code": "CUSTOMER_REQUEST", "comment": "called"}


def age(key: str, hours: float) -> None:
    IdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - timedelta(hours=hours))


def test_keys_older_than_the_setting_are_pruned_and_newer_ones_kept(api_as, charged, settings):
    settings.API_IDEMPOTENCY_KEEP_HOURS = 24
    support = api_as("Support")
    old, fresh = new_key(), new_key()
    assert support.post(REFUNDS, body(charged), key=old).status_code == 201
    assert support.post(REFUNDS, {**body(charged), "amount": "50.00"}, key=fresh).status_code == 201
    age(old, 25)
    age(fresh, 23)

    assert tasks.prune_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [fresh]


def test_a_raise_sent_again_after_its_key_was_pruned_finds_the_first_request(api_as, charged):
    support = api_as("Support")
    key = new_key()
    first = support.post(REFUNDS, body(charged), key=key)
    assert first.status_code == 201
    age(key, 1000)
    assert api_idempotency.prune() == 1

    again = support.post(REFUNDS, body(charged), key=key)

    assert again.json()["id"] == first.json()["id"]
    assert ActionRequest.objects.count() == 1


def test_beat_prunes_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-idempotency-keys"]
    assert entry["task"] == "dashboard.tasks.prune_idempotency_keys" and entry["schedule"] == 3600.0
