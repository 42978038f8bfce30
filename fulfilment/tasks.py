"""Background work of the approval flow: send approved requests, expire stale ones, pick up stalled ones.

Tasks sit above the domain, like views: services announce a request ready to send
(`fulfilment.signals.request_ready`, after commit) and `connect()`, called at start-up, queues it here.
"""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from kombu.exceptions import OperationalError

from dashboard import request_context
from fulfilment import executor, services, signals

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def execute_request(request_pk: int) -> str:
    """Send one approved request to Juspay (see fulfilment.executor); safe to deliver more than once."""
    with request_context.bind(request_id=f"action-{request_pk}-{uuid.uuid4().hex[:12]}"):
        result = executor.execute(request_pk)
    log.info("action request %s: %s", request_pk, result)
    return result


def queue_ready_request(sender: object, *, request_pk: int, **kwargs: object) -> None:
    """`request_ready` receiver: hand the approved request to a worker. When the broker is down the approval
    stands (it is committed) and the page answers as usual: the request stays `approved`, the sync health page
    lists it once it is stalled, and `resume_stalled` queues it again."""
    try:
        execute_request.delay(request_pk)
    except OperationalError:  # kombu: the broker cannot be reached (after its publish retries)
        log.warning("request %s approved but not queued (broker down); resume_stalled will queue it", request_pk)


def connect() -> None:
    """Subscribe to the services' announcements (FulfilmentConfig.ready calls this once per process)."""
    signals.request_ready.connect(queue_ready_request, dispatch_uid="fulfilment.tasks.queue_ready_request")


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
