"""What the approval flow announces, so the layers above it act without the domain importing them.

`request_ready` is sent, with `request_pk`, once the transaction that approved a request has committed:
the last approval, a request the policy lets through with none, a retry. `fulfilment.tasks` subscribes at
start-up (FulfilmentConfig.ready) and queues the executor. Sending after commit means a worker never
looks for a request whose approval was rolled back, nor before it is visible.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from fulfilment.models import ActionRequest

request_ready = Signal()


def announce_ready(request_pk: int) -> None:
    """Send `request_ready` for the request when the current transaction commits."""
    transaction.on_commit(lambda: request_ready.send(sender=ActionRequest, request_pk=request_pk))
