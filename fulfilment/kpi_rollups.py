"""The managers' KPI rollup of requests: one `RequestFact` per request, a pure function of the request's row.

`track(pk)` rewrites a request's fact; fulfilment.services and fulfilment.executor call it in the transaction
of every state change (after the conditional UPDATE), so the fact never disagrees with the request it
describes. It also keeps the time of each CHARGED order's first successful Fulfilment Sync command
(orders.models.ChargedOrder.fulfilled_at, through orders.rollups.set_fulfilled). `rebuild()` recomputes every
fact and those times (`python manage.py rebuild_kpis`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Min, OuterRef, QuerySet, Subquery

from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders import rollups
from orders.models import ChargedOrder

FIELDS = ("pk", "merchant_id", "kind", "command", "state", "required_approvals", "created_at")
TIMES = ("approved_at", "closed_at", "finished_at")


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def fact_of(req: ActionRequest) -> RequestFact:
    """Raise to decision: to `approved_at` (the approval that completed the count) or, for a rejection, to
    `closed_at`; none when the policy needed no approval, or nobody decided (pending, cancelled, expired).
    Approval to answer: `approved_at` to `finished_at` of a request Juspay answered (succeeded or failed)."""
    decided: datetime | None = None
    if req.required_approvals > 0:
        decided = req.closed_at if req.state == ActionState.REJECTED else req.approved_at
    answered = req.finished_at if req.state in (ActionState.SUCCEEDED, ActionState.FAILED) else None
    return RequestFact(
        request_id=req.pk,
        merchant_id=req.merchant_id,
        kind=req.kind,
        command=req.command,
        state=req.state,
        raised_at=req.created_at,
        decision_seconds=_seconds(req.created_at, decided),
        answer_seconds=_seconds(req.approved_at, answered),
    )


def fulfilling() -> QuerySet[ActionRequest]:
    """The requests that fulfil an order: Fulfilment Sync commands sent with `fulfillment_status` SUCCESS that
    Juspay accepted (state succeeded, at `finished_at`), whatever the command (NO_ACTION, the plain "delivered"
    record, included). A command reporting a FAILURE fulfils nothing."""
    return ActionRequest.objects.filter(
        kind=ActionKind.FULFILMENT,
        state=ActionState.SUCCEEDED,
        finished_at__isnull=False,
        payload__fulfillment_status="SUCCESS",
    )


def first_fulfilment(order_pk: int) -> datetime | None:
    first: datetime | None = fulfilling().filter(order_id=order_pk).aggregate(at=Min("finished_at"))["at"]
    return first


def track(request_pk: int) -> None:
    """Rewrite the request's fact from its row (call inside the transaction that changed the request)."""
    req = ActionRequest.objects.only(*FIELDS[1:], *TIMES, "order_id").get(pk=request_pk)
    fact = fact_of(req)
    RequestFact.objects.update_or_create(
        request_id=request_pk,
        defaults={f.attname: getattr(fact, f.attname) for f in RequestFact._meta.concrete_fields if not f.primary_key},
    )
    if req.kind == ActionKind.FULFILMENT:
        rollups.set_fulfilled(req.order_id, first_fulfilment(req.order_id))


def rebuild_fulfilled() -> int:
    """Recompute every CHARGED order's first fulfilment time, set-based (two UPDATEs on PostgreSQL). Returns how
    many orders have one."""
    first = (
        fulfilling().filter(order_id=OuterRef("order_id")).order_by().values("order_id").annotate(at=Min("finished_at"))
    )
    ChargedOrder.objects.filter(fulfilled_at__isnull=False).update(fulfilled_at=None, fulfil_seconds=None)
    done = ChargedOrder.objects.filter(order_id__in=fulfilling().values("order_id")).update(
        fulfilled_at=Subquery(first.values("at")[:1])
    )
    rows = ChargedOrder.objects.filter(fulfilled_at__isnull=False)
    if connection.vendor == "postgresql":  # the seconds as orders.rollups.fulfil_seconds counts them
        table = connection.ops.quote_name(ChargedOrder._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET fulfil_seconds = "  # noqa: S608 - the model's table name
                "GREATEST(0, trunc(extract(epoch FROM fulfilled_at - charged_at)))::bigint "
                "WHERE fulfilled_at IS NOT NULL"
            )
        return done
    for row in rows.only("charged_at", "fulfilled_at").iterator(chunk_size=2000):
        row.fulfil_seconds = rollups.fulfil_seconds(row.charged_at, row.fulfilled_at)
        row.save(update_fields=["fulfil_seconds"])
    return done


def rebuild(*, batch: int = 5000) -> int:
    """Recompute every request's fact. Returns how many."""
    with transaction.atomic():
        RequestFact.objects.all().delete()
        done = 0
        last_pk = 0
        while True:
            chunk = list(ActionRequest.objects.filter(pk__gt=last_pk).order_by("pk").only(*FIELDS[1:], *TIMES)[:batch])
            if not chunk:
                rebuild_fulfilled()
                return done
            last_pk = chunk[-1].pk
            RequestFact.objects.bulk_create([fact_of(r) for r in chunk])
            done += len(chunk)
