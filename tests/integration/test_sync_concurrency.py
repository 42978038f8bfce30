"""Two workers syncing one order at once leave exactly one copy of each refund and each timeline event."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Order, Refund, SyncSource, TimelineEvent
from orders.sync import apply_order


def _race(merchant, parsed, workers: int = 2) -> list:
    barrier, results, errors = threading.Barrier(workers), [], []

    def run() -> None:
        try:
            barrier.wait()
            results.append(apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_first_syncs_at_once_create_one_order(merchant, answer):
    parsed = answer("order_status_with_refunds.json")
    results = _race(merchant, parsed, workers=4)
    assert Order.objects.count() == 1
    assert sum(r.created for r in results) == 1
    assert Refund.objects.count() == len(parsed.all_refunds)
    assert TimelineEvent.objects.filter(kind="order.discovered").count() == 1
    assert TimelineEvent.objects.filter(kind="refund.created").count() == len(parsed.all_refunds)


@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_a_change_record_it_once(merchant, answer):
    apply_order(merchant, answer("order_status_charged.json"), source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now())
    refund = {"id": "rf_9", "unique_request_id": "RFD-9", "amount": 10, "status": "PENDING", "sent_to_gateway": False}
    _race(merchant, answer("order_status_charged.json", refunds=[refund]), workers=2)
    assert Refund.objects.filter(unique_request_id="RFD-9").count() == 1
    assert TimelineEvent.objects.filter(kind="refund.created").count() == 1
