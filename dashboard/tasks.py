"""Background tasks of the dashboard itself."""

from celery import shared_task

from dashboard import api_idempotency, audit, audit_checkpoints, request_context


@shared_task
def heartbeat(request_id: str = "") -> int:
    """Record that a worker ran a task; returns the audit sequence. Used by operators and tests."""
    with request_context.bind(request_id=request_id or None):
        return audit.record(
            "system.heartbeat", actor_username="celery-worker", summary="a worker picked up a heartbeat task"
        ).sequence


@shared_task
def write_audit_checkpoint() -> int:
    """Append a signed checkpoint of the audit log's head (beat, every AUDIT_CHECKPOINT_SECONDS)."""
    return audit_checkpoints.write_checkpoint().sequence


@shared_task
def prune_idempotency_keys() -> int:
    """Delete API idempotency keys older than API_IDEMPOTENCY_KEEP_HOURS (beat, hourly); returns how many."""
    return api_idempotency.prune()
