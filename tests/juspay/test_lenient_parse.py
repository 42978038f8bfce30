"""The lenient parse (dashboard/juspay/types_base.py): a field that does not fit its type costs only that field.
It is left unset, kept as sent in `raw`, and listed in `parse_problems`; every answer type gets it."""

import copy

import pytest

from dashboard.juspay.errors import JuspayParseError
from dashboard.juspay.types_fulfillment import FulfillmentResponse
from dashboard.juspay.types_order import Order
from dashboard.juspay.types_payout import PayoutOrder
from dashboard.juspay.types_refund import TxnRefund
from dashboard.juspay.types_webhook import PayoutWebhookEvent, WebhookEvent
from tests.juspay.examples import example


def changed(name: str, edit) -> dict:
    data = copy.deepcopy(example(name))
    edit(data)
    return data


def problems(parsed) -> dict[str, object]:
    return {p.path: p.value for p in parsed.parse_problems}


def test_a_deep_field_that_does_not_fit_is_unset_kept_raw_and_listed():
    data = changed("order_status_charged.json", lambda d: d["txn_detail"].update(created="31/12/2024 10:00"))
    order = Order.parse(data)
    assert order.txn_detail is not None and order.txn_detail.created is None
    assert order.txn_detail.gateway == data["txn_detail"]["gateway"]  # the rest of the block is read
    assert problems(order) == {"txn_detail.created": "31/12/2024 10:00"}
    assert order.raw == data and order.raw["txn_detail"]["created"] == "31/12/2024 10:00"
    assert not order.is_fully_known
    assert "txn_detail.created" in str(order.parse_problems[0]) and "datetime" in order.parse_problems[0].message


def test_a_list_item_that_is_not_an_object_costs_only_that_item():
    data = changed(
        "order_status_with_refunds.json",
        lambda d: d["refunds"].insert(1, "RF-lost") or d["refunds"][0].update(amount="1200 INR"),
    )
    order = Order.parse(data)
    assert [r.unique_request_id for r in order.refunds] == ["RF-M27-01", "RF-M27-02"]
    assert order.refunds[0].amount is None and order.refunds[0].status == "SUCCESS"
    assert problems(order) == {"refunds[0].amount": "1200 INR", "refunds[1]": "RF-lost"}


def test_a_block_of_the_wrong_type_is_unset():
    order = Order.parse(changed("order_status_charged.json", lambda d: d.update(card=["x"], upi="collect")))
    assert order.card is None and order.upi is None
    assert set(problems(order)) == {"card", "upi"}


def test_a_nested_block_missing_its_required_field_is_dropped_with_its_reason():
    event = WebhookEvent.parse({"id": "e1", "event_name": "ORDER_SUCCEEDED", "content": {"order": {"amount": 5}}})
    assert event.content.order is None
    assert [(p.path, p.message) for p in event.parse_problems] == [
        ("content.order", "its required order_id is missing"),
    ]


def test_an_answer_without_its_identity_still_raises_our_parse_error():
    with pytest.raises(JuspayParseError, match="order_id"):
        Order.parse({"order_id": {"id": 1}, "status": "CHARGED"})
    with pytest.raises(JuspayParseError, match="status"):
        Order.parse({"order_id": "O1", "status": None})


def test_strict_parsing_is_still_available():
    data = changed("order_status_charged.json", lambda d: d.update(amount="lots"))
    with pytest.raises(JuspayParseError, match="amount"):
        Order.parse(data, lenient=False)
    assert Order.parse(data).amount is None


def test_a_clean_answer_has_no_problems():
    assert Order.parse(example("order_status_charged.json")).parse_problems == []


@pytest.mark.parametrize(
    ("model", "name", "edit", "path"),
    [
        (
            PayoutOrder,
            "payout_order_status_fulfillment.json",
            lambda d: d["fulfillments"][0].update(amount="twelve fifty"),
            "fulfillments[0].amount",
        ),
        (
            PayoutOrder,
            "payout_order_status_payment.json",
            lambda d: d["payments"][0].update(createdAt="soon"),
            "payments[0].createdAt",
        ),
        (Order, "refund_response.json", lambda d: d["refunds"][-1].update(created="now"), "refunds[0].created"),
        (TxnRefund, "txn_refund_response.json", lambda d: d.update(amount={"value": 300}), "amount"),
        (
            FulfillmentResponse,
            "fulfillment_sync_response.json",
            lambda d: d["commands"][0].update(date_created=False),
            "commands[0].date_created",
        ),
        (PayoutWebhookEvent, "payout_webhook_txn.json", lambda d: d["info"].update(attempted="?"), "info.attempted"),
    ],
)
def test_every_answer_type_keeps_an_answer_with_a_field_that_does_not_fit(model, name, edit, path):
    data = changed(name, edit)
    with pytest.raises(JuspayParseError):
        model.parse(data, lenient=False)
    parsed = model.parse(data)
    assert path in problems(parsed)
    assert parsed.raw == data
