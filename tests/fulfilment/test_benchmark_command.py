"""`manage.py benchmark` runs end to end at a tiny N and its table has every row (timings are not checked: this
is a smoke test of the command, the numbers come from running it, README "Benchmark").

PostgreSQL and Redis only (the command refuses SQLite; its served app uses a broker): CI's second pass.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from fulfilment.benchmark import fill

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not os.environ.get("CELERY_BROKER_URL"),
        reason="the benchmark serves PostgreSQL with a broker: set DATABASE_URL=postgres://… and CELERY_BROKER_URL",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(1500),  # about 3 minutes on an idle machine; the shared one under load took over 10
]

EVERY_ROW = [
    "order page",
    "order page fragments",
    "search: email (whole)",
    "search: phone (whole)",
    "search: order id (whole, opens it)",
    "typeahead: email (whole)",
    "typeahead: email (half-typed)",
    "typeahead: phone (whole)",
    "typeahead: phone (half-typed)",
    "typeahead: order id (whole)",
    "typeahead: order id (half-typed)",
    "list: first page",
    "list: filtered",
    "list: deep (90% down)",
    "KPI page",
    "KPI sections",
    "list: first page: pages/s",
    "webhooks: with a broker and a worker",
    "webhooks: embedded (no broker)",
    "bulk sync, first import (1 process)",
    "bulk sync, re-sync (1 process)",
    "import_orders peak RSS, 200 ids",
    "import_orders peak RSS, 400 ids",
]


def test_the_benchmark_prints_every_measurement_with_its_peer(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "benchmark",
        "--orders=300",
        "--requests=2",
        "--rounds=1",
        "--webhooks=2",
        "--sync-orders=20",
        "--import-ids=200,400",
        "--import-seconds=20",
        f"--redis={os.environ['CELERY_BROKER_URL']}",
        f"--output={tmp_path / 'table.md'}",
        stdout=out,
        stderr=io.StringIO(),
    )
    table, _, cpu = out.getvalue().partition("\nCPU per request")
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    cpu_rows = {
        (line.split("|")[1].strip(), line.split("|")[2].strip()): line
        for line in cpu.splitlines()
        if line.startswith("| ")
    }
    server_ms = cpu_rows[("order page", "1")].split("|")[3].strip()
    assert float(server_ms) > 0, f"the order page's server CPU per request is measured:\n{cpu}"
    for name in EVERY_ROW:  # an import stopped at --import-seconds says so after its name: "(first 20 s)"
        assert any(row == name or row.startswith(f"{name} (first ") for row in rows), f"no row {name!r} in:\n{table}"
    for name in ("order page", "list: first page", "list: filtered", "list: deep (90% down)", "search: email (whole)"):
        peer = rows[name].split("|")[5].strip()
        assert peer, f"{name} has no peer measured beside it:\n{table}"
    for name in ("webhooks: with a broker and a worker", "webhooks: embedded (no broker)"):
        assert "ms web CPU each" in rows[name], f"{name} has no CPU per webhook:\n{table}"
    errors = {name: rows[name].split("|")[4] for name in EVERY_ROW[:16] if "×" in rows[name].split("|")[4]}
    measured = {name: rows[name].split("|")[3].strip() for name in ("order page", "KPI page")}
    assert all(n.replace(",", "").isdigit() and int(n.replace(",", "")) > 0 for n in measured.values()), measured
    assert not errors, f"answers that were errors: {errors}"
    written = (tmp_path / "table.md").read_text()
    assert all(f"| {name} " in written for name in EVERY_ROW), "the table is also written to --output"
    assert fill.marker() == (300, fill.FILL_VERSION), "the fill left its marker for the next run to reuse"
