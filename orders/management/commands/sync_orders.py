from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.progress import ProgressBar
from orders.bulk import sync_many
from orders.management.commands.sync_order import merchant_by_code
from orders.models import Order, PayoutOrder, SyncSource
from orders.services import sync_payout_order


class Command(BaseCommand):
    help = "Re-sync cached orders from Juspay in bulk: the open ones (--open) or all of them (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--open", action="store_true", help="Orders whose payment, refunds or fulfilments move.")
        which.add_argument("--all", action="store_true")
        parser.add_argument("--merchant", help="Merchant code (default: the default merchant).")
        parser.add_argument("--concurrency", type=int, default=32)

    def handle(self, *args: Any, open: bool, all: bool, merchant: str | None, concurrency: int, **options: Any) -> None:
        account = merchant_by_code(merchant)
        orders = Order.objects.filter(merchant=account)
        payouts = PayoutOrder.objects.filter(merchant=account)
        if open:
            orders, payouts = orders.filter(is_open=True), payouts.filter(is_open=True)
        ids = list(orders.values_list("order_id", flat=True))
        bar = ProgressBar(len(ids), label="orders")
        report = sync_many(
            account, ids, concurrency=concurrency, source=SyncSource.JUSPAY_POLL, on_progress=bar.advance
        )
        bar.close()
        payout_errors = 0
        for payout_id in payouts.values_list("payout_order_id", flat=True):
            payout_errors += bool(sync_payout_order(account, payout_id, source=SyncSource.JUSPAY_POLL).error)
        self.stdout.write(
            f"{report.synced} order(s) synced, {report.changes} change(s), {report.errors} error(s); "
            f"{payouts.count()} payout order(s), {payout_errors} error(s); {report.elapsed:.1f} s"
        )
        for sample in report.error_samples:
            self.stderr.write(f"  {sample}")
        if ids and report.errors == len(ids):
            raise CommandError("Every order failed to sync; is Juspay reachable?")
