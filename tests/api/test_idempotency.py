"""The Idempotency-Key header on creating POSTs: the same key from the same user gets the first answer, another
body with it is a 422, and 20 identical POSTs racing on PostgreSQL create exactly one request."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from dashboard.models import AuditEvent, IdempotencyKey
from fulfilment.models import ActionRequest
from orders.models import Note
from tests.api.action_fixtures import TokenClient, new_key

pytestmark = pytest.mark.usefixtures("fresh_throttles")

REFUNDS = "/api/v1/action-requests/refunds/"


def body(order, **changes):
    return {"order_id": order.order_id, "amount": "100.00", "reason_code": "GOODWILL", "comment": "sorry", **changes}


@pytest.mark.django_db
def test_the_same_key_returns_the_first_answer_and_creates_one_request(api_as, charged):
    support = api_as("Support")
    key = new_key()
    first = support.post(REFUNDS, body(charged), key=key)
    again = support.post(REFUNDS, body(charged), key=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert ActionRequest.objects.count() == 1
    assert AuditEvent.objects.filter(verb="action.raised").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_problem(api_as, charged):
    support = api_as("Support")
    key = new_key()
    assert support.post(REFUNDS, body(charged), key=key).status_code == 201
    response = support.post(REFUNDS, body(charged, amount="200.00"), key=key)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]
    other_endpoint = support.post(f"/api/v1/orders/{charged.order_id}/notes/", {"body": "hi"}, key=key)
    assert other_endpoint.status_code == 422
    assert ActionRequest.objects.count() == 1 and not Note.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_their_user(api_as, charged):
    key = new_key()
    assert api_as("Support").post(REFUNDS, body(charged), key=key).status_code == 201
    assert api_as("Support").post(REFUNDS, body(charged), key=key).status_code == 201
    assert ActionRequest.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_first_try_keeps_no_answer_so_the_key_can_be_used_again(api_as, charged):
    support = api_as("Support")
    key = new_key()
    refused = support.post(REFUNDS, body(charged, amount="0"), key=key)
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    assert support.post(REFUNDS, body(charged), key=key).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["has space", "x" * 256, "ключ"])
def test_a_malformed_key_is_a_400_naming_the_header(api_as, charged, key):
    response = api_as("Support").post(REFUNDS, body(charged), **{"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.django_db
def test_notes_take_a_key_too(api_as, charged):
    support = api_as("Support")
    key = new_key()
    url = f"/api/v1/orders/{charged.order_id}/notes/"
    first = support.post(url, {"body": "Customer called"}, key=key)
    again = support.post(url, {"body": "Customer called"}, key=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Note.objects.count() == 1
    assert support.post(url, {"body": "Customer called"}).status_code == 201  # without a key: a new note
    assert Note.objects.count() == 2


POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.mark.skipif(not POSTGRES, reason="the race needs PostgreSQL: set DATABASE_URL=postgres://…")
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_posts_at_once_create_exactly_one_request(make_user, token_client, cached_order):
    order = cached_order("order_status_charged.json")
    support: TokenClient = token_client(make_user("Support"))
    key, workers = new_key(), 20
    barrier = threading.Barrier(workers)
    answers: list[tuple[int, bytes, str]] = []
    errors: list[BaseException] = []

    def post() -> None:
        client = TokenClient(support.user, support.auth["Authorization"].removeprefix("Bearer "))
        try:
            barrier.wait(timeout=30)
            response = client.post(REFUNDS, body(order), key=key)
            answers.append((response.status_code, response.content, response.get("Idempotent-Replayed", "")))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(answers) == workers
    assert {status for status, _, _ in answers} == {201}
    assert len({content for _, content, _ in answers}) == 1  # every answer is the first one, byte for byte
    assert sorted(replayed for _, _, replayed in answers).count("") == 1  # one ran, nineteen replayed
    assert ActionRequest.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert AuditEvent.objects.filter(verb="action.raised").count() == 1
