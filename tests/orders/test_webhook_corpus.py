"""The webhook corpus (tests/juspay/payloads/webhooks/, README there): every body is accepted, stored exactly as
sent, flagged with exactly the problems it has, and starts a refresh of the order or payout order it names."""

import copy
import json

import pytest
from django.utils import timezone

from dashboard.juspay.types_payout import PayoutOrder as ParsedPayout
from orders.models import SyncSource, WebhookEvent
from orders.sync import apply_payout_order
from tests.juspay.examples import PAYLOADS, example
from tests.orders.test_webhook_view import post

CORPUS = PAYLOADS / "webhooks"
FULFILMENTS = {"LPW2406F0101-f1": "LPW2406F0100", "LPW2406F0102-f1": "LPW2406F0100"}

# The paths each body must be flagged at: what does not fit its documented type, what the documentation does
# not have, and ids intake had to read from a number. An empty list: the body is odd but readable.
EXPECTED_PROBLEMS = {
    "order_succeeded_date_day_first.json": ["content.order.date_created"],
    "order_succeeded_amount_with_separators.json": ["content.order.amount", "content.order.effective_amount"],
    "order_succeeded_amount_null.json": [],
    "order_succeeded_card_list.json": ["content.order.card"],
    "order_succeeded_masked.json": [],
    "order_succeeded_txn_detail_text.json": ["content.order.txn_detail"],
    "order_succeeded_blocks_null_and_list.json": ["content.order.metadata"],
    "order_succeeded_unknown_fields.json": [
        "content.order.loyalty_points_earned",
        "content.order.txn_detail.emi_plan_code",
        "webhook_version",
    ],
    "order_succeeded_unknown_status.json": ["content.order.status"],
    "order_succeeded_dates_epoch_and_offset.json": [],
    "order_succeeded_metadata_text.json": ["content.order.metadata", "content.order.additional_info"],
    "order_failed_status_id_text.json": ["content.order.status_id"],
    "order_failed_refunds_object.json": ["content.order.refunds"],
    "order_refunded_refund_amount_text.json": ["content.order.refunds[0].amount"],
    "order_refunded_refund_dates_blank.json": ["content.order.refunds[0].pg_processed_at"],
    "order_refund_failed_flag_text.json": ["content.order.refunds[0].sent_to_gateway"],
    "refund_initiated_null_refund.json": ["content.order.refunds[1]"],
    "refund_manual_review_unknown_type.json": ["content.order.refunds[0].refund_type"],
    "txn_created_breakup_bad_text.json": ["content.order.txn_detail.txn_amount_breakup"],
    "auto_refund_succeeded_udfs_odd.json": ["content.order.udf2"],
    "auto_refund_failed_offers_text.json": ["content.order.offers"],
    "order_authorized_blocks_text.json": ["content.order.authentication", "content.order.authorization"],
    "order_partial_charged_legs_odd.json": ["content.order.txn_list[0]", "content.order.txn_list[1].effective_amount"],
    "order_succeeded_order_as_json_text.json": ["content.order"],
    "order_succeeded_event_id_number.json": ["id", "date_created"],
    "order_succeeded_order_id_number.json": ["content.order.order_id"],
    "order_succeeded_flags_and_counts_text.json": [
        "content.order.refunded",
        "content.order.emi_tenure",
        "content.order.upi",
    ],
    "txn_charged_amounts_text.json": ["content.txn.txn_amount"],
    "txn_charged_card_text.json": ["content.txn.payment_gateway_response.created"],
    "txn_failed_gateway_id_text.json": ["content.txn.gateway_id"],
    "txn_failed_unknown_method.json": ["content.txn.payment_method_type", "content.txn.payment_gateway_response"],
    "payout_order_successful_amount_text.json": ["info.amount", "info.createdAt"],
    "payout_order_partially_unknown_type.json": ["info.orderType", "info.priority"],
    "payout_order_failure_epoch_status_odd.json": ["info.status"],
    "payout_order_review_order_id_number.json": ["info.merchantOrderId"],
    "payout_order_scheduled_unknown_value.json": ["value", "info.status"],
    "payout_order_cancelled_info_odd.json": ["info.merchantCustomerId"],
    "payout_txn_success_response_text.json": ["info.txnResponse"],
    "payout_txn_failure_flags_text.json": ["info.attempted", "info.amount"],
    "payout_txn_reversed_null_blocks.json": [],
    "payout_txn_conflicted_deep_odd.json": ["info.txnResponse.amount", "info.txnResponse.bankCode"],
    "payout_txn_review_updated_odd.json": ["info.updatedAt"],
    "payout_txn_initiated_id_number.json": ["info.amount"],
}


@pytest.fixture
def cached_fulfilments(merchant):
    """The payout order the corpus's FULFILLMENT_TXN bodies belong to, as a payout Order Status sync caches it."""
    answer = copy.deepcopy(example("payout_order_status_fulfillment.json"))
    answer["orderId"] = "LPW2406F0100"
    template = answer["fulfillments"][0]
    answer["fulfillments"] = [{**copy.deepcopy(template), "id": fulfilment_id} for fulfilment_id in FULFILMENTS]
    apply_payout_order(merchant, ParsedPayout.parse(answer), source=SyncSource.IMPORT, fetched_at=timezone.now())


def test_the_corpus_is_the_one_the_readme_describes():
    on_disk = {path.name for path in CORPUS.glob("*.json")}
    assert on_disk == set(EXPECTED_PROBLEMS)
    readme = (PAYLOADS / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in on_disk)
    assert len(on_disk) >= 38


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED_PROBLEMS))
def test_every_corpus_body_is_accepted_stored_flagged_and_refreshed(
    client, merchant, good_auth, refreshes, cached_fulfilments, django_capture_on_commit_callbacks, name
):
    text = (CORPUS / name).read_text()
    body = json.loads(text)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, text, good_auth)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    event = WebhookEvent.objects.get(event_id=str(body["id"]))
    assert event.raw_body == text and event.payload == body
    assert sorted({p["path"] for p in event.parse_problems}) == sorted(EXPECTED_PROBLEMS[name])
    assert all(p["problem"] for p in event.parse_problems)
    expected_order = _named_order(body)
    assert event.order_id == expected_order and event.kind == ("payout" if "label" in body else "order")
    assert refreshes == [event.pk]


def _named_order(body: dict) -> str:
    if "label" in body:
        info = body["info"]
        return str(info.get("merchantOrderId") or FULFILMENTS[info["FulfillmentId"]])
    content = body["content"]
    order = json.loads(content["order"]) if isinstance(content.get("order"), str) else content.get("order")
    return str((order or content.get("txn"))["order_id"])


def test_an_odd_value_is_flagged_with_what_juspay_sent():
    problems = {p["path"]: p for p in _problems_of("order_refunded_refund_amount_text.json")}
    assert problems["content.order.refunds[0].amount"]["value"] == "499.00 INR"
    assert "decimal" in problems["content.order.refunds[0].amount"]["problem"]


def _problems_of(name: str) -> list[dict]:
    from orders.webhooks import identify, parse_problems

    body = json.loads((CORPUS / name).read_text())
    found = identify(body)
    return found.problems + parse_problems(found.kind, body)
