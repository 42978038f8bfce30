from django.core.management.base import BaseCommand, CommandError

from dashboard import audit_checkpoints


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain and HMACs, and its head against the latest signed checkpoint "
        "(AUDIT_CHECKPOINT_PATH); exit non-zero at the first broken link or a shorter or different chain. "
        "A log that verifies gets a new checkpoint."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-checkpoint", action="store_true", help="verify only; write no new checkpoint")

    def handle(self, *args, no_checkpoint: bool = False, **options) -> None:
        result = audit_checkpoints.verify(write=not no_checkpoint)
        report = result.chain
        if not report.ok:
            raise CommandError(
                f"Audit chain broken at sequence {report.broken_at}: {report.reason} "
                f"({report.checked} event(s) before it are intact)."
            )
        if result.problem:
            raise CommandError(f"Audit log does not match its checkpoint: {result.problem}.")
        anchor = (
            f"; head matches the checkpoint of {result.checkpoint.at} ({result.checkpoint.sequence} event(s))"
            if result.checkpoint is not None
            else "; no checkpoint yet"
        )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} event(s) checked{anchor}."))
