"""An answer byte-identical to the one an order was stored from is neither decoded nor parsed by bulk sync: the
client hands back a `SameAnswer` when the bytes have the stored digest, `mark_unchanged` stamps it by digest
alone, and one whose order moved on meanwhile is parsed and applied after all. Any answer stored without its
bytes (a webhook's, a single sync's) clears the digest, so the next sync compares in full."""

import asyncio
import copy
import json
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.juspay import AsyncJuspayClient, JuspayConfig
from dashboard.juspay.async_client import SameAnswer
from dashboard.juspay.exchange import answer_digest
from dashboard.juspay.types_order import Order as JuspayOrder
from orders.bulk import sync_many
from orders.models import Order, SyncSource, TimelineEvent
from orders.sync import Same, apply_order, mark_unchanged
from tests.juspay.examples import example

CONFIG = JuspayConfig(base_url="https://api.juspay.in", api_key="sk_test_digest", merchant_id="digest_m")


def body(order_id: str, **changes: object) -> bytes:
    data = copy.deepcopy(example("order_status_charged.json"))
    data.update(order_id=order_id, **changes)
    return json.dumps(data).encode()


def parsed_from(content: bytes) -> JuspayOrder:
    return JuspayOrder.parse_json(content).with_digest(answer_digest(content))


def test_the_client_hands_back_a_same_answer_only_for_the_very_bytes():
    content = body("DIG1")

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers={"content-type": "application/json"})

    async def main(known: str) -> JuspayOrder | SameAnswer:
        async with AsyncJuspayClient(CONFIG, transport=httpx.MockTransport(handler)) as juspay:
            return await juspay.order_status_unless("DIG1", known_digest=known)

    same = asyncio.run(main(answer_digest(content)))
    assert isinstance(same, SameAnswer) and same.content == content
    other = asyncio.run(main(answer_digest(body("DIG1", status="PENDING_VBV"))))
    assert isinstance(other, JuspayOrder) and other.order_id == "DIG1"
    assert other.answer_digest == answer_digest(content)  # remembered for storing with the order
    unknown = asyncio.run(main(""))
    assert isinstance(unknown, JuspayOrder) and unknown.answer_digest == answer_digest(content)


@pytest.mark.django_db
def test_a_byte_identical_answer_is_stamped_by_its_digest_without_reading_raw(merchant):
    ids = [f"DSAME{n}" for n in range(10)]
    contents = {i: body(i) for i in ids}
    earlier = timezone.now() - timedelta(minutes=5)
    for content in contents.values():
        apply_order(merchant, parsed_from(content), source="import", fetched_at=earlier)
    assert set(Order.objects.values_list("answer_digest", flat=True)) == {answer_digest(c) for c in contents.values()}
    events = TimelineEvent.objects.count()
    now = timezone.now()
    same = [Same(i, SameAnswer(answer_digest(c), c), now) for i, c in contents.items()]

    with CaptureQueriesContext(connection) as queries:
        changed, new = mark_unchanged(merchant, [], same)

    assert changed == [] and new == []
    assert not any('"raw"' in q["sql"] for q in queries.captured_queries)  # compared by digest alone
    assert len([q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]) == 1
    assert set(Order.objects.values_list("last_fetch_started_at", flat=True)) == {now}
    assert TimelineEvent.objects.count() == events


@pytest.mark.django_db
def test_a_same_answer_whose_order_moved_on_meanwhile_is_parsed_and_applied(merchant):
    charged = body("DMOVE1")
    apply_order(merchant, parsed_from(charged), source="import", fetched_at=timezone.now())
    # another worker applies a newer, different answer before this batch takes its lock
    apply_order(merchant, parsed_from(body("DMOVE1", status="PENDING_VBV")), source="import", fetched_at=timezone.now())
    now = timezone.now()
    changed, new = mark_unchanged(merchant, [], [Same("DMOVE1", SameAnswer(answer_digest(charged), charged), now)])
    assert new == [] and [(p.order_id, p.status) for p, _ in changed] == [("DMOVE1", "CHARGED")]
    for parsed, at in changed:
        apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=at)
    order = Order.objects.get(order_id="DMOVE1")
    assert order.status == "CHARGED" and order.answer_digest == answer_digest(charged)
    assert TimelineEvent.objects.filter(order=order, kind="order.status_changed").count() == 2


@pytest.mark.django_db
def test_an_answer_stored_without_its_bytes_clears_the_digest(merchant, answer):
    apply_order(merchant, parsed_from(body("DCLEAR1")), source="import", fetched_at=timezone.now())
    apply_order(
        merchant,
        answer("order_status_charged.json", order_id="DCLEAR1", status="PENDING_VBV"),  # parsed, no bytes known
        source=SyncSource.JUSPAY_POLL,
        fetched_at=timezone.now(),
    )
    assert Order.objects.get(order_id="DCLEAR1").answer_digest == ""


@pytest.mark.django_db(transaction=True)
def test_a_resync_against_the_simulator_stores_digests_and_changes_nothing(sim_merchant, juspay_sim):
    ids = [juspay_sim.create_order(amount=700 + n) for n in range(5)]
    first = sync_many(sim_merchant, ids)
    assert first.synced == 5 and first.errors == 0
    digests = dict(Order.objects.values_list("order_id", "answer_digest"))
    assert all(digests[i] for i in ids)
    stamped_before = dict(Order.objects.values_list("order_id", "last_synced_at"))
    events = TimelineEvent.objects.count()

    second = sync_many(sim_merchant, ids)

    assert second.synced == 5 and second.errors == 0 and second.changes == 0
    assert TimelineEvent.objects.count() == events
    for order_id, stamped in Order.objects.values_list("order_id", "last_synced_at"):
        assert stamped > stamped_before[order_id]
    assert dict(Order.objects.values_list("order_id", "answer_digest")) == digests
