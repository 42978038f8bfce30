from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.merchants import default_merchant
from dashboard.models import Merchant
from orders import services
from orders.models import SyncSource


def merchant_by_code(code: str | None) -> Merchant:
    if not code:
        return default_merchant()
    try:
        return Merchant.objects.get(code=code)
    except Merchant.DoesNotExist:
        raise CommandError(f"No merchant with code {code!r}.") from None


class Command(BaseCommand):
    help = "Sync one order (or payout order) from Juspay now and print what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("order_id")
        parser.add_argument("--merchant", help="Merchant code (default: the default merchant).")
        parser.add_argument("--payout", action="store_true", help="ORDER_ID is a payout order id.")

    def handle(self, *args: Any, order_id: str, merchant: str | None, payout: bool, **options: Any) -> None:
        account = merchant_by_code(merchant)
        sync_one = services.sync_payout_order if payout else services.sync_order
        result = sync_one(account, order_id, source=SyncSource.DASHBOARD)
        synced = result.obj
        if result.error or synced is None:
            raise CommandError(f"{order_id}: {result.error}")
        if result.stale:
            self.stdout.write(f"{order_id}: a newer answer was already applied; nothing to do.")
            return
        self.stdout.write(
            f"{order_id}: {'new in the cache' if result.created else 'updated'}, "
            f"status {synced.status}, {len(result.events)} change(s)"
        )
        for change in result.changes:
            self.stdout.write(f"  - {change}")
