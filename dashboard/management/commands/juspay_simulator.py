"""`python manage.py juspay_simulator`: a local stand-in for Juspay's APIs with seeded demo data."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.juspay_simulator.clock import iso, parse_iso
from dashboard.juspay_simulator.faults import LATENCY_MODES, Faults
from dashboard.juspay_simulator.server import run
from dashboard.juspay_simulator.simulation import Simulation, SimulatorConfig
from dashboard.juspay_simulator.webhooks import WebhookConfig


class Command(BaseCommand):
    help = (
        "Serve a Juspay simulator (Order Status, payout Order Status, Fulfillment Sync, Refund, plus "
        "/__sim__/ control endpoints) with deterministic demo data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--seed", type=int, default=1, help="same seed (and --start-time) → same data")
        parser.add_argument("--orders", type=int, default=200, help="number of payment orders to generate")
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="simulated seconds per real second (0 freezes time except manual advances)",
        )
        parser.add_argument("--start-time", help="simulated time at start, ISO-8601 (default: now)")
        parser.add_argument("--api-key", default=None, help="default: settings.JUSPAY_API_KEY")
        parser.add_argument("--merchant-id", default=None, help="default: settings.JUSPAY_MERCHANT_ID")
        parser.add_argument("--certfile", help="serve HTTPS with this certificate (PEM)")
        parser.add_argument("--keyfile", help="private key for --certfile (PEM)")
        parser.add_argument("--webhook-url", default="")
        parser.add_argument("--webhook-username", default="")
        parser.add_argument("--webhook-password", default="")
        parser.add_argument(
            "--webhook-duplicates", type=float, default=0.0, help="share of webhooks delivered twice (0..1)"
        )
        parser.add_argument(
            "--latency",
            choices=LATENCY_MODES,
            default="juspay",
            help="juspay: draw latency from Juspay's published percentiles; none: answer at once",
        )
        parser.add_argument("--fail-rate", type=float, default=0.0, help="share of HTTP 500 answers")
        parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of requests that hang")
        parser.add_argument("--timeout-seconds", type=float, default=5.0, help="how long a hang lasts")
        parser.add_argument("--malformed-rate", type=float, default=0.0, help="share of truncated JSON bodies")
        parser.add_argument("--unauthorized-rate", type=float, default=0.0, help="share of spurious 401s")

    def handle(self, *args, **options) -> None:
        if bool(options["certfile"]) != bool(options["keyfile"]):
            raise CommandError("--certfile and --keyfile go together")
        try:
            faults = Faults().updated(
                {
                    "latency": options["latency"],
                    "fail_rate": options["fail_rate"],
                    "timeout_rate": options["timeout_rate"],
                    "timeout_seconds": options["timeout_seconds"],
                    "malformed_rate": options["malformed_rate"],
                    "unauthorized_rate": options["unauthorized_rate"],
                }
            )
            webhook = WebhookConfig().updated(
                {
                    "url": options["webhook_url"],
                    "username": options["webhook_username"],
                    "password": options["webhook_password"],
                    "duplicates": options["webhook_duplicates"],
                }
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        config = SimulatorConfig(
            api_key=options["api_key"] or settings.JUSPAY_API_KEY,
            merchant_id=options["merchant_id"] or settings.JUSPAY_MERCHANT_ID,
            host=options["host"],
            port=options["port"],
            seed=options["seed"],
            orders=options["orders"],
            speed=options["speed"],
            start=parse_iso(options["start_time"]) if options["start_time"] else None,
            certfile=options["certfile"],
            keyfile=options["keyfile"],
            faults=faults,
            webhook=webhook,
        )
        run(config, on_ready=self._announce)

    def _announce(self, sim: Simulation) -> None:
        config = sim.config
        scheme = "https" if config.certfile else "http"
        self.stdout.write(
            self.style.SUCCESS(
                f"Juspay simulator on {scheme}://{config.host}:{config.port} (merchant {config.merchant_id}, "
                f"{len(sim.store.order_ids)} orders, {len(sim.store.payout_ids)} payout orders, seed {config.seed}, "
                f"simulated start {iso(sim.start)}, speed {config.speed})"
            )
        )
        self.stdout.flush()
