"""`make run`: the dashboard on the embedded defaults, fed by the Juspay simulator with demo data.

1. start the simulator (unless JUSPAY_BASE_URL points elsewhere) with webhooks aimed at this dashboard;
2. bring its orders and payout orders into the cache through the normal sync code;
3. with no broker, run beat's whole schedule on a background thread (dashboard.embedded_beat: the freshness
   sweep and its failure retries, webhook retries, approval expiry, stalled requests), so the demo does what
   beat does; with a broker, run `make worker` for Celery beat and workers instead;
4. serve the dashboard with Django's development server.
"""

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.embedded_beat import EmbeddedBeat
from dashboard.merchants import ensure_default_merchant
from dashboard.simulator_process import SimulatorProcess, port_taken, start_simulator
from orders.bulk import sync_many
from orders.models import SyncSource
from orders.services import sync_payout_order


def start_background_work() -> EmbeddedBeat | None:
    """With no broker (tasks inline), beat's schedule on a thread of this process; with one, nothing here."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    return EmbeddedBeat().start()


class Command(BaseCommand):
    help = "Run the dashboard for a demo: the simulator with demo data, a freshness sweep, the web server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--orders", type=int, default=300, help="demo orders in the simulator")
        parser.add_argument(
            "--speed",
            type=float,
            default=60.0,
            help="simulated seconds per real second (60: an hour of Juspay time per minute)",
        )
        parser.add_argument("--no-simulator", action="store_true", help="use JUSPAY_BASE_URL as it is")

    def handle(self, *args: Any, port: int, orders: int, speed: float, no_simulator: bool, **options: Any) -> None:
        self._check_ports(port, with_simulator=not no_simulator)
        try:
            sim = None if no_simulator else self._start_simulator(port, orders, speed)
        except RuntimeError as error:  # the simulator exited or never answered: its log says why
            raise CommandError(f"The Juspay simulator did not start: {error}") from None
        beat: EmbeddedBeat | None = None
        try:
            self._load_demo_data(sim)
            beat = start_background_work()
            self.stdout.write(self.style.SUCCESS(f"Juspay Ops: open http://127.0.0.1:{port}/ and sign in."))
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if beat is not None:
                beat.stop()
            if sim is not None:
                sim.stop()

    def _check_ports(self, port: int, *, with_simulator: bool) -> None:
        """Refuse to start, in one line naming the variable to change, when a port we need is taken. Without
        this the simulator dies on its bind (or, worse, an old simulator on the port answers for it) and the
        web server fails only after the cache was filled."""
        if port_taken(port):
            raise CommandError(
                f"Port {port} (the dashboard) is already in use: stop what holds it, or choose another port with "
                f"PORT=<port> make run."
            )
        sim_port = _simulator_port()
        if with_simulator and port_taken(sim_port):
            raise CommandError(
                f"Port {sim_port} (the Juspay simulator) is already in use: stop what holds it, or set "
                f"JUSPAY_BASE_URL=http://127.0.0.1:<port> (e.g. JUSPAY_BASE_URL=http://127.0.0.1:8766 make run)."
            )

    def _start_simulator(self, port: int, orders: int, speed: float) -> SimulatorProcess:
        sim_port = _simulator_port()
        webhook = [
            f"--webhook-url=http://127.0.0.1:{port}/webhooks/juspay/",
            f"--webhook-username={settings.JUSPAY_WEBHOOK_USERNAME}",
            f"--webhook-password={settings.JUSPAY_WEBHOOK_PASSWORD}",
        ]
        sim = start_simulator(
            port=sim_port,
            api_key=settings.JUSPAY_API_KEY,
            merchant_id=settings.JUSPAY_MERCHANT_ID,
            orders=orders,
            seed=42,
            speed=speed,
            extra=webhook,
        )
        self.stdout.write(
            f"Juspay simulator at {sim.base_url} ({orders} orders, speed x{speed:g}); log: {sim.log_path}"
        )
        return sim

    def _load_demo_data(self, sim: SimulatorProcess | None) -> None:
        merchant = ensure_default_merchant()
        if sim is None:
            return
        report = sync_many(merchant, sim.order_ids(), concurrency=32, source=SyncSource.IMPORT, remember_failures=True)
        payouts = sim.payout_order_ids()
        for payout_id in payouts:
            sync_payout_order(merchant, payout_id, source=SyncSource.IMPORT)
        self.stdout.write(
            f"Cache filled: {report.synced} orders ({report.errors} errors), "
            f"{len(payouts)} payout orders, in {report.elapsed:.1f} s"
        )


def _simulator_port() -> int:
    """The port of JUSPAY_BASE_URL, where `make run` starts the simulator (8765 unless that URL says otherwise)."""
    return urlparse(settings.JUSPAY_BASE_URL).port or 8765
