from django.core.management.base import BaseCommand

from dashboard.roles import ensure_roles


class Command(BaseCommand):
    help = "Create the role groups and set their permissions as defined in dashboard/roles.py."

    def handle(self, *args, **options) -> None:
        for role, count in ensure_roles(strict=True).items():
            self.stdout.write(f"{role}: {count} permission(s)")
