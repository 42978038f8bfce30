"""Shared fixtures: users per role, the browser set-up, skips that say why, and the `database` marker.

The `database` marker is set here, not by hand: on every test that reaches the database (through the
`django_db` marker or a fixture that needs it, such as `db`, `transactional_db`, `live_server` or a
module-scoped `django_db_setup`) and on every test under tests/integration (PostgreSQL, Redis and a real
Celery worker). CI's second pass, on PostgreSQL and Redis, runs `-m database` only: a test outside it
touches neither the database nor the broker, so it would only repeat what the first pass proved.
"""

import os
import shutil

import pytest

pytest_plugins = [
    "tests.fixtures.simulator",
    "tests.fixtures.orders",
    "tests.fixtures.kpis",
    "tests.api.action_fixtures",
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM_PATH)
PASSWORD = "correct-horse-battery"


DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
    }
)


def uses_database(item: pytest.Item) -> bool:
    """True for a test that reaches the database or the broker (see the module docstring)."""
    if item.get_closest_marker("django_db") is not None or "tests/integration/" in item.nodeid:
        return True
    return not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if uses_database(item):
            item.add_marker(pytest.mark.database)
    # Playwright's sync API keeps an event loop running in the main thread once it starts, and asyncio.run()
    # refuses to run under it: browser tests go last (under xdist too: each worker keeps this order).
    items.sort(key=lambda item: "browser" in item.keywords)
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM_PATH}: apt-get install -y chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests assert on a webhook's refresh (or its task) right after its POST: run it inline, and publish its task
    # inline (orders/webhook_refresher.py is tested on its own, with "background").
    settings.WEBHOOK_EMBEDDED_REFRESH = "inline"
    settings.WEBHOOK_ENQUEUE = "inline"
    # Tests assert on the navigation's counts right after changing what they count, some by a plain UPDATE no
    # signal sees: compute them on every page (tests/fulfilment/test_nav_counts.py tests the keeping).
    settings.NAV_COUNTS_SECONDS = 0


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "inline" if settings.CELERY_TASK_ALWAYS_EAGER else settings.CELERY_BROKER_URL
    chromium = CHROMIUM_PATH if HAVE_CHROMIUM else "none (browser tests will be skipped)"
    return [f"juspay-ops: database={db} broker={broker} chromium={chromium}"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def make_user(db):
    """make_user("Finance") -> a user holding that role (or none when role is None)."""
    from django.contrib.auth import get_user_model

    from dashboard.roles import ensure_roles, set_role

    ensure_roles(strict=True)
    counter = {"n": 0}

    def _make(role: str | None, username: str | None = None, **extra):
        counter["n"] += 1
        name = username or f"{(role or 'nobody').lower()}{counter['n']}"
        user = get_user_model().objects.create_user(
            username=name, password=PASSWORD, email=f"{name}@example.com", **extra
        )
        if role:
            set_role(user, role)
        return user

    return _make


@pytest.fixture
def client_as(client, make_user):
    """client_as("Manager") -> the test client signed in as a new user of that role."""

    def _as(role: str | None):
        client.force_login(make_user(role))
        return client

    return _as


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _session_minute_frozen(monkeypatch):
    """The idle-session stamp (dashboard/session_idle.py) changes once a minute and then writes the session: frozen
    in tests, so a test that counts queries never sees that write by chance at a minute boundary."""
    monkeypatch.setattr("dashboard.session_idle.current_stamp", lambda: 29_000_000)


@pytest.fixture(autouse=True)
def _audit_checkpoints_per_test(settings, tmp_path):
    """Each test's database starts empty, so each gets its own audit checkpoint file (dashboard/audit_checkpoints)."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The login throttle and the failed-login audit count in the Django cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_role_requires_two_factor(settings):
    """The tests sign in with the password alone, whatever DJANGO_DEBUG says; tests of two-factor sign-in
    switch MFA_REQUIRED_ROLES on themselves."""
    settings.MFA_REQUIRED_ROLES = []
