import os

from django.core.management.base import BaseCommand

from dashboard.demo_users import ensure_demo_users


class Command(BaseCommand):
    help = "Create (or reset) the demo users, one per role, and print their password."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", ""),
            help="Password for every demo user (default: DEMO_PASSWORD, else random).",
        )

    def handle(self, *args, **options) -> None:
        password, users = ensure_demo_users(options["password"] or None)
        self.stdout.write(self.style.SUCCESS("Demo users (all share one password):"))
        for username, role in users:
            self.stdout.write(f"  {username:<10} {role:<8} password: {password}")
