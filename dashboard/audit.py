"""The tamper-evident audit log: one function writes (`record`), one verifies, one exports (and logs that).

Each event carries `prev_hash` (the previous event's hash), `hash` = SHA-256 over a canonical JSON
form of its own fields plus `prev_hash`, and `hmac` = HMAC-SHA256(AUDIT_HMAC_KEY, hash). Editing,
deleting or reordering any row breaks the chain at that row; recomputing the hashes after an edit
still fails the HMAC check without the key, which lives outside the database.

Writers are serialised (a transaction-scoped advisory lock on PostgreSQL, an IMMEDIATE transaction on
SQLite) so two writers can never both append after the same event.
"""

import hashlib
import hmac as hmac_lib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from dashboard import request_context
from dashboard.models import AuditEvent
from dashboard.roles import role_of

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_ID = 0x4A5350_41554454  # "JSP" "AUDT"

HASHED_FIELDS = (
    "sequence",
    "created_at",
    "actor_id",
    "actor_username",
    "role",
    "ip",
    "request_id",
    "verb",
    "object_type",
    "object_id",
    "before",
    "after",
    "summary",
    "prev_hash",
)


def _json_safe(value: Any) -> Any:
    """What the JSON column will hand back: dates, decimals and UUIDs as strings."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical_form(fields: dict[str, Any]) -> bytes:
    data = {name: fields[name] for name in HASHED_FIELDS}
    data["created_at"] = fields["created_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_form(fields)).hexdigest()


def compute_hmac(digest: str) -> str:
    return hmac_lib.new(settings.AUDIT_HMAC_KEY.encode(), digest.encode(), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_ID])


def record(
    verb: str,
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    actor_username: str = "",
) -> AuditEvent:
    """Append one event. Runs inside the caller's transaction (or its own when there is none).

    `obj` may be a model instance; its model label and primary key fill object_type/object_id.
    Callers pass `before`/`after` with personal data already masked.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    user = actor if actor is not None and actor.is_authenticated else None
    ctx = request_context.current()
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        fields: dict[str, Any] = {
            "sequence": (last["sequence"] + 1) if last else 1,
            "created_at": timezone.now(),
            "actor_id": user.pk if user else None,
            "actor_username": user.get_username() if user else actor_username[:150],
            "role": role_of(user),
            "ip": ctx.ip,
            "request_id": ctx.request_id,
            "verb": verb,
            "object_type": str(object_type),
            "object_id": str(object_id),
            "before": _json_safe(before),
            "after": _json_safe(after),
            "summary": summary[:500],
            "prev_hash": last["hash"] if last else GENESIS_HASH,
        }
        digest = compute_hash(fields)
        return AuditEvent.objects.create(**fields, hash=digest, hmac=compute_hmac(digest))


EXPORT_COLUMNS = (
    "sequence",
    "created_at",
    "actor_username",
    "role",
    "ip",
    "request_id",
    "verb",
    "object_type",
    "object_id",
    "summary",
    "before",
    "after",
    "hash",
)


def export(events: QuerySet[AuditEvent], *, actor: AbstractBaseUser, query: str) -> Iterator[list[Any]]:
    """The rows of an audit export (EXPORT_COLUMNS), read lazily; the export itself is logged first.

    `query` is the filter as the person typed it (a URL query string), kept in the event's summary.
    """
    record(
        "audit.export",
        actor=actor,
        object_type="dashboard.auditevent",
        summary=f"exported audit rows matching {query or 'everything'}",
    )
    return ([getattr(event, column) for column in EXPORT_COLUMNS] for event in events.iterator(chunk_size=2000))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None  # the sequence number of the first bad row
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Walk the log in sequence order and report the first row that does not fit."""
    if events is None:
        events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in events:
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        if event.sequence != expected_seq:
            return ChainReport(
                checked,
                event.sequence,
                f"expected sequence {expected_seq}, found {event.sequence} (a row was deleted or inserted)",
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked, event.sequence, "prev_hash does not match the previous row's hash (rows reordered or replaced)"
            )
        digest = compute_hash(fields)
        if digest != event.hash:
            return ChainReport(checked, event.sequence, "content does not match its hash (row modified)")
        if not hmac_lib.compare_digest(compute_hmac(digest), event.hmac):
            return ChainReport(checked, event.sequence, "HMAC does not match (hash rewritten without the key)")
        expected_prev, expected_seq = event.hash, expected_seq + 1
        checked += 1
    return ChainReport(checked)
