"""CSV export of the filtered orders: streamed when small, a background job beyond a size, masked, audited."""

import csv
import io

import pytest

from dashboard.models import AuditEvent
from orders.models import ExportState, OrderExport
from tests.orders.lookup import days_ago


@pytest.fixture(autouse=True, params=["filesystem", "database"])
def exports_storage(request, settings, tmp_path):
    """Every test runs with the files on the local disk (one host) and in the database (several hosts)."""
    backends = {
        "filesystem": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
        "database": {"BACKEND": "dashboard.stored_files.DatabaseStorage", "OPTIONS": {}},
    }
    settings.STORAGES = {**settings.STORAGES, "exports": backends[request.param]}
    return request.param


@pytest.fixture
def orders(cached_order):
    cached_order("order_status_charged.json", order_id="EXP1", date_created=days_ago(1))
    cached_order("order_status_with_refunds.json", order_id="EXP2", date_created=days_ago(2))
    cached_order(
        "order_status_with_offers.json", order_id="EXP3", date_created=days_ago(3), customer_id='=HYPERLINK("http://x")'
    )
    cached_order("order_status_charged.json", order_id="EXP-OLD", date_created=days_ago(30))


def rows(content: bytes | str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content if isinstance(content, str) else content.decode())))


def test_the_csv_holds_exactly_the_filtered_rows_masked(client_as, orders):
    response = client_as("Support").get("/orders/export.csv", {"gateway": "RAZORPAY"})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    got = rows(b"".join(response.streaming_content))
    assert [r["order_id"] for r in got] == ["EXP1", "EXP3"]  # 7 days by default, RAZORPAY only
    assert got[0]["customer_email"] == "a•••@example.org" and got[0]["customer_phone"] == "••••••4567"
    assert got[1]["customer_id"].startswith("'=")  # no formula runs in a spreadsheet
    event = AuditEvent.objects.get(verb="order.export")
    assert event.after == {"query": "gateway=RAZORPAY", "mode": "stream", "rows": None}


def test_export_follows_the_search_and_the_wider_window(client_as, orders):
    client = client_as("Support")
    assert [
        r["order_id"] for r in rows(b"".join(client.get("/orders/export.csv", {"q": "EXP-OLD"}).streaming_content))
    ] == ["EXP-OLD"]
    everything = rows(b"".join(client.get("/orders/export.csv", {"period": "all"}).streaming_content))
    assert len(everything) == 4


def test_a_large_export_runs_in_the_background_for_its_owner_only(
    client_as, orders, settings, make_user, client, monkeypatch, django_capture_on_commit_callbacks
):
    from orders.tasks import export_orders

    settings.ORDERS_EXPORT_INLINE_MAX = 2
    monkeypatch.setattr(export_orders, "delay", lambda pk: export_orders(pk))  # inline, whatever the broker
    owner = client_as("Support")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.get("/orders/export.csv", {"period": "all"})
    job = OrderExport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/exports/{job.pk}/"
    assert job.state == ExportState.READY and job.rows == 4
    status = owner.get(response["Location"]).content.decode()
    assert "ready, 4 rows" in status and f"/orders/exports/{job.pk}/download/" in status
    download = owner.get(f"/orders/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert [r["order_id"] for r in rows(b"".join(download.streaming_content))] == ["EXP1", "EXP2", "EXP3", "EXP-OLD"]
    assert "ready, 4 rows" in owner.get("/orders/exports/").content.decode()
    assert AuditEvent.objects.get(verb="order.export").after["mode"] == "background"

    client.force_login(make_user("Finance"))  # someone else: the export does not exist for them
    assert client.get(f"/orders/exports/{job.pk}/download/").status_code == 404
    assert client.get(f"/orders/exports/{job.pk}/").status_code == 404
    assert str(job.pk) not in client.get("/orders/exports/").content.decode()


def test_a_queued_export_page_polls_until_ready(client_as, orders, settings, monkeypatch):
    from orders.tasks import export_orders

    settings.ORDERS_EXPORT_INLINE_MAX = 2
    monkeypatch.setattr(export_orders, "delay", lambda pk: None)
    client = client_as("Support")
    response = client.get("/orders/export.csv", {"period": "all"})  # the task waits for the commit: still queued
    job = OrderExport.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert job.state == ExportState.QUEUED and "queued… this updates by itself" in page
    assert f'hx-get="/orders/exports/{job.pk}/" hx-trigger="every 2s"' in page
    assert client.get(f"/orders/exports/{job.pk}/download/").status_code == 404

    poll = client.get(f"/orders/exports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert poll.lstrip().startswith(f'<div id="export-{job.pk}"')  # the job line alone, swapped into the page
    assert "queued… this updates by itself" in poll and "<html" not in poll
