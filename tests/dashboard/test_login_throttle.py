"""Login throttling by username + address with a per-address ceiling, the client address behind the TLS proxy,
and failed sign-ins audited once per window instead of once per attempt."""

import os
import time

import pytest
from django.test import RequestFactory

from dashboard import login_failures
from dashboard.models import AuditEvent
from dashboard.request_context import client_ip
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str, ip: str, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_a_locked_pair_does_not_lock_the_same_user_out_from_another_address(client, make_user, settings):
    make_user("Support", username="sam")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert sign_in(client, "sam", "wrong", "203.0.113.7").status_code in (200, 429)
    locked = sign_in(client, "sam", PASSWORD, "203.0.113.7")
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    assert not signed_in(client)
    assert sign_in(client, "sam", PASSWORD, "198.51.100.20").status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_one_address_trying_many_usernames_hits_the_address_ceiling(client, make_user, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    make_user("Support", username="sam")
    for n in range(6):  # one try per username: no pair reaches its own limit
        sign_in(client, f"guess{n}", "wrong", "203.0.113.9")
    assert sign_in(client, "sam", PASSWORD, "203.0.113.9").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, "sam", PASSWORD, "198.51.100.21").status_code == 302


@pytest.mark.django_db
def test_the_address_ceiling_lasts_one_fixed_window_only(client, make_user, settings, monkeypatch):
    """People sharing the attacker's address (one office NAT) are kept out for the window, not longer: further
    failures do not extend it."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_WINDOW_MINUTES = 5
    make_user("Support", username="sam")
    for n in range(6):
        sign_in(client, f"guess{n}", "wrong", "203.0.113.10")
    assert sign_in(client, "sam", PASSWORD, "203.0.113.10").status_code == 429
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's clock: the window has ended
    assert sign_in(client, "sam", PASSWORD, "203.0.113.10").status_code == 302


@pytest.mark.django_db
def test_behind_the_proxy_each_client_address_is_counted_on_its_own(client, make_user, settings):
    """All requests come from the proxy (REMOTE_ADDR); the attacker's failures lock out only the attacker's
    own address, taken from the entry our proxy appended to X-Forwarded-For."""
    settings.BEHIND_TLS_PROXY = True
    make_user("Support", username="sam")
    proxy = "10.0.0.254"
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 2):
        sign_in(client, "sam", "wrong", proxy, HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert sign_in(client, "sam", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 429
    # A forged left-hand entry does not move the attacker to another address.
    assert sign_in(client, "sam", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.50").status_code == 429
    assert sign_in(client, "sam", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.77").status_code == 302


@pytest.mark.parametrize(
    ("behind_proxy", "count", "forwarded", "expected"),
    [
        (False, 1, "192.0.2.1", "10.0.0.254"),  # the header is ignored unless the proxy is trusted
        (True, 1, "192.0.2.1", "192.0.2.1"),
        (True, 1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # the client wrote the left entry
        (True, 2, "6.6.6.6, 192.0.2.1, 10.0.0.3", "192.0.2.1"),  # two proxies of ours
        (True, 1, "", "10.0.0.254"),
        (True, 1, "not-an-address", "10.0.0.254"),
        (True, 3, "192.0.2.1", "10.0.0.254"),  # fewer entries than trusted proxies: the header is not ours
    ],
)
def test_client_ip_takes_the_rightmost_trusted_entry(settings, behind_proxy, count, forwarded, expected):
    settings.BEHIND_TLS_PROXY = behind_proxy
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_a_flood_of_failed_logins_writes_a_bounded_number_of_audit_events(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 1000
    for _ in range(40):
        sign_in(client, "ghost", "wrong", "203.0.113.11")
    events = list(AuditEvent.objects.order_by("sequence").values_list("verb", "actor_username", "ip"))
    assert events == [
        ("auth.login_failed", "ghost", "203.0.113.11"),
        ("auth.login_locked_out", "ghost", "203.0.113.11"),
    ]
    assert login_failures.failures_in_window("ghost", "203.0.113.11") == 40


@pytest.mark.django_db
def test_the_next_window_logs_the_previous_windows_count(settings):
    start = 1_800_000_000.0 - 1_800_000_000.0 % 3600  # the start of a window of 60 minutes
    settings.LOGIN_FAILURE_AUDIT_WINDOW_MINUTES = 60
    for n in range(12):
        login_failures.record_failure("sam", "203.0.113.12", now=start + n)
    login_failures.record_failure("sam", "203.0.113.12", now=start + 3600 + 5)
    first, locked, opened = AuditEvent.objects.order_by("sequence")
    assert (first.verb, locked.verb, opened.verb) == ("auth.login_failed", "auth.login_locked_out", "auth.login_failed")
    assert opened.after["previous_window_failures"] == 12
    assert "12 failure(s) in the previous 60 minutes" in opened.summary
    # Another username or address is its own pair.
    login_failures.record_failure("sam", "203.0.113.13", now=start + 3600 + 6)
    assert AuditEvent.objects.count() == 4


@pytest.fixture
def redis_cache(settings):
    """The Django cache in Redis, as several hosts would share it (keys under a prefix of their own)."""
    import uuid

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.redis_cache.RedisCache",  # what CACHE_URL selects
            "LOCATION": url,
            "KEY_PREFIX": f"juspay-ops-test-{uuid.uuid4().hex}",
            "TIMEOUT": 600,
        }
    }


@pytest.mark.django_db
def test_the_throttle_counts_in_redis_too(client, make_user, settings, redis_cache):
    from django.core.cache import caches

    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    make_user("Support", username="sam")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "sam", "wrong", "203.0.113.20")
    assert sign_in(client, "sam", PASSWORD, "203.0.113.20").status_code == 429
    for n in range(8):
        sign_in(client, f"guess{n}", "wrong", "203.0.113.21")
    assert sign_in(client, "sam", PASSWORD, "203.0.113.21").status_code == 429
    assert sign_in(client, "sam", PASSWORD, "198.51.100.22").status_code == 302
    assert type(caches["default"]).__name__ == "RedisCache"
    assert login_failures.failures_in_window("sam", "203.0.113.20") == settings.LOGIN_FAILURE_LIMIT + 1


@pytest.mark.django_db
def test_an_address_past_the_ceiling_adds_one_event_not_one_per_username(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5
    for n in range(60):
        sign_in(client, f"random{n}", "wrong", "203.0.113.30")
    verbs = list(AuditEvent.objects.filter(ip="203.0.113.30").values_list("verb", flat=True))
    assert verbs.count("auth.login_failed") == 5  # one per username until the address was refused
    assert verbs.count("auth.login_address_throttled") == 1
    assert len(verbs) == 6
