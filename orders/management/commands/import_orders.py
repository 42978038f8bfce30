import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.progress import ProgressBar
from orders.bulk import sync_many
from orders.management.commands.sync_order import merchant_by_code
from orders.models import SyncSource
from orders.services import sync_payout_order


def read_ids(path: Path) -> list[str]:
    """One id per line, or a CSV whose `order_id` column (else its first column) holds them."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("order_id") if "order_id" in header else 0
    start = 1 if "order_id" in header else 0
    ids = [row[column].strip() for row in rows[start:] if len(row) > column and row[column].strip()]
    return list(dict.fromkeys(i for i in ids if not i.startswith("#")))


class Command(BaseCommand):
    help = "Bring orders into the cache from a file of order ids (one per line, or CSV with an order_id column)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--merchant", help="Merchant code (default: the default merchant).")
        parser.add_argument("--payouts", action="store_true", help="The ids are payout order ids.")
        parser.add_argument("--concurrency", type=int, default=32)

    def handle(
        self, *args: Any, file: Path, merchant: str | None, payouts: bool, concurrency: int, **options: Any
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        account = merchant_by_code(merchant)
        ids = read_ids(file)
        if not ids:
            raise CommandError(f"{file}: no order ids found")
        bar = ProgressBar(len(ids), label="import")
        if payouts:
            errors = []
            for payout_id in ids:
                result = sync_payout_order(account, payout_id, source=SyncSource.IMPORT)
                if result.error:
                    errors.append(f"{payout_id}: {result.error}")
                bar.advance()
            bar.close()
            self.stdout.write(f"{len(ids) - len(errors)} payout order(s) imported, {len(errors)} failed")
            for line in errors[:10]:
                self.stderr.write(f"  {line}")
            return
        report = sync_many(account, ids, concurrency=concurrency, source=SyncSource.IMPORT, on_progress=bar.advance)
        bar.close()
        self.stdout.write(f"{report.synced} order(s) imported, {report.errors} failed, {report.elapsed:.1f} s")
        for sample in report.error_samples:
            self.stderr.write(f"  {sample}")
