import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    broker = "inline" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"
    assert response.json() == {"status": "ok", "database": "ok", "broker": broker}


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_the_broker_is_unreachable(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert response["X-Request-ID"] == "trace-123"
    fresh = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert fresh["X-Request-ID"] != "bad id with spaces" and len(fresh["X-Request-ID"]) == 32
