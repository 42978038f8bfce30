"""CSV export of the orders list: the rows the filters select, streamed; in the background beyond a size.

Up to `inline_limit()` rows (setting ORDERS_EXPORT_INLINE_MAX, default 5,000) the CSV streams straight to
the browser. Beyond that, an `OrderExport` job is queued; a Celery task writes the file to the exports storage
(`storages["exports"]`, see dashboard/stored_files.py: the local disk by default, the database or S3 for several
hosts) and the job's page shows when it is ready; only the person who asked may download it.
Personal data is masked in every export (see orders/masking.py). Each export is audited.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from dashboard import audit
from dashboard.csv_export import csv_lines, safe_cell
from dashboard.merchant_scope import Viewer
from orders import masking, signals
from orders.filters import OrderFilter
from orders.models import ExportState, Order, OrderExport

log = logging.getLogger(__name__)

COLUMNS = [
    "order_id",
    "merchant",
    "created_at",
    "status",
    "amount",
    "effective_amount",
    "currency",
    "customer_id",
    "customer_email",
    "customer_phone",
    "payment_method_type",
    "payment_method",
    "gateway",
    "txn_id",
    "refund_state",
    "amount_refunded",
    "fulfilment_state",
    "split_applied",
    "last_synced_at",
]


def inline_limit() -> int:
    return settings.ORDERS_EXPORT_INLINE_MAX


def storage() -> Storage:
    return storages["exports"]


def stored_name(job: OrderExport) -> str:
    return f"orders/{job.pk}.csv"


def selected(query: QueryDict, *, viewer: Viewer) -> QuerySet[Order]:
    """The orders the list's filters select (the same FilterSet the page uses) among those `viewer` may see."""
    filtered: QuerySet[Order] = OrderFilter(query, queryset=Order.objects.visible_to(viewer), viewer=viewer).qs
    return filtered.select_related("merchant").order_by("-juspay_created_at", "-pk")


def is_large(queryset: QuerySet[Order]) -> bool:
    """More rows than stream inline? Counts at most limit+1 rows, never the whole table."""
    limit = inline_limit()
    return queryset.order_by()[: limit + 1].count() > limit


def row(order: Order) -> list[Any]:
    values = {
        "order_id": order.order_id,
        "merchant": order.merchant.code,
        "created_at": order.juspay_created_at.isoformat() if order.juspay_created_at else "",
        "status": order.status,
        "amount": order.amount,
        "effective_amount": order.effective_amount,
        "currency": order.currency,
        "customer_id": order.customer_id,
        "customer_email": masking.mask_email(order.customer_email),
        "customer_phone": masking.mask_phone(order.customer_phone),
        "payment_method_type": order.payment_method_type,
        "payment_method": order.payment_method,
        "gateway": order.gateway,
        "txn_id": order.txn_id,
        "refund_state": order.refund_state,
        "amount_refunded": order.amount_refunded,
        "fulfilment_state": order.fulfilment_state,
        "split_applied": "" if order.split_applied is None else ("yes" if order.split_applied else "no"),
        "last_synced_at": order.last_synced_at.isoformat() if order.last_synced_at else "",
    }
    return [safe_cell(values[name]) for name in COLUMNS]


def stream(orders: Iterable[Order]) -> Iterator[str]:
    return csv_lines(COLUMNS, (row(order) for order in orders))


def record(user: AbstractBaseUser | AnonymousUser, query: str, *, mode: str, rows: int | None = None) -> None:
    audit.record(
        "order.export",
        actor=user,
        object_type="orders.order",
        after={"query": query, "mode": mode, "rows": rows},
        summary=f"exported orders matching {query or 'the default window'} ({mode})",
    )


def start_background(user: User, query: str) -> OrderExport:
    """Queue the export; its file is written (orders.tasks) once the job row is committed."""
    with transaction.atomic():
        job = OrderExport.objects.create(user=user, query=query)
        record(user, query, mode="background")
        transaction.on_commit(lambda: signals.export_queued.send(OrderExport, export=job))
    return job


def run(export_id: str) -> str:
    """Write the job's file (the task's body). Only a queued job runs, once."""
    if not OrderExport.objects.filter(pk=export_id, state=ExportState.QUEUED).update(state=ExportState.RUNNING):
        return "not queued"
    job = OrderExport.objects.get(pk=export_id)
    name = f"orders-{job.created_at:%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.csv"
    count = 0
    try:
        # Written to a local temporary file first, then saved whole: a reader never sees half a file.
        with (
            tempfile.TemporaryFile("w+b") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=True) as handle,
        ):
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for order in selected(QueryDict(job.query), viewer=job.user).iterator(chunk_size=2000):
                writer.writerow(row(order))
                count += 1
            handle.flush()
            raw.seek(0)
            storage().save(stored_name(job), File(raw))
    except Exception as exc:  # the job page must say it failed rather than spin forever
        log.exception("order export %s failed", export_id)
        OrderExport.objects.filter(pk=export_id).update(
            state=ExportState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return "failed"
    OrderExport.objects.filter(pk=export_id).update(
        state=ExportState.READY, rows=count, file_name=name, finished_at=timezone.now()
    )
    return f"{count} row(s)"


def file_of(job: OrderExport) -> IO[bytes] | None:
    """The job's file, open for reading, from whichever host wrote it; None when not ready or gone."""
    if job.state != ExportState.READY:
        return None
    try:
        return storage().open(stored_name(job), "rb")
    except FileNotFoundError:
        return None
