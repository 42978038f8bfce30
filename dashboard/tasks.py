"""Background tasks of the dashboard itself."""

from celery import shared_task

from dashboard import audit, request_context


@shared_task
def heartbeat(request_id: str = "") -> int:
    """Record that a worker ran a task; returns the audit sequence. Used by operators and tests."""
    with request_context.bind(request_id=request_id or None):
        return audit.record(
            "system.heartbeat", actor_username="celery-worker", summary="a worker picked up a heartbeat task"
        ).sequence
