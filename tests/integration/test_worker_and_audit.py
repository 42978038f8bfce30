"""PostgreSQL, Redis and a real Celery worker: tasks run out of process and the audit chain never forks."""

import threading

import pytest
from django.db import connection

from dashboard import audit
from dashboard.models import AuditEvent
from dashboard.tasks import heartbeat
from tests.integration.conftest import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_against_postgresql(celery_worker):
    heartbeat.delay("integration-req-1")
    event = wait_for(lambda: AuditEvent.objects.filter(verb="system.heartbeat").first())
    assert event.request_id == "integration-req-1"
    assert event.actor_username == "celery-worker"
    assert audit.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(celery_worker):
    writers, per_writer = 8, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                audit.record("test.concurrent", object_type="writer", object_id=n, summary=f"{n}/{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for _ in range(5):
        heartbeat.delay()  # the worker process writes to the same chain meanwhile
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    wait_for(lambda: AuditEvent.objects.filter(verb="system.heartbeat").count() == 5)
    report = audit.verify_chain()
    assert report.ok, report.reason
    assert report.checked == writers * per_writer + 5
