"""The managers' KPI rollup of requests: one `RequestFact` per request, a pure function of the request's row,
and the fact's cells in the rollup (KpiBucket, REQUEST_METRICS), a pure function of the fact.

`track(pk)` rewrites a request's fact and its cells; fulfilment.services and fulfilment.executor call it in the
transaction of every state change (after the conditional UPDATE), so neither ever disagrees with the request
it describes. It also keeps the time of each CHARGED order's first successful Fulfilment Sync command
(orders.models.ChargedOrder.fulfilled_at and its cells, through orders.rollups.fulfilled_change); the cells of
both go in last, in one statement (orders.rollups.add_cells). `rebuild()` recomputes every fact, their cells
and those times (`python manage.py rebuild_kpis`); `rebuild_request_cells()` only the cells, from the facts.

The cells: per request, one `request` cell at the local hour it was raised (key `<kind>/<command>`, sub its
state), and its raise-to-decision and approval-to-answer seconds in two duration histograms (`hist.decision`,
`hist.answer`; day cells, orders.duration_buckets). The approval figures count from them
(fulfilment.kpi_figures).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Min, OuterRef, QuerySet, Subquery

from fulfilment.models import ActionKind, ActionRequest, ActionState, RequestFact
from orders import rollups
from orders.kpi_periods import bucket_starts
from orders.models import ChargedOrder, KpiBucket

FIELDS = ("pk", "merchant_id", "kind", "command", "state", "required_approvals", "created_at")
TIMES = ("approved_at", "closed_at", "finished_at")
METRIC_REQUEST = "request"  # key = "<kind>/<command>", sub = the request's state; at its raise time
METRIC_DECISION = "hist.decision"  # decision_seconds, at the raise time (a duration histogram)
METRIC_ANSWER = "hist.answer"  # answer_seconds, at the raise time
REQUEST_METRICS = (METRIC_REQUEST, METRIC_DECISION, METRIC_ANSWER)
FACT_FIELDS = ("merchant_id", "kind", "command", "state", "raised_at", "decision_seconds", "answer_seconds")
FactRow = tuple[int, str, str, str, datetime, int | None, int | None]  # FACT_FIELDS' values


def request_key(kind: str, command: str) -> str:
    return f"{kind}/{command}"


def kind_and_command(key: str) -> tuple[str, str]:
    kind, _, command = key.partition("/")
    return kind, command


def fact_cells(fact: FactRow | None) -> rollups.MerchantCells:
    """The cells one request fact adds (REQUEST_METRICS); the rebuild and `track` share it."""
    if fact is None:
        return {}
    merchant_id, kind, command, state, raised_at, decision, answer = fact
    hour = bucket_starts(raised_at)[0]
    cells: rollups.Contribution = {(METRIC_REQUEST, request_key(kind, command)[:128], state, hour): (1, Decimal(0))}
    for metric, seconds in ((METRIC_DECISION, decision), (METRIC_ANSWER, answer)):
        if seconds is not None:
            cell, value = rollups.histogram_cell(metric, seconds, raised_at)
            cells[cell] = value
    return {merchant_id: cells}


def _fact_row(request_pk: int) -> FactRow | None:
    return RequestFact.objects.filter(request_id=request_pk).values_list(*FACT_FIELDS).first()


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


class RequestRow(NamedTuple):
    """The columns of a request its fact reads (FIELDS, TIMES): the rebuild reads them as tuples."""

    pk: int
    merchant_id: int
    kind: str
    command: str
    state: str
    required_approvals: int
    created_at: datetime
    approved_at: datetime | None
    closed_at: datetime | None
    finished_at: datetime | None


def fact_of(req: ActionRequest | RequestRow) -> RequestFact:
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
    old = _fact_row(request_pk)
    fact = fact_of(req)
    RequestFact.objects.update_or_create(
        request_id=request_pk,
        defaults={f.attname: getattr(fact, f.attname) for f in RequestFact._meta.concrete_fields if not f.primary_key},
    )
    new: FactRow = (
        fact.merchant_id,
        fact.kind,
        fact.command,
        fact.state,
        fact.raised_at,
        fact.decision_seconds,
        fact.answer_seconds,
    )  # FACT_FIELDS' order
    cells = rollups.difference_by_merchant(fact_cells(old), fact_cells(new))
    if req.kind == ActionKind.FULFILMENT:
        rollups.merge_by_merchant(cells, rollups.fulfilled_change(req.order_id, first_fulfilment(req.order_id)))
    rollups.add_cells(cells)


def rebuild_fulfilled() -> int:
    """Recompute every CHARGED order's first fulfilment time, set-based. Returns how many orders have one.

    On PostgreSQL one UPDATE joined to the grouped first times (`UPDATE … FROM (… GROUP BY order_id)`): the
    correlated form (a subquery per charged order) is planned from the statistics, and with none (a table just
    filled) it ran for minutes at 1M orders."""
    ChargedOrder.objects.filter(fulfilled_at__isnull=False).update(fulfilled_at=None, fulfil_seconds=None)
    if connection.vendor == "postgresql":  # the seconds as orders.rollups.fulfil_seconds counts them
        firsts = fulfilling().order_by().values("order_id").annotate(at=Min("finished_at")).values("order_id", "at")
        inner, params = firsts.query.sql_with_params()
        table = connection.ops.quote_name(ChargedOrder._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET fulfilled_at = f.at, "  # noqa: S608 - the model's table name
                "fulfil_seconds = GREATEST(0, trunc(extract(epoch FROM f.at - c.charged_at)))::bigint "
                f"FROM ({inner}) AS f WHERE c.order_id = f.order_id",
                params,
            )
            done = cursor.rowcount
    else:
        first = (
            fulfilling()
            .filter(order_id=OuterRef("order_id"))
            .order_by()
            .values("order_id")
            .annotate(at=Min("finished_at"))
        )
        done = ChargedOrder.objects.filter(order_id__in=fulfilling().values("order_id")).update(
            fulfilled_at=Subquery(first.values("at")[:1])
        )
        rows = ChargedOrder.objects.filter(fulfilled_at__isnull=False)
        for row in rows.only("charged_at", "fulfilled_at").iterator(chunk_size=2000):
            row.fulfil_seconds = rollups.fulfil_seconds(row.charged_at, row.fulfilled_at)
            row.save(update_fields=["fulfil_seconds"])
    rollups.rebuild_charged_cells()
    return done


def rebuild_request_cells(*, batch: int = 5000) -> int:
    """Recompute the cells of REQUEST_METRICS from the RequestFact table (`rebuild_kpis --only request-cells`).
    Returns how many facts were read."""
    with transaction.atomic():
        rollups.lock_tables(RequestFact, KpiBucket)  # a `track` waits, then applies on top of the rebuilt cells
        KpiBucket.objects.filter(metric__in=REQUEST_METRICS).delete()
        by_merchant: rollups.MerchantCells = defaultdict(dict)
        done = 0
        for row in RequestFact.objects.order_by().values_list(*FACT_FIELDS).iterator(chunk_size=batch):
            rollups.merge_by_merchant(by_merchant, fact_cells(row))
            done += 1
        rollups.add_cells(by_merchant, fresh=True)
    return done


def rebuild(*, batch: int = 5000) -> int:
    """Recompute every request's fact. Returns how many."""
    with transaction.atomic():
        rollups.lock_tables(RequestFact, ChargedOrder, KpiBucket)  # in the order `track` writes them
        RequestFact.objects.all().delete()
        done = 0
        last_pk = 0
        columns = ("request_id", *FACT_FIELDS)
        while True:
            rows = ActionRequest.objects.filter(pk__gt=last_pk).order_by("pk").values_list(*FIELDS, *TIMES)[:batch]
            chunk = [RequestRow(*row) for row in rows]
            if not chunk:
                rebuild_request_cells(batch=batch)
                rebuild_fulfilled()
                return done
            last_pk = chunk[-1].pk
            facts = [fact_of(r) for r in chunk]
            rollups.insert_rows(RequestFact, columns, [tuple(getattr(f, c) for c in columns) for f in facts])
            done += len(chunk)
