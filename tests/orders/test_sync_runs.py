"""Bulk sync in chunks (orders.sync_runs): every id in exactly one chunk, ids read lazily, a broken chunk's ids
recorded and the import's exit non-zero, unchanged orders not rewritten. Tasks run inline here (no broker); the
real-worker run is tests/integration/test_sync_chunks.py."""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import sync_runs
from orders.bulk import sync_many
from orders.management.commands.import_orders import iter_ids
from orders.models import Order, SyncChunk, SyncFailure, SyncRun, SyncSource, TimelineEvent
from orders.sync import apply_order, mark_unchanged
from orders.tasks import start_bulk_sync, sweep_due

pytestmark = pytest.mark.usefixtures("inline_tasks")


class Source:
    """An id source that counts how many ids were taken from it."""

    def __init__(self, ids: list[str]) -> None:
        self.ids, self.taken = ids, 0

    def __iter__(self) -> Iterator[str]:
        for order_id in self.ids:
            self.taken += 1
            yield order_id


def test_chunks_cover_every_id_exactly_once_in_order():
    ids = [f"ORD{n}" for n in range(1, 1002)]
    chunks = list(sync_runs.chunked(ids, 250))
    assert [len(c) for c in chunks] == [250, 250, 250, 250, 1]
    assert [i for c in chunks for i in c] == ids


def test_a_duplicate_within_a_chunk_is_synced_once():
    assert list(sync_runs.chunked(["A", "B", "A", "C"], 3)) == [["A", "B"], ["C"]]


def test_ids_are_read_lazily_one_chunk_ahead_at_most(merchant):
    source = Source([f"LAZY{n}" for n in range(1000)])
    taken_when_queued: list[int] = []
    run = sync_runs.start(merchant, SyncRun.Kind.IMPORT)
    sync_runs.plan(run, source, lambda pk: taken_when_queued.append(source.taken), size=100)
    # each chunk is queued before the next one is read: the source is never drained up front
    assert taken_when_queued == [100 * (n + 1) for n in range(10)]
    assert run.chunks_total == 10 and run.ids_total == 1000
    stored = [
        i
        for ids in SyncChunk.objects.filter(run=run).order_by("index").values_list("order_ids", flat=True)
        for i in ids
    ]
    assert stored == source.ids


def test_the_id_file_is_streamed_not_read_whole(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("order_id,note\nA1,x\n#skip,\n\nA2,y\n")
    ids = iter_ids(path)
    assert next(ids) == "A1"  # a generator: the rest of the file is not read yet
    assert list(ids) == ["A2"]


def test_an_import_runs_in_chunks_and_records_the_run(sim_merchant, juspay_sim, tmp_path):
    ids = [juspay_sim.create_order(amount=100 + n) for n in range(7)]
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(ids) + "\n")
    out = StringIO()
    call_command("import_orders", str(path), "--chunk-size", "3", stdout=out, stderr=StringIO())

    assert "7 order(s) imported, 0 failed" in out.getvalue()
    run = SyncRun.objects.get(kind=SyncRun.Kind.IMPORT)
    assert (run.chunks_total, run.chunks_done, run.synced, run.failed) == (3, 3, 7, 0)
    assert run.finished_at is not None
    assert set(Order.objects.values_list("order_id", flat=True)) == set(ids)


def test_a_failing_chunk_records_its_ids_and_the_import_exits_non_zero(sim_merchant, juspay_sim, tmp_path, monkeypatch):
    ids = [juspay_sim.create_order(amount=200 + n) for n in range(6)]
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(ids) + "\n")
    broken = set(ids[2:4])  # the second chunk of two

    def sync_or_break(merchant, chunk_ids, **kwargs):
        if broken & set(chunk_ids):
            raise RuntimeError("database went away")
        return sync_many(merchant, chunk_ids, **kwargs)

    monkeypatch.setattr(sync_runs, "sync_many", sync_or_break)
    failed_out = tmp_path / "failed.csv"
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="2 of 6 id"):
        call_command(
            "import_orders", str(path), "--chunk-size", "2", "--failed-out", str(failed_out), stdout=out, stderr=err
        )

    assert "4 order(s) imported, 2 failed" in out.getvalue()
    for order_id in broken:
        assert f"{order_id}: RuntimeError: database went away" in err.getvalue()
    assert set(failed_out.read_text().splitlines()[1:]) == {f"{i},RuntimeError: database went away" for i in broken}
    recorded = SyncFailure.objects.filter(resolved_at__isnull=True)
    assert set(recorded.values_list("order_id", flat=True)) == broken  # retried by the sweep
    assert set(Order.objects.values_list("order_id", flat=True)) == set(ids) - broken
    run = SyncRun.objects.get()
    assert (run.chunks_done, run.failed) == (3, 2) and run.finished_at is not None


def test_a_chunk_delivered_twice_counts_once(sim_merchant, juspay_sim):
    ids = [juspay_sim.create_order(amount=300 + n) for n in range(3)]
    run = start_bulk_sync(sim_merchant, ids, kind=SyncRun.Kind.SYNC, chunk_size=10)
    chunk = SyncChunk.objects.get(run=run)
    sync_runs.run_chunk(chunk.pk)  # redelivered after a worker died having finished it
    run.refresh_from_db()
    assert (run.chunks_done, run.synced) == (1, 3)


def test_an_unchanged_order_is_stamped_without_rewriting_it(merchant, answer):
    ids = [f"SAME{n}" for n in range(30)]
    fetched = timezone.now() - timedelta(minutes=5)
    for order_id in ids:
        apply_order(
            merchant, answer("order_status_charged.json", order_id=order_id), source="import", fetched_at=fetched
        )
    events = TimelineEvent.objects.count()
    now = timezone.now()
    answers = [(answer("order_status_charged.json", order_id=i), now) for i in ids]

    with CaptureQueriesContext(connection) as queries:
        changed, new = mark_unchanged(merchant, answers)

    assert changed == [] and new == []
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1  # one bulk UPDATE for the 30 orders, not one each
    assert '"raw"' not in writes[0] and '"status"' not in writes[0]  # only the sync stamps
    assert len(queries.captured_queries) <= 5
    assert TimelineEvent.objects.count() == events
    assert set(Order.objects.values_list("last_fetch_started_at", flat=True)) == {now}


def test_a_changed_order_in_a_resync_is_written_with_its_event(merchant, answer):
    apply_order(
        merchant, answer("order_status_charged.json", order_id="KEEP1"), source="import", fetched_at=timezone.now()
    )
    apply_order(
        merchant,
        answer("order_status_charged.json", order_id="MOVE1", status="PENDING_VBV"),
        source="import",
        fetched_at=timezone.now(),
    )
    keep_before = Order.objects.get(order_id="KEEP1").raw
    now = timezone.now()
    changed, _new = mark_unchanged(
        merchant, [(answer("order_status_charged.json", order_id=i), now) for i in ("KEEP1", "MOVE1")]
    )
    assert [p.order_id for p, _ in changed] == ["MOVE1"]
    for parsed, at in changed:
        apply_order(merchant, parsed, source=SyncSource.JUSPAY_POLL, fetched_at=at)
    assert Order.objects.get(order_id="MOVE1").status == "CHARGED"
    assert TimelineEvent.objects.filter(order__order_id="MOVE1", kind="order.status_changed").exists()
    assert Order.objects.get(order_id="KEEP1").raw == keep_before


def test_an_older_answer_stamps_nothing(merchant, answer):
    later = timezone.now()
    apply_order(merchant, answer("order_status_charged.json", order_id="NEWER1"), source="import", fetched_at=later)
    mark_unchanged(merchant, [(answer("order_status_charged.json", order_id="NEWER1"), later - timedelta(minutes=1))])
    assert Order.objects.get(order_id="NEWER1").last_fetch_started_at == later


def test_the_sweep_takes_due_orders_through_chunks_and_leases_them(sim_merchant, juspay_sim):
    ids = [juspay_sim.create_order(amount=400 + n) for n in range(4)]
    sync_many(sim_merchant, ids)
    Order.objects.update(next_sync_at=timezone.now() - timedelta(seconds=1))

    totals = sweep_due()

    run = SyncRun.objects.get(kind=SyncRun.Kind.SWEEP)
    assert (run.ids_total, run.synced, run.failed) == (4, 4, 0) and totals["orders"] == 4
    assert all(o.next_sync_at > timezone.now() for o in Order.objects.all())
    assert sweep_due()["orders"] == 0  # nothing due again right away


def test_a_dropped_connection_is_reopened_and_the_step_run_again(transactional_db):
    from django.db import OperationalError

    calls = []

    def step() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return Order.objects.count()

    assert sync_runs.reconnecting(step) == 0 and len(calls) == 2
