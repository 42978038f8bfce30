"""Django's Redis cache, keeping one redis-py client per connection pool instead of building one per operation.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache call; redis-py's constructor
fills a case-insensitive table of about 170 response callbacks each time, which profiled at about a tenth of an
order page's CPU (three cache calls a page: the session, the navigation's counts). A client is only a handle on
its pool (thread-safe, and the pool reconnects after a fork), so one per pool serves every call the same way.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class ReusingClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # django-stubs lack the private API
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingClient
