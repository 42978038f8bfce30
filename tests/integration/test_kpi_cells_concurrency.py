"""Requests tracked at once on orders charged in one hour, a sync, the cell rebuilds and the request rebuild
beside them: no deadlock, no lost count. The fulfilment and request cells they share end equal to a rebuild
(PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from fulfilment import kpi_rollups
from fulfilment.models import ActionKind, ActionRequest, ActionState
from orders import rollups
from orders.models import ChargedOrder, KpiBucket, Order, SyncSource
from orders.sync import apply_order, create_orders

BASE = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
ORDERS = 6


def _race(jobs: list[Callable[[], None]]) -> None:
    barrier, errors = threading.Barrier(len(jobs)), []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def _charged(answer, i: int):
    return answer(
        "order_status_charged.json",
        order_id=f"C{i}",
        status="CHARGED",
        date_created=(BASE + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
        payment_gateway_response=None,
        refunds=[],
        amount_refunded=0,
    )


def _fulfil(order: Order, maker, minutes: int) -> Callable[[], None]:
    def job() -> None:
        with transaction.atomic():
            req = ActionRequest.objects.create(
                kind=ActionKind.FULFILMENT,
                order=order,
                merchant_id=order.merchant_id,
                payload={"fulfillment_status": "SUCCESS", "fulfillment_command": "NO_ACTION"},
                command="NO_ACTION",
                fulfillment_id=f"DLV-{uuid.uuid4().hex[:6]}",
                maker=maker,
                state=ActionState.SENDING,
                idempotency_key=uuid.uuid4().hex,
                form_token=uuid.uuid4(),
                required_approvals=0,
                expires_at=timezone.now() + timedelta(days=3),
            )
            kpi_rollups.track(req.pk)
        with transaction.atomic():
            ActionRequest.objects.filter(pk=req.pk, state=ActionState.SENDING).update(
                state=ActionState.SUCCEEDED, finished_at=BASE + timedelta(minutes=minutes)
            )
            kpi_rollups.track(req.pk)

    return job


def _cells() -> set[tuple[object, ...]]:
    rows = KpiBucket.objects.filter(metric__in=(*rollups.CHARGED_METRICS, *kpi_rollups.REQUEST_METRICS))
    return set(rows.exclude(count=0).values_list("grain", "start", "metric", "key", "sub", "count"))


@pytest.mark.django_db(transaction=True)
def test_tracking_syncing_and_rebuilding_at_once(merchant, answer, make_user):
    create_orders(
        merchant, [(_charged(answer, i), timezone.now()) for i in range(ORDERS)], source=SyncSource.JUSPAY_POLL
    )
    orders = list(Order.objects.order_by("order_id"))
    maker = make_user("Support")
    jobs = [_fulfil(order, maker, 30 + 7 * i) for i, order in enumerate(orders)]
    jobs.append(
        lambda: apply_order(
            merchant, _charged(answer, ORDERS), source=SyncSource.JUSPAY_POLL, fetched_at=timezone.now()
        )
    )
    jobs.append(rollups.rebuild_charged_cells)
    jobs.append(kpi_rollups.rebuild_request_cells)
    jobs.append(lambda: kpi_rollups.rebuild() and None)  # facts, first fulfilments and both kinds of cells
    _race(jobs)
    assert ChargedOrder.objects.filter(fulfilled_at__isnull=False).count() == ORDERS
    kept = _cells()
    assert ("d", rollups.METRIC_CHARGED, "fulfilled", ORDERS) in {(c[0], c[2], c[3], c[5]) for c in kept}
    rollups.rebuild_charged_cells()
    kpi_rollups.rebuild_request_cells()
    assert _cells() == kept
