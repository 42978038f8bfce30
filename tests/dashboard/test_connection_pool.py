"""PostgreSQL connections come from a bounded pool per process (or bounded persistent connections), and the
cache can be Redis so the login throttle counts across hosts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgres://ops:secret@db.example:5432/juspay_ops"


def settings_with(**env: str) -> dict:
    """The database and cache settings a fresh process builds from this environment."""
    code = (
        "import json; from dashboard import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default'], 'caches': s.CACHES}, default=str))"
    )
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"} and not k.startswith("DATABASE_")
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_uses_a_bounded_pool_by_default():
    db = settings_with(DATABASE_URL=PG_URL, DATABASE_POOL_MAX_SIZE="5")["db"]
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 5, "timeout": 10.0, "max_idle": 60.0}
    assert db["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool


def test_without_the_pool_connections_are_persistent_but_bounded_in_age():
    db = settings_with(DATABASE_URL=PG_URL, DATABASE_POOL="0", DATABASE_CONN_MAX_AGE="30")["db"]
    assert "pool" not in db.get("OPTIONS", {}) and db["CONN_MAX_AGE"] == 30


def test_sqlite_has_no_pool():
    db = settings_with()["db"]
    assert db["ENGINE"].endswith("sqlite3") and "pool" not in db["OPTIONS"]


def test_cache_url_puts_the_cache_in_redis():
    caches = settings_with(CACHE_URL="redis://127.0.0.1:6379/7")["caches"]
    assert caches["default"] == {
        "BACKEND": "dashboard.redis_cache.RedisCache",  # Django's, one redis-py client per pool
        "LOCATION": "redis://127.0.0.1:6379/7",
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")
@pytest.mark.django_db
def test_on_postgresql_the_connection_comes_from_the_pool(settings):
    connection.ensure_connection()
    assert connection.pool is not None
    assert connection.pool.max_size == settings.DATABASE_POOL_MAX_SIZE
