"""`make run`: serve the dashboard on the embedded defaults.

Later capabilities add the Juspay simulator with demo data here, so `make run` stays one command.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the dashboard for a demo: the development server on 127.0.0.1."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options) -> None:
        port = options["port"]
        self.stdout.write(self.style.SUCCESS(f"Juspay Ops: open http://127.0.0.1:{port}/ and sign in."))
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
