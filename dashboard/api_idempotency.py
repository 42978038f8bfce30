"""The `Idempotency-Key` header of the API's creating POSTs: the same key from the same user gets the first answer.

A client that is not sure its POST arrived (a timeout, a dropped connection) sends it again with the same key
and gets the first answer back, status and body, instead of a second refund request. The first answer is kept
in `IdempotencyKey`, one row per (user, key) under a unique constraint, written in the same transaction as what
the POST created: of twenty identical POSTs racing on PostgreSQL, one inserts its row and runs; the others wait
on the unique index until it commits, then read and replay its answer. If the first one fails (a 4xx, nothing
created), its row goes with its transaction, and the key may be used again. The same key with another method,
path or body is refused with a 422 problem: it names another request.

Keys are kept `API_IDEMPOTENCY_KEEP_HOURS` (default 24, as Stripe does) and then pruned by beat
(`dashboard.tasks.prune_idempotency_keys`). Pruning cannot let money move twice: a raise sent again after its
key was pruned still finds its first request through the form token (`token_for`) that the service stores.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from dashboard.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 255
_TOKEN_NAMESPACE = uuid.UUID("6f1d4c2e-3b7a-4f55-9a41-8c0f2d9e7b13")
_SHAPE = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the IETF draft's examples (UUIDs, random tokens)


class KeyReused(exceptions.APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was already used with another request (method, path or body); "
        "send a new key for a new request."
    )
    default_code = "idempotency_key_reused"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool


Action = Callable[[], tuple[int, dict[str, Any]]]


def read_key(headers: Any, *, required: bool) -> str | None:
    """The request's key; a 400 problem naming the header when it is missing (and required) or malformed."""
    raw = headers.get(HEADER)
    if raw is None or raw == "":
        if required:
            raise exceptions.ValidationError(
                {HEADER: ["Send an Idempotency-Key header (e.g. a UUID): the same key returns the first result."]}
            )
        return None
    if not _SHAPE.fullmatch(raw):
        raise exceptions.ValidationError({HEADER: [f"Use 1 to {MAX_LENGTH} visible ASCII characters, no spaces."]})
    return str(raw)


def fingerprint(method: str, path: str, data: Any) -> str:
    """SHA-256 over the method, the path and the body in a canonical JSON form (key order does not matter)."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{method.upper()} {path}\n{body}".encode()).hexdigest()


def run_once(user: User, key: str, *, request_fingerprint: str, path: str, action: Action) -> Answer:
    """Run `action` (which returns the status and JSON body to answer) once per (user, key).

    `action` runs inside this function's transaction, after the key's row is inserted: an exception from it
    rolls both back. A second call with the key replays the stored answer, or raises KeyReused when its
    fingerprint differs."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=request_fingerprint, path=path[:500]
                )
        except IntegrityError:
            row = IdempotencyKey.objects.get(user=user, key=key)
            if row.fingerprint != request_fingerprint:
                raise KeyReused() from None
            return Answer(row.status_code, json.loads(row.body), replayed=True)
        status, body = action()
        row.status_code, row.body = status, json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
        row.save(update_fields=["status_code", "body"])
        return Answer(status, body, replayed=False)


def token_for(user: User, key: str | None) -> uuid.UUID:
    """A one-time form token derived from (user, key), for services that take one (fulfilment's raise): a second
    raise with the same key finds the first request even without this table. No key: a fresh token."""
    return uuid.uuid5(_TOKEN_NAMESPACE, f"{user.pk}:{key}") if key else uuid.uuid4()


def respond_once(request: Request, key: str | None, action: Action) -> Response:
    """Answer a creating POST: through `run_once` when it carries a key (a replay says so in a header)."""
    if key is None:
        status, body = action()
        return Response(body, status=status)
    assert isinstance(request.user, User)
    answer = run_once(
        request.user,
        key,
        request_fingerprint=fingerprint(request.method or "POST", request.path, request.data),
        path=request.path,
        action=action,
    )
    response = Response(answer.body, status=answer.status)
    if answer.replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def prune(*, keep_hours: float | None = None) -> int:
    """Delete the keys older than `keep_hours` (default: the API_IDEMPOTENCY_KEEP_HOURS setting); returns how many."""
    hours = settings.API_IDEMPOTENCY_KEEP_HOURS if keep_hours is None else keep_hours
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - timedelta(hours=hours)).delete()
    return deleted
