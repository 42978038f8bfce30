"""The web tier keeps no local state: two gunicorn hosts with no shared disk, one PostgreSQL.

A Support agent signs in on host A and asks for an export too large to stream; the file is written to the
exports storage (`EXPORT_STORAGE=database`); the same browser session then downloads it from host B, whose
DATA_DIR is another empty directory. Both hosts are real `gunicorn` processes started the way `make serve`
starts them. PostgreSQL only: on SQLite each host would have its own database file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.conftest import PASSWORD
from tests.orders.lookup import days_ago

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="two web hosts share one database: set DATABASE_URL=postgres://… (CI's second pass does)",
    ),
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_host(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}},
        "DATABASE_URL": _database_url(),
        "DATA_DIR": str(data_dir),
        "EXPORT_STORAGE": "database",
        "ORDERS_EXPORT_INLINE_MAX": "2",  # three orders make a background export (tasks run inline here)
    }
    command = [sys.executable, "-m", "gunicorn", "dashboard.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("gunicorn did not answer within 30 s")


@pytest.fixture
def two_hosts(tmp_path: Path) -> Iterator[tuple[str, str]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, url_a = _start_host(tmp_path / "a")
    try:
        b, url_b = _start_host(tmp_path / "b")
    except BaseException:
        a.kill()
        raise
    yield url_a, url_b
    for process in (a, b):
        process.terminate()
        process.wait(timeout=10)


def _sign_in(client: httpx.Client, url: str, username: str) -> None:
    page = client.get(f"{url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "the login form carries a CSRF token"
    answer = client.post(
        f"{url}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{url}/accounts/login/"},
    )
    assert answer.status_code == 302, answer.text[:500]


def test_an_export_started_on_one_host_downloads_from_the_other(two_hosts, make_user, cached_order, tmp_path):
    url_a, url_b = two_hosts
    for n in range(3):
        cached_order("order_status_charged.json", order_id=f"HOSTS{n}", date_created=days_ago(1))
    agent = make_user("Support", username="agent")
    # The hosts check passwords with the product's hashers, not the tests' fast MD5 one.
    agent.password = PBKDF2PasswordHasher().encode(PASSWORD, "two-hosts-salt", iterations=1000)
    agent.save(update_fields=["password"])

    with httpx.Client(timeout=30) as browser:
        _sign_in(browser, url_a, "agent")
        started = browser.get(f"{url_a}/orders/export.csv")
        assert started.status_code == 302 and "/orders/exports/" in started.headers["location"]
        status_path = started.headers["location"]
        assert "ready, 3 rows" in browser.get(f"{url_a}{status_path}").text

        # Host B: another process, another empty DATA_DIR; the same session cookie.
        assert "ready, 3 rows" in browser.get(f"{url_b}{status_path}").text
        download = browser.get(f"{url_b}{status_path}download/")
        assert download.status_code == 200, download.text[:500]
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert sorted(row["order_id"] for row in rows) == ["HOSTS0", "HOSTS1", "HOSTS2"]

    kept = [path for host in ("a", "b") for path in (tmp_path / host).rglob("*.csv")]
    assert kept == [], "no host kept the file on its disk"
