from django.core.management.base import BaseCommand, CommandError

from dashboard.audit import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain and HMACs; exit non-zero at the first broken link."

    def handle(self, *args, **options) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at sequence {report.broken_at}: {report.reason} "
                f"({report.checked} event(s) before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} event(s) checked."))
