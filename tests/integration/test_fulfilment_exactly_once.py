"""PostgreSQL, Redis and real Celery workers: approvals race, forms double-submit, a worker dies; money moves once."""

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from dashboard.models import AuditEvent
from fulfilment import services
from fulfilment.models import ActionRequest, ActionState, Decision
from fulfilment.tasks import execute_request
from orders.services import sync_order
from tests.fixtures.policy import activate_policy
from tests.integration.conftest import REPO, _test_database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def cached_sim_order(juspay_sim, merchant, amount: float = 1000.0):
    order_id = juspay_sim.create_order(amount=amount, status="CHARGED")
    result = sync_order(merchant, order_id)
    assert result.obj is not None, result.error
    return result.obj


def raise_refund(order, maker, amount: str = "300.00"):
    return services.raise_refund(
        order,
        maker=maker,
        amount=Decimal(amount),
        reason_code="CUSTOMER_REQUEST",
        comment="integration",
        form_token=uuid.uuid4(),
    ).request


def race(workers: int, run) -> list:
    """Run `run(i)` in `workers` threads released at once; returns what each returned or raised."""
    barrier, results = threading.Barrier(workers), [None] * workers

    def go(i: int) -> None:
        try:
            barrier.wait()
            results[i] = run(i)
        except BaseException as exc:  # reported to the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def tasks_finished(worker_log: str, task_ids: list[str]) -> bool:
    """True once the worker has logged the end (success or error) of every one of these tasks."""
    text = Path(worker_log).read_text()
    return all(re.search(rf"\[{task_id}\] (succeeded|raised)", text) for task_id in task_ids)


def sends(req) -> int:
    return AuditEvent.objects.filter(verb="action.sent", object_id=str(req.pk)).count()


def test_twenty_concurrent_approvals_lead_to_exactly_one_execution(celery_worker, juspay_sim, sim_merchant, make_user):
    activate_policy({"refund": {"approvals": 2, "tiers": []}}, actor=make_user("Admin"), based_on=0)
    order = cached_sim_order(juspay_sim, sim_merchant)
    req = raise_refund(order, make_user("Support"))
    approvers = [make_user("Finance") for _ in range(20)]

    results = race(20, lambda i: services.approve(req.pk, approver=approvers[i], comment=f"approver {i}"))

    decided = [r for r in results if isinstance(r, services.Decided)]
    refused = [r for r in results if isinstance(r, services.StateConflict)]
    assert len(decided) == 2 and len(refused) == 18, results
    assert sum(d.final for d in decided) == 1
    assert Decision.objects.filter(request=req).count() == 2
    wait_for(lambda: ActionRequest.objects.get(pk=req.pk).state in (ActionState.SUCCEEDED, ActionState.FAILED))
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error
    assert len(juspay_sim.refunds(order.order_id)) == 1
    assert req.attempts == 1 and sends(req) == 1


def test_duplicate_deliveries_of_the_task_send_once(celery_worker, juspay_sim, sim_merchant, make_user):
    order = cached_sim_order(juspay_sim, sim_merchant)
    req = raise_refund(order, make_user("Support"))
    ActionRequest.objects.filter(pk=req.pk).update(state=ActionState.APPROVED)  # as if approved; enqueue by hand
    deliveries = [execute_request.delay(req.pk).id for _ in range(8)]  # the worker runs four at a time
    wait_for(lambda: ActionRequest.objects.get(pk=req.pk).state == ActionState.SUCCEEDED)
    wait_for(lambda: tasks_finished(celery_worker["log"], deliveries))  # all eight ran, not just the sender
    req.refresh_from_db()
    assert len(juspay_sim.refunds(order.order_id)) == 1
    assert req.attempts == 1 and sends(req) == 1


def test_submitting_the_raise_form_twice_at_once_creates_one_request(juspay_sim, sim_merchant, make_user):
    order = cached_sim_order(juspay_sim, sim_merchant)
    support = make_user("Support")
    url = reverse("fulfilment:raise_refund", args=[order.pk])
    form = {
        "amount": "120.00",
        "reason_code": "NOT_DELIVERED",
        "comment": "double click",
        "form_token": str(uuid.uuid4()),
    }

    def submit(_i: int):
        client = Client()
        client.force_login(support)
        return client.post(url, form)

    responses = race(5, submit)
    assert ActionRequest.objects.count() == 1
    req = ActionRequest.objects.get()
    assert {r.status_code for r in responses} == {302}, responses
    assert {r["Location"] for r in responses} == {reverse("fulfilment:detail", args=[req.pk])}
    assert AuditEvent.objects.filter(verb="action.raised").count() == 1


# --- A worker that dies between Juspay's answer and the record ----------------------------------------


def start_worker(queue: str, name: str, *, pool: str, extra_env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    from dashboard.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = REPO / "data" / f"celery-{name}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "dashboard",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--loglevel=INFO",
                "-Q",
                queue,
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker {name} exited early; see {log_path}")
        if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
            return proc, log_path
    proc.kill()
    raise RuntimeError(f"worker {name} not ready after 30 s; see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_worker_killed_after_sending_leaves_exactly_one_refund(juspay_sim, sim_merchant, make_user, tmp_path):
    from dashboard.celery import app

    queue = f"crash-{uuid.uuid4().hex[:8]}"
    marker = tmp_path / "crashed"
    previous_queue, app.conf.task_default_queue = app.conf.task_default_queue, queue
    # A prefork worker whose pool process exits right after Juspay answers, before anything is recorded.
    crashing, _ = start_worker(
        queue, f"{queue}-crash", pool="prefork", extra_env={"TEST_EXECUTOR_CRASH_MARKER": str(marker)}
    )
    normal = None
    try:
        order = cached_sim_order(juspay_sim, sim_merchant)
        req = raise_refund(order, make_user("Support"))
        services.approve(req.pk, approver=make_user("Finance"))  # enqueued on commit
        wait_for(marker.exists, timeout=30)
        stop(crashing)  # the whole worker goes away; the unacknowledged task (acks_late) goes back on the queue
        assert ActionRequest.objects.get(pk=req.pk).state == ActionState.SENDING  # nothing recorded ...
        assert len(juspay_sim.refunds(order.order_id)) == 1  # ... yet Juspay has the refund
        normal, normal_log = start_worker(queue, f"{queue}-normal", pool="threads")
        wait_for(
            lambda: ActionRequest.objects.get(pk=req.pk).state in (ActionState.SUCCEEDED, ActionState.FAILED),
            timeout=60,
        )
    finally:
        app.conf.task_default_queue = previous_queue
        stop(crashing)
        if normal is not None:
            stop(normal)
    req.refresh_from_db()
    assert req.state == ActionState.SUCCEEDED, req.error
    assert len(juspay_sim.refunds(order.order_id)) == 1
    assert req.attempts == 2 and req.result["resolution"] == "found_before_sending"
    assert "found_before_sending" in normal_log.read_text()  # the healthy worker settled it, without sending
    verbs = list(
        AuditEvent.objects.filter(object_id=str(req.pk), object_type="fulfilment.actionrequest")
        .order_by("sequence")
        .values_list("verb", flat=True)
    )
    assert verbs == ["action.raised", "action.approved", "action.sent", "action.sent", "action.succeeded"]


def test_a_worker_killed_after_sending_initiate_refund_leaves_one_refund_and_no_resend(
    juspay_sim, sim_merchant, make_user, tmp_path
):
    """INITIATE_REFUND's refund cannot be found in Order Status by anything we sent, so the redelivered task
    must not send it again: it parks the request for a person, and the simulator shows one refund."""
    from dashboard.celery import app

    queue = f"crash-{uuid.uuid4().hex[:8]}"
    marker = tmp_path / "crashed"
    previous_queue, app.conf.task_default_queue = app.conf.task_default_queue, queue
    crashing, _ = start_worker(
        queue, f"{queue}-crash", pool="prefork", extra_env={"TEST_EXECUTOR_CRASH_MARKER": str(marker)}
    )
    normal = None
    try:
        order = cached_sim_order(juspay_sim, sim_merchant, amount=15000.0)
        req = services.raise_fulfilment(
            order,
            maker=make_user("Support"),
            status="SUCCESS",
            command="INITIATE_REFUND",
            fulfillment_id="RF-CRASH-1",
            form_token=uuid.uuid4(),
        ).request
        assert req.required_approvals == 2  # above the refund threshold, like an equal refund
        services.approve(req.pk, approver=make_user("Finance"))
        services.approve(req.pk, approver=make_user("Finance"))  # the last approval enqueues on commit
        wait_for(marker.exists, timeout=30)
        stop(crashing)
        assert ActionRequest.objects.get(pk=req.pk).state == ActionState.SENDING
        assert len(juspay_sim.refunds(order.order_id)) == 1
        normal, normal_log = start_worker(queue, f"{queue}-normal", pool="threads")
        wait_for(lambda: ActionRequest.objects.get(pk=req.pk).state == ActionState.UNRESOLVED, timeout=60)
        extra = execute_request.delay(req.pk).id  # one more delivery (a duplicate, the sweep) changes nothing
        wait_for(lambda: tasks_finished(str(normal_log), [extra]), timeout=30)
    finally:
        app.conf.task_default_queue = previous_queue
        stop(crashing)
        if normal is not None:
            stop(normal)
    req.refresh_from_db()
    assert req.state == ActionState.UNRESOLVED and "not sent again" in req.error
    assert req.attempts == 1 and sends(req) == 1
    assert len(juspay_sim.refunds(order.order_id)) == 1
    assert services.still_refundable(order) == Decimal("0.00")  # its amount stays held until a person settles it
    verbs = list(
        AuditEvent.objects.filter(object_id=str(req.pk), object_type="fulfilment.actionrequest")
        .order_by("sequence")
        .values_list("verb", flat=True)
    )
    assert verbs == ["action.raised", "action.approved", "action.approved", "action.sent", "action.unresolved"]
