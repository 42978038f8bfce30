"""The sync commands against the running simulator over real HTTP."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Order, PayoutOrder, TimelineEvent

# import_orders and the sweep queue their chunks: run them inline here, also when a broker is configured.
pytestmark = pytest.mark.usefixtures("inline_tasks")


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sync_order_caches_an_order_and_prints_what_changed(sim_merchant, juspay_sim):
    order_id = juspay_sim.create_order(amount=250, status="CHARGED")
    first = run("sync_order", order_id)
    assert f"{order_id}: new in the cache, status CHARGED" in first and "order.discovered" in first
    again = run("sync_order", order_id)
    assert "updated, status CHARGED, 0 change(s)" in again
    assert TimelineEvent.objects.filter(order__order_id=order_id).count() == 1


def test_sync_order_reports_an_order_juspay_does_not_know(sim_merchant, juspay_sim):
    with pytest.raises(CommandError, match="NOPE123"):
        run("sync_order", "NOPE123")
    assert not Order.objects.filter(order_id="NOPE123").exists()


def test_import_orders_reads_a_csv_and_lists_failures(sim_merchant, juspay_sim, tmp_path):
    ids = [juspay_sim.create_order(amount=100 + n) for n in range(3)]
    file = tmp_path / "orders.csv"
    file.write_text("order_id,note\n" + "\n".join(f"{i},x" for i in ids) + "\nMISSING999,x\n")
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 4 id"):  # a failed id makes the exit non-zero
        call_command("import_orders", str(file), stdout=out, stderr=StringIO())
    assert "3 order(s) imported, 1 failed" in out.getvalue()
    assert set(Order.objects.values_list("order_id", flat=True)) == set(ids)


def test_import_payout_orders_from_a_plain_list(sim_merchant, juspay_sim, tmp_path):
    payout_ids = [juspay_sim.create_payout_order(fulfillments=["SUCCESS"]) for _ in range(2)]
    file = tmp_path / "payouts.txt"
    file.write_text("\n".join(payout_ids) + "\n")
    assert "2 payout order(s) imported, 0 failed" in run("import_orders", str(file), "--payouts")
    payout = PayoutOrder.objects.get(payout_order_id=payout_ids[0])
    assert payout.fulfillments.exists() and payout.raw["orderId"] == payout_ids[0]


def test_sync_orders_open_resyncs_only_open_orders(sim_merchant, juspay_sim):
    open_id = juspay_sim.create_order(amount=90, status="PENDING_VBV", resolve_to="CHARGED", resolve_after_seconds=60)
    done_id = juspay_sim.create_order(amount=95, status="CHARGED")
    run("sync_order", open_id)
    run("sync_order", done_id)
    assert Order.objects.get(order_id=open_id).is_open and not Order.objects.get(order_id=done_id).is_open
    juspay_sim.advance(120)
    out = run("sync_orders", "--open")
    assert out.startswith("1 order(s) synced")
    assert Order.objects.get(order_id=open_id).status == "CHARGED"
