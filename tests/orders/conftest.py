"""Fixtures of the order tests."""

import pytest


@pytest.fixture
def inline_tasks():
    """Tasks run inline, as with no CELERY_BROKER_URL (the embedded default), also when the suite runs with a
    broker: these tests follow what the refresh does to the event, not a worker."""
    from dashboard.celery import app

    saved = app.conf["task_always_eager"]
    app.conf.update(task_always_eager=True)
    yield
    app.conf.update(task_always_eager=saved)
