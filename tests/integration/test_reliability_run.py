"""The reliability run, small: the same phases as `python manage.py reliability_run` (its own simulator, Redis and
Celery workers on PostgreSQL), with few orders and refunds. Nothing lost, nothing sent twice, nothing stuck.

It takes about two minutes on the shared 2-core machine (two worker starts, a SIGKILL and a Redis restart), over
the suite's one-minute budget for such a test, so it runs only when RELIABILITY_RUN_TEST=1 is set:

    RELIABILITY_RUN_TEST=1 DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… \
        pytest tests/integration/test_reliability_run.py
"""

import json
import os
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("RELIABILITY_RUN_TEST"), reason="about 2 min: set RELIABILITY_RUN_TEST=1"),
]


def test_the_small_reliability_run_loses_nothing_and_sends_nothing_twice():
    out = StringIO()
    call_command(
        "reliability_run", orders=60, refunds=2, webhooks=2, settle_seconds=60, json=True, stdout=out, stderr=StringIO()
    )
    summary = json.loads(out.getvalue())
    assert summary["settled"] is True
    assert summary["orders_lost"] == 0 and summary["duplicate_sends"] == 0 and summary["stuck_requests"] == 0
    assert summary["orders_cached"] == summary["orders_at_juspay"]
    assert summary["refund_states"] == {"succeeded": 8}  # Juspay down, worker killed, Redis restarted, PG dropped
    assert summary["refunds_at_juspay"] == 8
    assert summary["faults_by_kind"]["worker_sigkill"] == 1 and summary["faults_by_kind"]["redis_restart"] == 1
    assert summary["faults_by_kind"]["lost_answer"] == 2  # both POSTs were at Juspay when the worker died
    assert summary["webhooks_processed"] == summary["webhooks"] == 4
