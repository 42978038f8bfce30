"""The Redis cache backend (dashboard/redis_cache.py) behaves as Django's and keeps one client per pool."""

import os
import threading
import uuid

import pytest
import redis

from dashboard.redis_cache import RedisCache

URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def cache() -> RedisCache:
    try:
        redis.Redis.from_url(URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {URL}")
    return RedisCache(URL, {"KEY_PREFIX": f"juspay-ops-test-{uuid.uuid4().hex}", "TIMEOUT": 60})


def test_it_stores_reads_counts_and_deletes_as_djangos(cache):
    assert cache.get("k") is None
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    assert cache.add("k", "other") is False and cache.get("k") == {"a": 1}
    cache.set("n", 1)
    assert cache.incr("n") == 2
    cache.set_many({"x": 1, "y": 2})
    assert cache.get_many(["x", "y", "z"]) == {"x": 1, "y": 2}
    cache.delete("k")
    assert cache.get("k") is None


def test_one_client_serves_every_call(cache):
    backend = cache._cache
    assert backend.get_client() is backend.get_client(write=True)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(cache.get("k", "missing"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == ["missing"] * 8
