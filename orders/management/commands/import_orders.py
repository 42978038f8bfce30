import csv
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.models import Merchant
from dashboard.progress import ProgressBar
from orders import sync_failures, sync_runs
from orders.management.commands.sync_order import merchant_by_code
from orders.models import SyncFailure, SyncRun, SyncSource
from orders.services import sync_payout_order
from orders.tasks import start_bulk_sync


def iter_ids(path: Path) -> Iterator[str]:
    """One id per line, or a CSV whose `order_id` column (else its first column) holds them: read row by row,
    so that a file of a million ids is never held in memory. Blank cells and `#` comments are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        first = next(reader, None)
        if first is None:
            return
        header = [cell.strip().lower() for cell in first]
        column = header.index("order_id") if "order_id" in header else 0
        rows: Iterator[list[str]] = reader if "order_id" in header else chain([first], reader)
        for row in rows:
            if len(row) > column and (value := row[column].strip()) and not value.startswith("#"):
                yield value


def read_ids(path: Path) -> list[str]:
    """Every id of the file once, in order (the payout import, which is small)."""
    return list(dict.fromkeys(iter_ids(path)))


SHOWN_FAILURES = 50


def write_failures(path: Path, failed: Iterable[tuple[str, str]]) -> None:
    """Every failed id with its reason, as a CSV with an `order_id` column (so it can be imported again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "reason"])
        writer.writerows(failed)


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
        parser.add_argument("--concurrency", type=int, default=32, help="Juspay calls in flight per chunk.")
        parser.add_argument("--chunk-size", type=int, default=sync_runs.CHUNK_SIZE, help="Ids per worker task.")
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Queue the chunks for the workers and exit (prints the run id) instead of waiting for them.",
        )
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
        chunk_size: int,
        no_wait: bool,
        failed_out: Path | None,
        **options: Any,
    ) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        account = merchant_by_code(merchant)
        total = sum(1 for _ in iter_ids(file))  # a first streaming pass, for the progress bar
        if not total:
            raise CommandError(f"{file}: no order ids found")
        if payouts:
            ids = read_ids(file)
            bar = ProgressBar(len(ids), label="import")
            failed = self._import_payouts(account, ids, bar)
            bar.close()
            self._report(len(ids), len(failed), lambda: failed.items(), "payout order(s)", failed_out)
            return
        run = start_bulk_sync(
            account,
            iter_ids(file),
            kind=SyncRun.Kind.IMPORT,
            source=SyncSource.IMPORT,
            remember_failures=True,
            concurrency=concurrency,
            chunk_size=chunk_size,
        )
        if no_wait:
            self.stdout.write(f"sync run {run.pk}: {run.ids_total} id(s) queued in {run.chunks_total} chunk(s)")
            return
        bar = ProgressBar(run.ids_total, label="import")
        run = sync_runs.wait(run, on_progress=bar.advance)
        bar.close()
        self._report(run.ids_total, run.failed, lambda: sync_runs.failures(run), "order(s)", failed_out)

    def _report(
        self,
        total: int,
        failed: int,
        failures: Callable[[], Iterable[tuple[str, str]]],
        what: str,
        failed_out: Path | None,
    ) -> None:
        """Counts, the first failures on stderr, all of them in `failed_out`; non-zero exit when any failed."""
        self.stdout.write(f"{total - failed} {what} imported, {failed} failed")
        if failed_out is not None:
            write_failures(failed_out, failures() if failed else [])
            self.stdout.write(f"failed ids written to {failed_out}")
        if not failed:
            return
        for order_id, reason in islice(failures(), SHOWN_FAILURES):
            self.stderr.write(f"  {order_id}: {reason}")
        if failed > SHOWN_FAILURES:
            rest = "all of them are in " + str(failed_out) if failed_out else "--failed-out FILE writes all of them"
            self.stderr.write(f"  ... and {failed - SHOWN_FAILURES} more ({rest})")
        raise CommandError(
            f"{failed} of {total} id(s) failed; each is recorded with its reason and retried by the "
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
