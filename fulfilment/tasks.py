"""Background work of the approval flow: send approved requests, expire stale ones, pick up stalled ones."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task

from dashboard import request_context
from fulfilment import executor, services

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def execute_request(request_pk: int) -> str:
    """Send one approved request to Juspay (see fulfilment.executor); safe to deliver more than once."""
    with request_context.bind(request_id=f"action-{request_pk}-{uuid.uuid4().hex[:12]}"):
        result = executor.execute(request_pk)
    log.info("action request %s: %s", request_pk, result)
    return result


@shared_task
def expire_requests() -> int:
    """Beat: expire pending requests past their policy's expiry time."""
    with request_context.bind():
        return services.expire_due()


@shared_task
def resume_stalled() -> int:
    """Beat: queue again what an executor should have finished (lost enqueue, crash, unknown outcome)."""
    pks = executor.stalled()
    for pk in pks:
        execute_request.delay(pk)
    return len(pks)
