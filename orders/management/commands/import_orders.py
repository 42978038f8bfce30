import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.models import Merchant
from dashboard.progress import ProgressBar
from orders import sync_failures
from orders.bulk import sync_many
from orders.management.commands.sync_order import merchant_by_code
from orders.models import SyncFailure, SyncSource
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


SHOWN_FAILURES = 50


def write_failures(path: Path, failed: dict[str, str]) -> None:
    """Every failed id with its reason, as a CSV with an `order_id` column (so it can be imported again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "reason"])
        writer.writerows(failed.items())


class Command(BaseCommand):
    help = (
        "Bring orders into the cache from a file of order ids (one per line, or CSV with an order_id column). "
        "Every id that fails is recorded with its reason and retried by the freshness sweep (see /health/sync/); "
        "the command then exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--merchant", help="Merchant code (default: the default merchant).")
        parser.add_argument("--payouts", action="store_true", help="The ids are payout order ids.")
        parser.add_argument("--concurrency", type=int, default=32)
        parser.add_argument(
            "--failed-out", type=Path, help="Write every failed id and its reason to this CSV (order_id,reason)."
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        merchant: str | None,
        payouts: bool,
        concurrency: int,
        failed_out: Path | None,
        **options: Any,
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        account = merchant_by_code(merchant)
        ids = read_ids(file)
        if not ids:
            raise CommandError(f"{file}: no order ids found")
        bar = ProgressBar(len(ids), label="import")
        if payouts:
            failed = self._import_payouts(account, ids, bar)
            what = "payout order(s)"
        else:
            report = sync_many(
                account,
                ids,
                concurrency=concurrency,
                source=SyncSource.IMPORT,
                on_progress=bar.advance,
                remember_failures=True,
            )
            failed, what = report.failed, "order(s)"
        bar.close()
        self.stdout.write(f"{len(ids) - len(failed)} {what} imported, {len(failed)} failed")
        if failed_out is not None:
            write_failures(failed_out, failed)
            self.stdout.write(f"failed ids written to {failed_out}")
        if not failed:
            return
        for order_id, reason in list(failed.items())[:SHOWN_FAILURES]:
            self.stderr.write(f"  {order_id}: {reason}")
        if len(failed) > SHOWN_FAILURES:
            rest = "all of them are in " + str(failed_out) if failed_out else "--failed-out FILE writes all of them"
            self.stderr.write(f"  ... and {len(failed) - SHOWN_FAILURES} more ({rest})")
        raise CommandError(
            f"{len(failed)} of {len(ids)} id(s) failed; each is recorded with its reason and retried by the "
            "freshness sweep (Admin: /health/sync/)"
        )

    def _import_payouts(self, account: Merchant, ids: list[str], bar: ProgressBar) -> dict[str, str]:
        failed: dict[str, str] = {}
        for payout_id in ids:
            result = sync_payout_order(account, payout_id, source=SyncSource.IMPORT)
            if result.failure is not None:
                failed[payout_id] = result.error
            bar.advance()
        sync_failures.settle(account, SyncFailure.Kind.PAYOUT, ids, failed)
        return failed
