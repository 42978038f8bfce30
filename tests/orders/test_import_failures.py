"""`import_orders` under faults: every id that fails is recorded with its reason, listed, written to a file, retried
by the freshness sweep with a back-off, and the command exits non-zero. Real HTTP against the simulator."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from orders import sync_failures
from orders.models import Order, PayoutOrder, SyncFailure
from orders.tasks import sweep_due

# import_orders and the sweep queue their chunks: run them inline here, also when a broker is configured.
pytestmark = pytest.mark.usefixtures("inline_tasks")


def run_import(*args: str) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_orders", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def ids_file(tmp_path, ids: list[str]):
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(ids) + "\n")
    return path


def test_every_failed_id_is_recorded_listed_written_and_the_exit_is_non_zero(sim_merchant, juspay_sim, tmp_path):
    known = [juspay_sim.create_order(amount=100 + n) for n in range(4)]
    missing = [f"MISSING-{n}" for n in range(8)]
    failed_out = tmp_path / "out" / "failed.csv"
    out, err, error = run_import(str(ids_file(tmp_path, known + missing)), "--failed-out", str(failed_out))

    assert error is not None and "8 of 12 id(s) failed" in str(error)
    assert "4 order(s) imported, 8 failed" in out
    for order_id in missing:  # all eight listed, not five
        assert f"{order_id}: JuspayNotFound" in err
    with failed_out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["order_id"] for row in rows} == set(missing)
    assert all(row["reason"].startswith("JuspayNotFound") for row in rows)
    recorded = SyncFailure.objects.filter(merchant=sim_merchant, resolved_at__isnull=True)
    assert set(recorded.values_list("order_id", flat=True)) == set(missing)
    first = recorded.first()
    assert first.attempts == 1 and first.next_try is not None and first.next_try > timezone.now()


def test_a_clean_import_exits_zero_and_records_nothing(sim_merchant, juspay_sim, tmp_path):
    ids = [juspay_sim.create_order(amount=200 + n) for n in range(3)]
    out, _err, error = run_import(str(ids_file(tmp_path, ids)))
    assert error is None and "3 order(s) imported, 0 failed" in out
    assert not SyncFailure.objects.exists()


def test_under_faults_nothing_is_lost_and_the_sweep_brings_in_the_rest(sim_merchant, juspay_sim, tmp_path):
    ids = [juspay_sim.create_order(amount=300 + n) for n in range(60)]
    juspay_sim.set_faults(fail_rate=0.6)  # three tries each: about one id in five fails for good
    failed_out = tmp_path / "failed.csv"
    out, _err, error = run_import(str(ids_file(tmp_path, ids)), "--failed-out", str(failed_out), "--concurrency", "8")

    cached = set(Order.objects.filter(order_id__in=ids).values_list("order_id", flat=True))
    owed = set(SyncFailure.objects.filter(resolved_at__isnull=True).values_list("order_id", flat=True))
    assert owed, "with 60 % 500s some ids must fail after their retries"
    assert error is not None and f"{len(owed)} of 60 id(s) failed" in str(error)
    assert f"{len(cached)} order(s) imported, {len(owed)} failed" in out
    assert cached | owed == set(ids) and not cached & owed  # every id is a row or a recorded failure
    assert {row["order_id"] for row in csv.DictReader(failed_out.open())} == owed
    assert all("JuspayUnavailable" in r for r in SyncFailure.objects.values_list("reason", flat=True))

    juspay_sim.reset_faults()
    sweep_due()  # not due yet: the back-off holds
    assert SyncFailure.objects.filter(resolved_at__isnull=True).count() == len(owed)

    SyncFailure.objects.update(next_try=timezone.now() - timedelta(seconds=1))
    totals = sweep_due()
    assert totals["failures_retried"] == len(owed) and totals["failures_resolved"] == len(owed)
    assert Order.objects.filter(order_id__in=ids).count() == 60
    assert not SyncFailure.objects.filter(resolved_at__isnull=True).exists()


def test_a_retry_that_fails_again_backs_off_and_gives_up_after_the_last_attempt(sim_merchant, juspay_sim, tmp_path):
    run_import(str(ids_file(tmp_path, ["GONE-1"])))
    row = SyncFailure.objects.get(order_id="GONE-1")
    for attempt in range(2, sync_failures.MAX_ATTEMPTS + 1):
        SyncFailure.objects.filter(pk=row.pk).update(next_try=timezone.now())
        before = timezone.now()
        sweep_due()
        row.refresh_from_db()
        assert row.attempts == attempt and row.resolved_at is None
        if attempt < sync_failures.MAX_ATTEMPTS:
            assert row.next_try >= before + sync_failures.retry_delay(attempt) - timedelta(seconds=1)
    assert row.next_try is None  # given up: it stays listed for a person (sync health page)
    assert sync_failures.retry_delay(1) == timedelta(minutes=1)
    assert sync_failures.retry_delay(30) == sync_failures.LONGEST_RETRY


def test_an_id_cached_another_way_is_resolved_by_its_next_try(sim_merchant, juspay_sim, tmp_path):
    order_id = juspay_sim.create_order(amount=410)
    juspay_sim.set_faults(fail_rate=1.0)
    run_import(str(ids_file(tmp_path, [order_id])))
    juspay_sim.reset_faults()
    call_command("sync_order", order_id, stdout=StringIO())  # a person looked it up meanwhile
    SyncFailure.objects.update(next_try=timezone.now())
    sweep_due()
    assert SyncFailure.objects.get(order_id=order_id).resolved_at is not None


@pytest.mark.parametrize("faulty", [True])
def test_payout_imports_record_their_failures_too(sim_merchant, juspay_sim, tmp_path, faulty):
    payout_id = juspay_sim.create_payout_order(fulfillments=["SUCCESS"])
    out, _err, error = run_import(str(ids_file(tmp_path, [payout_id, "NO-SUCH-PAYOUT"])), "--payouts")
    assert error is not None and "1 payout order(s) imported, 1 failed" in out
    failure = SyncFailure.objects.get(order_id="NO-SUCH-PAYOUT")
    assert failure.kind == SyncFailure.Kind.PAYOUT
    juspay_sim.create_payout_order(fulfillments=["SUCCESS"], order_id="NO-SUCH-PAYOUT")
    SyncFailure.objects.update(next_try=timezone.now())
    sweep_due()
    failure.refresh_from_db()
    assert failure.resolved_at is not None and PayoutOrder.objects.filter(payout_order_id="NO-SUCH-PAYOUT").exists()
