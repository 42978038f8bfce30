"""The sync service: an idempotent upsert that records one timeline event per real change."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.models import Order, RefundState, SyncSource, TimelineEvent
from orders.sync import apply_order
from tests.juspay.examples import example


def apply(merchant, parsed, *, at=None, source=SyncSource.JUSPAY_POLL):
    return apply_order(merchant, parsed, source=source, fetched_at=at or timezone.now())


def kinds(order) -> list[str]:
    return sorted(TimelineEvent.objects.filter(order=order).values_list("kind", flat=True))


def test_first_sync_caches_the_order_with_its_children(merchant, answer):
    result = apply(merchant, answer("order_status_with_refunds.json"))
    order = Order.objects.get(pk=result.obj.pk)
    data = example("order_status_with_refunds.json")
    assert result.created and order.order_id == data["order_id"]
    assert order.status == data["status"] and order.amount == Decimal(str(data["amount"]))
    assert order.refunds.count() == len(data["refunds"]) > 0
    assert order.transactions.count() == 1
    assert order.raw == data and order.last_synced_at is not None
    assert order.email_normalized == data["customer_email"].lower()
    assert kinds(order).count("refund.created") == len(data["refunds"])
    assert "order.discovered" in kinds(order)


def test_applying_the_same_answer_twice_changes_nothing(merchant, answer):
    apply(merchant, answer("order_status_with_refunds.json"))
    before = TimelineEvent.objects.count()
    again = apply(merchant, answer("order_status_with_refunds.json"))
    assert again.events == [] and not again.created
    assert TimelineEvent.objects.count() == before
    assert Order.objects.count() == 1


def test_a_status_change_and_a_new_refund_each_write_one_event(merchant, answer):
    first = answer("order_status_charged.json", status="PENDING_VBV", status_id=23)
    apply(merchant, first)
    data = example("order_status_charged.json")
    refund = {
        "id": "rf_1",
        "unique_request_id": "RFD-1",
        "ref": "r1",
        "amount": 100,
        "status": "PENDING",
        "sent_to_gateway": False,
        "created": "2024-06-12T10:00:00Z",
    }
    result = apply(merchant, answer("order_status_charged.json", refunds=[refund]))
    assert [e.kind for e in result.events] == ["order.status_changed", "refund.created"]
    assert result.events[0].data == {"from": "PENDING_VBV", "to": data["status"]}
    order = Order.objects.get()
    assert order.refund_state == RefundState.PENDING and order.is_open

    resolved = {**refund, "status": "SUCCESS", "sent_to_gateway": True, "pg_processed_at": "2024-06-12T11:00:00Z"}
    result = apply(merchant, answer("order_status_charged.json", refunds=[resolved]))
    assert [e.kind for e in result.events] == ["refund.sent_to_gateway", "refund.status_changed"]
    order.refresh_from_db()
    assert order.refund_state == RefundState.PARTIAL
    assert order.refunds.get().status == "SUCCESS"


def test_an_older_answer_never_rolls_the_order_back(merchant, answer):
    now = timezone.now()
    apply(merchant, answer("order_status_charged.json"), at=now)
    stale = apply(merchant, answer("order_status_charged.json", status="PENDING_VBV"), at=now - timedelta(seconds=5))
    assert stale.stale and stale.events == []
    assert Order.objects.get().status == "CHARGED"


def test_unknown_fields_and_statuses_are_kept_and_flagged(merchant, answer):
    result = apply(merchant, answer("order_status_charged.json", status="TELEPORTED", shiny_new_field={"a": 1}))
    order = Order.objects.get(pk=result.obj.pk)
    assert order.status == "TELEPORTED"
    assert order.raw["shiny_new_field"] == {"a": 1}
    assert "shiny_new_field" in order.unknown and "status=TELEPORTED" in order.unknown
    assert order.is_open  # an unknown status keeps being polled


def test_split_settlement_and_offers_are_cached(merchant, answer):
    split = apply(merchant, answer("order_status_split_settlement.json")).obj
    data = example("order_status_split_settlement.json")
    assert split.split_applied == data["split_settlement_response"]["split_applied"]
    assert split.split_details.count() == len(data["split_settlement_response"]["split_details"])
    offers = apply(merchant, answer("order_status_with_offers.json")).obj
    assert offers.offers.count() == len(example("order_status_with_offers.json")["offers"])
    assert all(o.benefits for o in offers.offers.all())


def _snapshot(order_id: str) -> dict:
    order = Order.objects.get(order_id=order_id)
    return {
        "order": {
            f: getattr(order, f)
            for f in (
                "status",
                "amount",
                "refund_state",
                "is_open",
                "split_applied",
                "email_normalized",
                "raw",
                "unknown",
            )
        },
        "refunds": sorted(order.refunds.values_list("unique_request_id", "status", "amount")),
        "txns": sorted(order.transactions.values_list("txn_id", "status", "rrn")),
        "offers": sorted(order.offers.values_list("offer_id", "status")),
        "splits": sorted(order.split_details.values_list("sub_vendor_id", "amount")),
        "events": sorted(TimelineEvent.objects.filter(order=order).values_list("kind", "source")),
    }


def test_bulk_creation_caches_exactly_what_one_by_one_sync_does(merchant, answer):
    from orders.sync import create_orders

    names = [
        "order_status_with_refunds.json",
        "order_status_with_offers.json",
        "order_status_split_settlement.json",
        "order_status_split_payment_txn_list.json",
    ]
    for n, name in enumerate(names):
        apply(merchant, answer(name, order_id=f"ONE{n}"), source=SyncSource.IMPORT)
    events = create_orders(
        merchant,
        [(answer(name, order_id=f"BULK{n}"), timezone.now()) for n, name in enumerate(names)],
        source=SyncSource.IMPORT,
    )
    for n, name in enumerate(names):
        one, bulk = _snapshot(f"ONE{n}"), _snapshot(f"BULK{n}")
        one["order"]["raw"].pop("order_id"), bulk["order"]["raw"].pop("order_id")
        assert one["txns"] and bulk == one, name
    assert events == TimelineEvent.objects.filter(order__order_id__startswith="BULK").count()


def test_bulk_sync_sorts_answers_into_unchanged_changed_and_new(merchant, answer):
    from orders.sync import mark_unchanged

    apply(merchant, answer("order_status_charged.json", order_id="SAME1"))
    apply(merchant, answer("order_status_charged.json", order_id="MOVED1", status="PENDING_VBV"))
    now = timezone.now()
    changed, new = mark_unchanged(
        merchant, [(answer("order_status_charged.json", order_id=i), now) for i in ("SAME1", "MOVED1", "NEW1")]
    )
    assert [p.order_id for p, _ in changed] == ["MOVED1"] and [p.order_id for p, _ in new] == ["NEW1"]
    assert Order.objects.get(order_id="SAME1").last_fetch_started_at == now
    assert Order.objects.get(order_id="MOVED1").status == "PENDING_VBV"  # left for apply_order


def test_bulk_creation_inserts_nothing_when_one_order_already_exists(merchant, answer):
    import pytest
    from django.db import IntegrityError

    from orders.sync import create_orders

    apply(merchant, answer("order_status_charged.json", order_id="TAKEN1"))
    with pytest.raises(IntegrityError):
        create_orders(
            merchant,
            [(answer("order_status_charged.json", order_id=i), timezone.now()) for i in ("FRESH1", "TAKEN1")],
            source=SyncSource.IMPORT,
        )
    assert not Order.objects.filter(order_id="FRESH1").exists()
