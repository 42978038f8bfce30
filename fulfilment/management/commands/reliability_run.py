"""`python manage.py reliability_run`: break things for real, let the product recover, count what was lost."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fulfilment.management.reliability import Options, run

MUST_BE_ZERO = ("orders_lost", "duplicate_sends", "stuck_requests")


class Command(BaseCommand):
    help = (
        "The reliability run (PostgreSQL; starts its own Juspay simulator, Redis and Celery workers): imports and "
        "syncs under faults, Juspay down, a worker killed mid-send, Redis restarted, PostgreSQL connections "
        "dropped; then prints requests made, faults injected, orders lost, duplicate sends and stuck requests. "
        "Exits non-zero when any of the last three is not 0 or the sweeps did not settle."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=2000, help="orders the simulator holds and the run imports")
        parser.add_argument("--refunds", type=int, default=8, help="refunds per phase that sends them")
        parser.add_argument("--webhooks", type=int, default=10, help="webhooks per phase that receives them")
        parser.add_argument("--settle-seconds", type=float, default=120.0)
        parser.add_argument("--redis-port", type=int, default=0, help="port of the run's own redis-server (0: free)")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON only")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = run(
            Options(
                orders=options["orders"],
                refunds=options["refunds"],
                webhooks=options["webhooks"],
                settle_seconds=options["settle_seconds"],
                redis_port=options["redis_port"],
            ),
            log=(lambda line: None) if options["json"] else self.stdout.write,
        )
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
        else:
            self.stdout.write("")
            self.stdout.write("Reliability run summary")
            for key, value in summary.items():
                self.stdout.write(f"  {key}: {value}")
        bad = [key for key in MUST_BE_ZERO if summary[key]]
        if bad or not summary["settled"]:
            raise CommandError(
                "reliability run failed: "
                + ", ".join(
                    [f"{key} = {summary[key]}" for key in bad] + ([] if summary["settled"] else ["not settled"])
                )
            )
