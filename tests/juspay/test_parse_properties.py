"""Property tests: whatever Juspay sends that looks like an Order Status answer either parses or raises
our own JuspayParseError; unknown fields and values are kept and flagged; strings are coerced."""

import copy
import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dashboard.juspay.enums import OrderStatus, RefundStatus
from dashboard.juspay.errors import JuspayParseError
from dashboard.juspay.types_order import Card, Order, PaymentGatewayResponse, TxnDetail

from .examples import example

BASES = [
    example(name)
    for name in (
        "order_status_charged.json",
        "order_status_with_refunds.json",
        "order_status_with_offers.json",
        "order_status_split_payment_txn_list.json",
        "order_status_split_settlement.json",
    )
]

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        ["", "true", "false", "1551", "-1", "NaN", "2024-06-11T09:14:05Z", "FILTERED", "[]", "{}", "1e999", "12,5"]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every position in a JSON document, as a tuple of keys and indexes."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


def parent_of(document: Any, path: tuple) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutated_orders(draw) -> dict:
    """A real Order Status answer with fields dropped, replaced by oddly typed values, or added."""
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        where = paths(document)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = parent_of(document, path)
        action = draw(st.sampled_from(["drop", "replace", "stringify", "add"]))
        if action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "stringify" and isinstance(parent[path[-1]], bool | int | float):
            parent[path[-1]] = json.dumps(parent[path[-1]])
        elif action == "add" and isinstance(parent[path[-1]], dict):
            parent[path[-1]][draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    return document


def parse_or_parse_error(data: Any) -> Order | None:
    try:
        order = Order.parse(data)
    except JuspayParseError as error:
        assert error.raw_text is not None
        return None
    # Whatever parsed can be walked and reported on without raising.
    fields, values = order.unknown_fields(), order.unknown_values()
    assert order.unknowns() == (fields, values)  # bulk sync's one walk finds the same, in the same order
    assert order.raw == data
    return order


@PROPERTY_SETTINGS
@given(mutated_orders())
def test_any_order_shaped_json_parses_or_raises_our_parse_error(document):
    order = parse_or_parse_error(document)
    if order is not None:
        assert isinstance(order.status, str) and isinstance(order.order_id, str)
        for refund in order.all_refunds:
            assert refund.amount is None or (isinstance(refund.amount, Decimal) and refund.amount.is_finite())
        assert order.amount is None or isinstance(order.amount, Decimal)
        assert order.date_created is None or order.date_created.tzinfo is not None


@PROPERTY_SETTINGS
@given(json_values)
def test_any_json_value_at_all_parses_or_raises_our_parse_error(value):
    parse_or_parse_error(value)


@PROPERTY_SETTINGS
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_body_text_parses_or_raises_our_parse_error(body):
    try:
        Order.parse_json(body)
    except JuspayParseError as error:
        assert error.raw_text == body.decode("utf-8", "replace")


BLOCKS = {"": Order, "txn_detail": TxnDetail, "payment_gateway_response": PaymentGatewayResponse, "card": Card}
field_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=15).filter(
    lambda name: name not in Order.model_fields
)


@PROPERTY_SETTINGS
@given(base=st.sampled_from(BASES), key=field_names, value=json_values, where=st.sampled_from(sorted(BLOCKS)))
def test_unknown_fields_are_kept_and_flagged(base, key, value, where):
    document = copy.deepcopy(base)
    target = document if not where else document.get(where)
    if not isinstance(target, dict):  # this base has no such block: put it at the top instead
        target, where = document, ""
    block_model = BLOCKS[where]
    assume(key not in target and key not in block_model.model_fields)
    target[key] = value
    order = Order.parse(document)
    block = order if not where else getattr(order, where)
    # Compared as JSON text: NaN is kept, but NaN == NaN is false.
    assert json.dumps(block.model_extra[key], sort_keys=True) == json.dumps(value, sort_keys=True)
    assert (f"{where}.{key}" if where else key) in order.unknown_fields()
    assert order.unknowns() == (order.unknown_fields(), order.unknown_values())


new_values = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=2, max_size=20)


@PROPERTY_SETTINGS
@given(
    status=new_values.filter(lambda v: not OrderStatus.known(v)),
    refund_status=new_values.filter(lambda v: not RefundStatus.known(v)),
)
def test_unknown_enum_values_are_kept_and_flagged(status, refund_status):
    document = copy.deepcopy(example("order_status_with_refunds.json"))
    document["status"] = status
    document["refunds"][1]["status"] = refund_status
    order = Order.parse(document)
    assert order.status == status and order.status_info is None
    flagged = {(u.path, u.value, u.vocabulary) for u in order.unknown_values()}
    assert flagged == {("status", status, "OrderStatus"), ("refunds[1].status", refund_status, "RefundStatus")}
    assert order.unknowns() == (order.unknown_fields(), order.unknown_values())


@PROPERTY_SETTINGS
@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    refunded=st.booleans(),
    status_id=st.sampled_from([s.status_id for s in OrderStatus if s.status_id]),
)
def test_numbers_and_booleans_sent_as_strings_are_coerced(amount, refunded, status_id):
    document = copy.deepcopy(example("order_status_with_refunds.json"))
    document.update(
        {
            "amount": str(amount),
            "refunded": "true" if refunded else "false",
            "status_id": str(status_id),
            "gateway_id": "19",
        }
    )
    document["refunds"][0].update({"amount": str(amount), "sent_to_gateway": "true" if refunded else "false"})
    document["txn_detail"]["express_checkout"] = "false"
    order = Order.parse(document)
    assert order.amount == amount and isinstance(order.amount, Decimal)
    assert order.refunded is refunded and order.status_id == status_id and order.gateway_id == 19
    assert order.refunds[0].amount == amount and order.refunds[0].sent_to_gateway is refunded
    assert order.txn_detail is not None and order.txn_detail.express_checkout is False
    assert order.unknown_fields() == []


def test_the_older_replay_of_a_refund_manual_review_payload_with_string_numbers():
    """Older webhook payloads (Juspay's REFUND_MANUAL_REVIEW_NEEDED sample) carry numbers and booleans as strings,
    "1551", "true", "21": https://juspay.io/resources/docs/common-resources/webhooks"""
    document = {
        **example("order_status_with_refunds.json"),
        "amount": "1551",
        "status_id": "21",
        "refunded": "true",
        "amount_refunded": "1551",
    }
    order = Order.parse(document)
    assert (order.amount, order.status_id, order.refunded, order.amount_refunded) == (
        Decimal("1551"),
        21,
        True,
        Decimal("1551"),
    )


def test_floats_become_the_decimal_of_their_shortest_text():
    order = Order.parse({**example("order_status_charged.json"), "amount": 10.8, "effective_amount": 0.1 + 0.2})
    assert order.amount == Decimal("10.8")
    assert order.effective_amount == Decimal("0.30000000000000004")


def test_absent_optional_blocks_are_fine():
    order = Order.parse({"order_id": "ORD1", "status": "NEW"})
    assert (order.txn_detail, order.card, order.payment_gateway_response, order.amount) == (None, None, None, None)
    assert order.refunds == [] and order.offers == [] and order.txn_list == []


def test_naive_timestamps_are_read_as_utc_and_blank_ones_as_unset():
    order = Order.parse(
        {"order_id": "ORD1", "status": "NEW", "date_created": "2024-07-08T16:30:33", "last_updated": ""}
    )
    assert order.date_created is not None and order.date_created.utcoffset().total_seconds() == 0
    assert order.last_updated is None


def test_amount_breakup_as_a_json_string_with_the_older_value_key():
    breakup = (
        '[{"name":"BASE","value":9000,"sno":1,"method":"ADD"},{"name":"OFFER","value":500,"sno":4,"method":"SUB"}]'
    )
    order = Order.parse({"order_id": "O", "status": "CHARGED", "txn_detail": {"txn_amount_breakup": breakup}})
    assert order.txn_detail is not None
    assert [(b.name, b.amount, b.method) for b in order.txn_detail.txn_amount_breakup] == [
        ("BASE", Decimal("9000"), "ADD"),
        ("OFFER", Decimal("500"), "SUB"),
    ]
    assert order.unknown_fields() == []


def test_a_masked_card_in_a_webhook_is_no_card():
    assert Order.parse({**example("order_status_charged.json"), "card": "FILTERED"}).card is None
