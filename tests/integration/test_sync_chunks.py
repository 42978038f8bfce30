"""Bulk sync through chunks on real parts: the import queues its chunks on the broker, a real Celery worker
process takes them, PostgreSQL holds the run; the import waits for the worker and reports what failed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.bulk import sync_many
from orders.models import Order, SyncChunk, SyncFailure, SyncRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_import_is_synced_by_the_worker_chunk_by_chunk(celery_worker, juspay_sim, sim_merchant, tmp_path):
    ids = [juspay_sim.create_order(amount=100 + n) for n in range(9)]
    missing = ["NOT-AT-JUSPAY-1", "NOT-AT-JUSPAY-2"]
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(ids + missing) + "\n")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="2 of 11 id"):
        call_command("import_orders", str(path), "--chunk-size", "4", stdout=out, stderr=err)

    assert "9 order(s) imported, 2 failed" in out.getvalue()
    run = SyncRun.objects.get(merchant=sim_merchant, kind=SyncRun.Kind.IMPORT)
    assert (run.chunks_total, run.chunks_done, run.synced, run.failed) == (3, 3, 9, 2)
    assert set(SyncChunk.objects.filter(run=run).values_list("state", flat=True)) == {SyncChunk.State.DONE}
    assert set(Order.objects.filter(merchant=sim_merchant).values_list("order_id", flat=True)) == set(ids)
    assert set(SyncFailure.objects.filter(resolved_at__isnull=True).values_list("order_id", flat=True)) == set(missing)
    with open(celery_worker["log"]) as log:  # the chunks ran in the worker process, not in this one
        assert log.read().count("orders.tasks.sync_chunk") >= 3


def test_a_resync_of_unchanged_orders_writes_no_new_events(celery_worker, juspay_sim, sim_merchant):
    ids = [juspay_sim.create_order(amount=300 + n) for n in range(5)]
    out = StringIO()
    sync_many(sim_merchant, ids)
    events = {o.order_id: o.events.count() for o in Order.objects.filter(order_id__in=ids)}
    call_command("sync_orders", "--all", "--chunk-size", "2", stdout=out, stderr=StringIO())

    assert "0 change(s), 0 error(s) in 3 chunk(s)" in out.getvalue()
    assert {o.order_id: o.events.count() for o in Order.objects.filter(order_id__in=ids)} == events
