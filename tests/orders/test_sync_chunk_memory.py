"""A bulk sync chunk leaves nothing behind in the process that runs the next one (orders.tasks.sync_chunk):
with DEBUG on (the embedded default), Django's query log of its bulk inserts is cleared, and the C heap's free
pages go back to the OS (dashboard.native_heap). What `import_orders` holds inline stays flat however many
chunks it runs; the benchmark's import section measures the peak RSS."""

import pytest
from django.db import connection
from django.test.utils import override_settings

from dashboard import native_heap
from orders.models import SyncRun
from orders.tasks import start_bulk_sync

pytestmark = pytest.mark.usefixtures("inline_tasks")


@override_settings(DEBUG=True)
def test_an_inline_chunk_leaves_no_query_log_behind(sim_merchant, juspay_sim):
    ids = [juspay_sim.create_order(amount=500 + n) for n in range(6)]
    connection.queries_log.clear()
    run = start_bulk_sync(sim_merchant, ids, kind=SyncRun.Kind.IMPORT, chunk_size=3)
    assert run.chunks_total == 2 and run.synced == 6
    # only what plan() ran after the last chunk (the run's counters) is still logged, not the chunks' inserts
    logged = [q["sql"] for q in connection.queries_log]
    assert not any('INSERT INTO "orders_order"' in sql for sql in logged), logged
    assert len(logged) < 10


def test_releasing_the_heap_answers_without_glibc_too(monkeypatch):
    assert native_heap.release() in (True, False)
    monkeypatch.setattr(native_heap, "_malloc_trim", lambda: None)
    assert native_heap.release() is False
