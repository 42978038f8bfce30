from itertools import islice
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.progress import ProgressBar
from orders import sync_runs
from orders.management.commands.sync_order import merchant_by_code
from orders.models import Order, PayoutOrder, SyncRun, SyncSource
from orders.services import sync_payout_order
from orders.tasks import start_bulk_sync


class Command(BaseCommand):
    help = "Re-sync cached orders from Juspay in bulk: the open ones (--open) or all of them (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--open", action="store_true", help="Orders whose payment, refunds or fulfilments move.")
        which.add_argument("--all", action="store_true")
        parser.add_argument("--merchant", help="Merchant code (default: the default merchant).")
        parser.add_argument("--concurrency", type=int, default=32, help="Juspay calls in flight per chunk.")
        parser.add_argument("--chunk-size", type=int, default=sync_runs.CHUNK_SIZE, help="Ids per worker task.")

    def handle(
        self,
        *args: Any,
        open: bool,
        all: bool,
        merchant: str | None,
        concurrency: int,
        chunk_size: int,
        **options: Any,
    ) -> None:
        account = merchant_by_code(merchant)
        orders = Order.objects.filter(merchant=account)
        payouts = PayoutOrder.objects.filter(merchant=account)
        if open:
            orders, payouts = orders.filter(is_open=True), payouts.filter(is_open=True)
        run = start_bulk_sync(
            account,
            sync_runs.order_ids_of(orders, chunk_size),
            kind=SyncRun.Kind.SYNC,
            source=SyncSource.JUSPAY_POLL,
            concurrency=concurrency,
            chunk_size=chunk_size,
        )
        bar = ProgressBar(run.ids_total, label="orders")
        run = sync_runs.wait(run, on_progress=bar.advance)
        bar.close()
        payout_errors = 0
        for payout_id in payouts.values_list("payout_order_id", flat=True):
            payout_errors += bool(sync_payout_order(account, payout_id, source=SyncSource.JUSPAY_POLL).error)
        self.stdout.write(
            f"{run.synced} order(s) synced, {run.changes} change(s), {run.failed} error(s) "
            f"in {run.chunks_total} chunk(s); {payouts.count()} payout order(s), {payout_errors} error(s); "
            f"{((run.finished_at or run.started_at) - run.started_at).total_seconds():.1f} s"
        )
        for order_id, reason in islice(sync_runs.failures(run), 5):
            self.stderr.write(f"  {order_id}: {reason}")
        if run.ids_total and run.failed == run.ids_total:
            raise CommandError("Every order failed to sync; is Juspay reachable?")
