"""POST /webhooks/juspay/: Basic auth in constant time, the ids read tolerantly, stored once per event id."""

import json

import pytest

from orders.models import Order, TimelineEvent, WebhookEvent
from tests.juspay.examples import example
from tests.orders.webhook_auth import URL


def post(client, body, auth):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers={"Authorization": auth})


@pytest.mark.django_db(transaction=True)
def test_a_good_webhook_is_stored_and_a_refresh_enqueued(client, merchant, good_auth, refreshes):
    body = example("webhook_order_succeeded.json")
    response = post(client, body, good_auth)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.order_id, event.kind) == (body["id"], body["content"]["order"]["order_id"], "order")
    assert refreshes == [event.pk]
    assert not Order.objects.exists()  # the webhook is a trigger; the pull makes the order


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_webhook_stores_nothing_new(client, merchant, good_auth, refreshes):
    body = example("webhook_order_refunded.json")
    post(client, body, good_auth)
    again = post(client, body, good_auth)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert WebhookEvent.objects.count() == 1 and len(refreshes) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["", "Basic bm90OnJpZ2h0", "Bearer abc", "Basic !!!"])
def test_bad_credentials_are_refused_and_nothing_is_stored(client, merchant, auth, refreshes):
    response = post(client, example("webhook_order_succeeded.json"), auth)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not WebhookEvent.objects.exists() and refreshes == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        ([1, 2], "not a JSON object"),
        ({"hello": "world"}, "neither event_name nor label"),
        (
            {"event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": "X1", "status": "CHARGED"}}},
            "no event id",
        ),
        (
            {"id": {"v": 2}, "event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": "X1"}}},
            "no event id",
        ),
        (
            {"id": "e" * 129, "event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": "X1"}}},
            "event id longer than 128",
        ),
        (
            {"id": "evt_V2_3", "event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": "X" * 65}}},
            "order id longer than 64",
        ),
        ({"JWT": "eyJhbGciOi.e30.sig"}, "JWT-encrypted webhooks are not supported"),
    ],
)
def test_a_malformed_body_is_a_400_with_a_reason(client, merchant, good_auth, refreshes, body, reason):
    response = post(client, body, good_auth)
    assert response.status_code == 400
    assert reason in response.json()["reason"]
    assert not WebhookEvent.objects.exists() and not TimelineEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"id": "evt_V2_1", "event_name": "ORDER_SUCCEEDED", "content": {}}, "names no order"),
        ({"id": "evt_V2_2", "event_name": "ORDER_SUCCEEDED", "content": "gone"}, "names no order"),
        ({"id": "evt_V2_4", "event_name": "MANDATE_ACTIVATED", "content": {"mandate": {}}}, "names no order"),
        ({"id": "0a1b", "label": "ORDER", "value": "FULFILLMENTS_SUCCESSFUL", "info": {}}, "names no payout order"),
    ],
)
def test_a_webhook_naming_nothing_to_refresh_is_kept_not_refused(client, merchant, good_auth, refreshes, body, reason):
    """Mandate or notification events, or an order event without its order: Juspay would only send a refused
    one again, so it is answered 200 and kept (with why) for Admin, and nothing is refreshed or retried."""
    response = post(client, body, good_auth)
    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id=body["id"])
    assert reason in event.error and event.processed_at is not None and event.next_attempt_at is None
    assert refreshes == []


@pytest.mark.django_db(transaction=True)
def test_a_payout_webhook_names_its_payout_order(client, merchant, good_auth, refreshes):
    body = example("payout_webhook_order.json")
    assert post(client, body, good_auth).status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.kind, event.order_id) == ("payout", body["info"]["merchantOrderId"])


@pytest.mark.django_db(transaction=True)
def test_a_payout_transaction_webhook_finds_its_payout_order_through_the_fulfilment(
    client, merchant, good_auth, refreshes
):
    from django.utils import timezone

    from dashboard.juspay.types_payout import PayoutOrder as ParsedPayout
    from orders.models import SyncSource
    from orders.sync import apply_payout_order

    payout = example("payout_order_status_fulfillment.json")
    apply_payout_order(merchant, ParsedPayout.parse(payout), source=SyncSource.IMPORT, fetched_at=timezone.now())
    body = example("payout_webhook_txn.json")
    assert body["info"]["FulfillmentId"] == payout["fulfillments"][0]["id"]
    assert post(client, body, good_auth).status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.kind, event.order_id) == ("payout", payout["orderId"]) and refreshes == [event.pk]


@pytest.mark.django_db(transaction=True)
def test_a_payout_transaction_webhook_for_an_unknown_fulfilment_is_kept_without_a_refresh(
    client, merchant, good_auth, refreshes
):
    response = post(client, example("payout_webhook_txn.json"), good_auth)
    assert response.status_code == 200
    assert WebhookEvent.objects.get().order_id == "" and refreshes == []


@pytest.mark.django_db(transaction=True)
def test_a_body_whose_deep_fields_do_not_fit_is_accepted_and_flagged(client, merchant, good_auth, refreshes):
    """Refused with 400 before: one deep field that does not fit never refuses a webhook."""
    body = {
        "id": "evt_V2_odd",
        "event_name": "ORDER_SUCCEEDED",
        "content": {"order": {"order_id": "X", "amount": "lots", "status": "CHARGED", "card": ["?"]}},
    }
    response = post(client, body, good_auth)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get()
    assert event.order_id == "X" and refreshes == [event.pk]
    flagged = {p["path"]: p for p in event.parse_problems}
    assert set(flagged) == {"content.order.amount", "content.order.card"}
    assert flagged["content.order.amount"]["value"] == "lots"


@pytest.mark.django_db(transaction=True)
def test_the_raw_body_is_kept_exactly_and_a_nul_character_does_not_break_storage(
    client, merchant, good_auth, refreshes
):
    text = (
        '{"id": "evt_V2_raw", "event_name": "ORDER_SUCCEEDED", '
        '"content": {"order": {"order_id": "R1", "amount": 10.50, "udf3": "a\\u0000b", "udf4": NaN}}}'
    )
    assert post(client, text, good_auth).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.raw_body == text
    assert event.payload["content"]["order"]["amount"] == 10.5
    assert event.payload["content"]["order"]["udf3"] == "a\ufffdb"  # PostgreSQL's JSON refuses U+0000
    assert event.payload["content"]["order"]["udf4"] == "NaN"  # not JSON: kept as text


@pytest.mark.django_db(transaction=True)
def test_a_webhook_is_stored_on_the_active_merchant_it_names_else_on_the_default(
    client, merchant, good_auth, refreshes
):
    from dashboard.models import Merchant

    other = Merchant.objects.create(code="other", name="Other", merchant_id="m_other", base_url=merchant.base_url)
    retired = Merchant.objects.create(
        code="retired", name="Retired", merchant_id="m_retired", base_url=merchant.base_url, is_active=False
    )
    named = {"m_other": other.pk, "m_retired": merchant.pk, "m_unknown": merchant.pk, "": merchant.pk}
    for n, (merchant_id, expected) in enumerate(named.items()):
        body = {"id": f"evt_m_{n}", "event_name": "ORDER_SUCCEEDED", "content": {"order": {"order_id": f"o{n}"}}}
        if merchant_id:
            body["content"]["order"]["merchant_id"] = merchant_id
        assert post(client, body, good_auth).json()["status"] == "accepted"
        assert WebhookEvent.objects.get(event_id=f"evt_m_{n}").merchant_id == expected, merchant_id
    assert retired.pk not in WebhookEvent.objects.values_list("merchant_id", flat=True)
