"""Webhook intake: authenticate, identify, store once per event id, announce it; then refresh, and retry later.

A webhook is a trigger only; the Order Status pull that follows is the truth (Juspay: "re-check with Order
Status before acting", https://juspay.io/resources/docs/common-resources/webhooks). So intake reads only what
it needs, straight from the JSON and tolerant of type oddities: the event id, the event name (payment
events) or label and value (payout events, https://docs.juspay.io/payout/docs/resources/webhooks), the order
id, payout order id or fulfilment id, and the merchant id. Everything else in the body is only parsed to flag
what does not fit its documented type or is not documented (`parse_problems`), never to refuse it. A body is
refused (4xx, with the reason) only when its credentials are wrong, it is not a JSON object, or it names no
event id or nothing to refresh.

Intake does no network I/O itself. The refresh runs after commit (a task on a worker; without a broker, on a
thread of the web process after the answer, `orders.webhook_refresher`, pulling each order once per batch);
when it cannot run (the broker is down) or fails (Juspay is down), the event stays stored with its attempts
and last error, and `retry_due` (a beat task) tries it again with a back-off, `MAX_ATTEMPTS` times at most.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Field
from django.utils import timezone

from dashboard.juspay.errors import JuspayParseError
from dashboard.juspay.types_base import JuspayResult
from dashboard.juspay.types_webhook import PayoutWebhookEvent
from dashboard.juspay.types_webhook import WebhookEvent as OrderWebhook
from dashboard.merchants import default_merchant
from dashboard.models import Merchant
from orders import services, signals
from orders.models import Fulfillment, SyncSource, WebhookEvent

log = logging.getLogger(__name__)

# Retries of a refresh that failed: the first after a minute (time for the queued task to have run), then
# doubling up to two hours; after MAX_ATTEMPTS failed refreshes the event is left for a person (the freshness
# sweep still re-syncs any order already cached). Juspay documents no schedule of its own for this.
FIRST_RETRY = timedelta(seconds=60)
LONGEST_RETRY = timedelta(hours=2)
MAX_ATTEMPTS = 10
CLAIM = timedelta(minutes=5)  # a sweep that picked an event holds it this long before another may

# The columns these ids go into (orders.models); a longer value cannot be a Juspay id we can refresh by.
EVENT_ID_MAX = 128
ORDER_ID_MAX = 64


class WebhookRejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Intake:
    event: WebhookEvent
    duplicate: bool


def credentials_ok(authorization: str) -> bool:
    """Constant-time check of `Authorization: Basic …` against the configured webhook credentials."""
    user, password = settings.JUSPAY_WEBHOOK_USERNAME, settings.JUSPAY_WEBHOOK_PASSWORD
    if not user or not password or not authorization.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(authorization[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = f"{user}:{password}".encode()
    return hmac.compare_digest(given, expected)


# --- reading the few fields intake needs --------------------------------------------------------------


@dataclass
class Identity:
    """What intake reads from a body, and the oddities it met reading it."""

    kind: str  # "order" (payment events) or "payout"
    event_id: str = ""
    event_name: str = ""
    order_id: str = ""
    merchant_id: str = ""
    fulfillment_id: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)

    def read_text(self, block: dict[str, Any], path: str, *keys: str) -> str:
        """The first of `keys` in `block` as text: a string, or a number (ids sometimes arrive as numbers).
        Anything else (an object, a list, a boolean) is noted as a problem and read as missing."""
        for key in keys:
            value = block.get(key)
            if value is None or value == "":
                continue
            here = f"{path}.{key}" if path else key
            if isinstance(value, str):
                return value.strip()
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.note(here, value, "a number where Juspay documents a string; read as text")
                return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
            self.note(here, value, f"a JSON {type(value).__name__} where Juspay documents a string; ignored")
        return ""

    def read_block(self, block: dict[str, Any], path: str, key: str) -> dict[str, Any]:
        """A nested object; one sent as JSON text is read from the text; anything else is noted and empty."""
        value = block.get(key)
        if value is None or isinstance(value, dict):
            return value or {}
        here = f"{path}.{key}" if path else key
        if isinstance(value, str):
            try:
                decoded = json.loads(value)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                self.note(here, value, "an object sent as JSON text; read from the text")
                return decoded
        self.note(here, value, f"a JSON {type(value).__name__} where Juspay documents an object; ignored")
        return {}

    def note(self, path: str, value: Any, problem: str) -> None:
        self.problems.append({"path": path, "value": value, "problem": problem})


def identify(body: dict[str, Any]) -> Identity:
    """Kind, event id, name, order id (or payout order / fulfilment id) and merchant id of a webhook body."""
    if "event_name" in body:
        found = Identity("order")
        found.event_id = found.read_text(body, "", "id")
        found.event_name = found.read_text(body, "", "event_name")
        content = found.read_block(body, "", "content")
        # ORDER_*, REFUND_*, AUTO_REFUND_* and TXN_CREATED carry the order, TXN_CHARGED / TXN_FAILED the
        # transaction (both with `order_id`). Mandate and notification events: Juspay documents no order id
        # in them, so they name nothing to refresh.
        order = found.read_block(content, "content", "order")
        txn = found.read_block(content, "content", "txn")
        found.order_id = found.read_text(order, "content.order", "order_id") or found.read_text(
            txn, "content.txn", "order_id"
        )
        found.merchant_id = found.read_text(order, "content.order", "merchant_id") or found.read_text(
            txn, "content.txn", "merchant_id"
        )
        return found
    if "label" in body:
        found = Identity("payout")
        found.event_id = found.read_text(body, "", "id")
        label, value = found.read_text(body, "", "label"), found.read_text(body, "", "value")
        found.event_name = f"{label}:{value}"
        info = found.read_block(body, "", "info")
        # ORDER events name the payout order (`merchantOrderId`), FULFILLMENT_TXN events only the fulfilment
        # (`FulfillmentId`, so spelt in Juspay's table); the other spellings are read in case a body uses them.
        found.order_id = found.read_text(info, "info", "merchantOrderId", "merchant_order_id")
        found.fulfillment_id = found.read_text(info, "info", "FulfillmentId", "fulfillmentId", "fulfillment_id")
        return found
    if "JWT" in body:
        raise WebhookRejected(400, "JWT-encrypted webhooks are not supported: turn JWT webhooks off for this URL")
    raise WebhookRejected(400, "not a Juspay webhook: neither event_name nor label present")


def parse_problems(kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """What in the body does not fit its documented type, or is not documented, by the typed models (lenient)."""
    model: type[JuspayResult] = OrderWebhook if kind == "order" else PayoutWebhookEvent
    try:
        parsed = model.parse(body)
    except JuspayParseError as exc:
        return [{"path": "", "value": None, "problem": f"the body does not fit a {model.__name__}: {exc.message}"}]
    found: list[dict[str, Any]] = [
        {"path": p.path, "value": p.value, "problem": f"does not fit: {p.message}"} for p in parsed.parse_problems
    ]
    found += [
        {"path": path, "value": None, "problem": "not in Juspay's documentation"} for path in parsed.unknown_fields()
    ]
    found += [
        {"path": u.path, "value": u.value, "problem": f"not a documented {u.vocabulary} value"}
        for u in parsed.unknown_values()
    ]
    return found


# --- intake -------------------------------------------------------------------------------------------


def _decode(raw_body: bytes) -> tuple[str, dict[str, Any]]:
    """(the body as text, the JSON object). NaN and Infinity (not JSON, but Python reads them) stay text."""
    try:
        text = raw_body.decode(json.detect_encoding(raw_body))
        body = json.loads(text, parse_constant=str)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WebhookRejected(400, f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise WebhookRejected(400, "body is not a JSON object")
    return text, body


def _storable(value: Any) -> Any:
    """The JSON as a database JSON column takes it: PostgreSQL refuses the character U+0000 (kept in raw_body)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


NOTHING_TO_REFRESH = {
    "order": "names no order (`content.order.order_id` or `content.txn.order_id`): kept, nothing to refresh",
    "payout": "names no payout order (`info.merchantOrderId`) or fulfilment: kept, nothing to refresh",
}


def _check(found: Identity) -> None:
    if not found.event_id:
        raise WebhookRejected(400, "webhook has no event id (`id`)")
    if len(found.event_id) > EVENT_ID_MAX:
        raise WebhookRejected(400, f"event id longer than {EVENT_ID_MAX} characters")
    if len(found.order_id) > ORDER_ID_MAX:
        raise WebhookRejected(400, f"order id longer than {ORDER_ID_MAX} characters")


def _column(model: type[models.Model], name: str) -> str:
    """The quoted column of a model's concrete field, for the two plain statements below."""
    found = model._meta.get_field(name)
    assert isinstance(found, Field) and found.column, name
    return connection.ops.quote_name(found.column)


@functools.cache
def _merchant_sql(pk_as: str = "") -> str:
    """The active merchant named (the first %s and second %s), else the default one; its pk `AS pk_as` if given."""
    table = connection.ops.quote_name(Merchant._meta.db_table)
    pk, merchant_id, is_active, is_default, code = (
        _column(Merchant, name) for name in ("id", "merchant_id", "is_active", "is_default", "code")
    )
    where = f"{is_active} AND ({merchant_id} = %s OR {is_default})"
    # the model's quoted names only; the values are parameters
    selected = f"{pk} AS {pk_as}" if pk_as else pk
    return f"SELECT {selected} FROM {table} WHERE {where} ORDER BY ({merchant_id} = %s) DESC, {code} LIMIT 1"  # noqa: S608


def _merchant_pk(merchant_id: str) -> int:
    """The active merchant the body names, else the default one: what
    `Merchant.objects.filter(merchant_id=…, is_active=True).first()` then `default_merchant()` answer (both by
    `code`), in one plain query: building it with the ORM cost about 1 ms of CPU on every webhook, several times
    what the database takes to answer it."""
    with connection.cursor() as cursor:
        cursor.execute(_merchant_sql(), [merchant_id or None, merchant_id or None])
        row = cursor.fetchone()
    return int(row[0]) if row else default_merchant().pk  # none at all yet: the default one is made


@functools.cache
def _insert_sql() -> tuple[str, tuple[Field[Any, Any], ...]]:
    meta = WebhookEvent._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(_column(WebhookEvent, f.name) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    unique, pk = _column(WebhookEvent, "event_id"), _column(WebhookEvent, "id")
    # the model's quoted names only; the values are parameters
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    sql += f" ON CONFLICT ({unique}) DO NOTHING RETURNING {pk}"
    return sql, fields


def _insert_once(event: WebhookEvent) -> bool:
    """Store `event` unless its event id is stored already (False then): one INSERT … ON CONFLICT DO NOTHING,
    committed on its own (autocommit), so it is durable before the answer, with no BEGIN and COMMIT round trips and
    no savepoint (a duplicate raises nothing, inside a caller's transaction neither). The values are those
    `save()` would write (each field's `pre_save` and `get_db_prep_save`); `save()` itself cost about 1.5 ms of
    CPU per webhook, mostly the ORM building the statement."""
    sql, fields = _insert_sql()
    params = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, connection.alias
    return True


@functools.cache
def _insert_naming_merchant_sql() -> tuple[str, tuple[Field[Any, Any], ...]]:
    """The INSERT … ON CONFLICT above with the merchant's lookup (`_merchant_sql`, less its fall-back to a default
    merchant made on the spot) as its row source: one statement and one round trip instead of two. PostgreSQL
    types the other values by their target columns (an INSERT's SELECT leaves their literals untyped)."""
    meta = WebhookEvent._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    merchant = WebhookEvent._meta.get_field("merchant")
    columns = ", ".join(_column(WebhookEvent, f.name) for f in fields)
    values = ", ".join("m.pk" if f is merchant else "%s" for f in fields)
    unique, pk = _column(WebhookEvent, "event_id"), _column(WebhookEvent, "id")
    # the model's quoted names only; the values are parameters
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {values} FROM ({_merchant_sql('pk')}) AS m"  # noqa: S608
    sql += f" ON CONFLICT ({unique}) DO NOTHING RETURNING {pk}, {_column(WebhookEvent, 'merchant')}"
    return sql, tuple(f for f in fields if f is not merchant)


def _insert_naming_merchant(event: WebhookEvent, merchant_id: str) -> bool:
    """`_insert_once` on the merchant the body names (PostgreSQL): False when nothing was stored, because the
    event id is stored already or because no active merchant, not even a default one, exists yet."""
    sql, fields = _insert_naming_merchant_sql()
    params = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, merchant_id or None, merchant_id or None])
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.merchant_id = row
    event._state.adding, event._state.db = False, connection.alias
    return True


def _store(event: WebhookEvent, merchant_id: str) -> WebhookEvent | None:
    """Store `event` on the active merchant the body names, else on the default one (made if there is none yet):
    None when stored now, else the event stored before under its event id (a duplicate). On PostgreSQL the
    merchant's lookup and the INSERT are one statement."""
    if connection.vendor == "postgresql":
        if _insert_naming_merchant(event, merchant_id):
            return None
        stored = WebhookEvent.objects.filter(event_id=event.event_id).first()
        if stored is not None:
            return stored
        # no merchant at all yet: the default one is made, as below
    event.merchant_id = _merchant_pk(merchant_id)
    if _insert_once(event):
        return None
    return WebhookEvent.objects.get(event_id=event.event_id)


def receive(authorization: str, raw_body: bytes) -> Intake:
    if not credentials_ok(authorization):
        raise WebhookRejected(401, "bad or missing webhook credentials")
    text, body = _decode(raw_body)
    found = identify(body)
    _check(found)
    order_id = found.order_id or _payout_of_fulfillment(found.fulfillment_id)
    # A webhook that names nothing we can refresh (a mandate or notification event, or an order event without
    # its order) is still taken and kept, never refused: Juspay would only send it again. It is stored as
    # processed, with the reason, for Admin's /webhooks/ pages. A payout transaction webhook whose fulfilment
    # is not cached yet waits for the retry sweep instead (it may be cached by then).
    nothing_to_refresh = not order_id and not (found.kind == "payout" and found.fulfillment_id)
    now = timezone.now()
    event = WebhookEvent(
        event_id=found.event_id,
        event_name=found.event_name[:64],
        order_id=order_id,
        kind=found.kind,
        payload=_storable(body),
        raw_body=text.replace("\x00", "\ufffd"),
        parse_problems=_storable(found.problems + parse_problems(found.kind, body)),
        # the retry sweep's, should the refresh not happen
        next_attempt_at=None if nothing_to_refresh else now + FIRST_RETRY,
        processed_at=now if nothing_to_refresh else None,
        error=NOTHING_TO_REFRESH[found.kind] if nothing_to_refresh else "",
    )
    stored = _store(event, found.merchant_id)
    if stored is not None:
        return Intake(stored, duplicate=True)
    if not nothing_to_refresh:
        # Robust: whatever the receivers do (hand the id to a thread, enqueue, or refresh inline), a failure is
        # logged, never the answer to Juspay; the event is stored and the retry sweep picks it up. Committed
        # already, unless a caller's transaction holds it: then after that commits.
        transaction.on_commit(lambda: signals.webhook_stored.send(WebhookEvent, event=event), robust=True)
    return Intake(event, duplicate=False)


# --- the refresh, and its retries ----------------------------------------------------------------------


def _payout_of_fulfillment(fulfillment_id: str | None) -> str:
    """Transaction-level payout webhooks name only Juspay's fulfilment id: find its payout order in the cache."""
    if not fulfillment_id:
        return ""
    return (
        Fulfillment.objects.filter(fulfillment_id=fulfillment_id)
        .values_list("payout_order__payout_order_id", flat=True)
        .first()
        or ""
    )


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed refresh an event is tried again."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def _failed(pk: int, message: str) -> str:
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=pk)
        if event.processed_at:
            return "already processed"
        event.attempts += 1
        event.error = message[:2000]
        event.next_attempt_at = None if event.attempts >= MAX_ATTEMPTS else timezone.now() + retry_delay(event.attempts)
        event.save(update_fields=["attempts", "error", "next_attempt_at"])
    log.warning("webhook %s: refresh %d failed: %s", event.event_id, event.attempts, message)
    return f"failed ({event.attempts}): {message}"


def refresh(pk: int, *, event: WebhookEvent | None = None, mark: bool = True) -> str:
    """Pull the truth for what webhook `pk` names, then mark it processed; a failure is recorded on the event
    (attempts, error, next try) and returned, never raised. Safe to run twice: the sync is idempotent.
    `event`: the event already read with its merchant (a batch reads them in one query); `mark=False` leaves
    the marking to the caller (a batch marks all its refreshed events in one UPDATE)."""
    if event is None:
        event = WebhookEvent.objects.select_related("merchant").get(pk=pk)
    if event.processed_at:
        return "already processed"
    order_id = event.order_id
    if not order_id:  # a payout transaction event whose fulfilment was not cached yet: look again
        fulfillment_id = Identity("payout").read_text(
            event.payload.get("info") if isinstance(event.payload.get("info"), dict) else {},
            "info",
            "FulfillmentId",
            "fulfillmentId",
            "fulfillment_id",
        )
        order_id = _payout_of_fulfillment(fulfillment_id)
        if not order_id:
            return _failed(pk, f"fulfilment {fulfillment_id} is on no cached payout order yet")
        WebhookEvent.objects.filter(pk=pk).update(order_id=order_id)
    try:
        if event.kind == "payout":
            error = services.sync_payout_order(event.merchant, order_id, source=SyncSource.WEBHOOK).error
        else:
            error = services.sync_order(event.merchant, order_id, source=SyncSource.WEBHOOK).error
    except Exception as exc:  # a bug or the database: note it on the event for the retry, then let it be seen
        _failed(pk, f"{type(exc).__name__}: {exc}")
        raise
    if error:
        return _failed(pk, error)
    if mark:
        _mark_processed([pk])
    return "refreshed"


def _mark_processed(pks: list[int]) -> None:
    WebhookEvent.objects.filter(pk__in=pks, processed_at__isnull=True).update(
        processed_at=timezone.now(), error="", next_attempt_at=None
    )


def refresh_batch(pks: list[int]) -> dict[str, int]:
    """Refresh the events `pks`, pulling each order once however many of them name it: Juspay often sends
    several events for one order within a second (ORDER_SUCCEEDED, TXN_CHARGED, …), and one Order Status pull
    after all of them is the truth for each. The first event of each order is refreshed (`refresh`); the others
    are marked processed when that pull worked, else refreshed on their own (each failure is recorded on its
    event, so the retry sweep still has every one)."""
    groups: dict[tuple[int, str, str], list[WebhookEvent]] = {}
    # One query for the batch's events and their merchants, and one UPDATE at the end for all those refreshed:
    # per event, only its order's pull (and any failure's record) is left.
    events = (
        WebhookEvent.objects.filter(pk__in=pks, processed_at__isnull=True)
        .select_related("merchant")
        .defer("raw_body", "parse_problems")  # the refresh reads neither
        .order_by("pk")
    )
    for event in events:
        # An event naming no order yet (a payout transaction event) is refreshed on its own.
        groups.setdefault((event.merchant_id, event.kind, event.order_id or f"#{event.pk}"), []).append(event)
    totals = {"events": 0, "pulls": 0, "refreshed": 0, "failed": 0}
    done: list[int] = []
    try:
        for members in groups.values():
            first, *rest = members
            totals["events"] += len(members)
            totals["pulls"] += 1
            outcome = refresh(first.pk, event=first, mark=False)
            if outcome in ("refreshed", "already processed"):
                totals["refreshed"] += len(members)
                done += [event.pk for event in members]
                continue
            totals["failed"] += 1
            for event in rest:
                totals["pulls"] += 1
                outcome = refresh(event.pk, event=event, mark=False)
                if outcome in ("refreshed", "already processed"):
                    totals["refreshed"] += 1
                    done.append(event.pk)
                else:
                    totals["failed"] += 1
    finally:  # what was refreshed before a failure that raised is marked all the same
        if done:
            _mark_processed(done)
    return totals


def retry_due(limit: int = 200) -> dict[str, int]:
    """Refresh every stored, unprocessed event whose next try has come (oldest first). Each is claimed with a
    conditional update first, so two sweeps never refresh the same event at once."""
    now = timezone.now()
    due = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    totals = {"tried": 0, "refreshed": 0, "failed": 0}
    for pk, due_at in due:
        if not WebhookEvent.objects.filter(pk=pk, next_attempt_at=due_at).update(next_attempt_at=now + CLAIM):
            continue  # another sweep took it
        totals["tried"] += 1
        try:
            outcome = refresh(pk)
        except Exception:  # recorded on the event by `refresh`; one broken event must not stop the others
            log.exception("webhook retry of event %s", pk)
            outcome = "failed"
        totals["refreshed" if outcome in ("refreshed", "already processed") else "failed"] += 1
    return totals
