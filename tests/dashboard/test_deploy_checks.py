"""Production mode refuses weak secrets (Error) and warns when the database role could cut the audit log."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from dashboard import checks

STRONG = secrets.token_urlsafe(48)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings):
    settings.PRODUCTION_MODE = True
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.AUDIT_HMAC_KEY = secrets.token_urlsafe(40)
    settings.JUSPAY_WEBHOOK_PASSWORD = ""
    return settings


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def test_strong_secrets_pass(production):
    assert checks.strong_secrets(None) == []


@pytest.mark.parametrize(
    ("name", "value", "code", "reason"),
    [
        ("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-3c9f1e2a7b", "dashboard.E001", "development"),
        ("SECRET_KEY", "short-but-random-9f8e7d", "dashboard.E001", "characters long"),
        ("SECRET_KEY", "django-insecure-" + "x" * 50, "dashboard.E001", "placeholder"),
        ("SECRET_KEY", "ab" * 40, "dashboard.E001", "different characters"),
        ("AUDIT_HMAC_KEY", "check-audit-key", "dashboard.E002", "development"),
        ("AUDIT_HMAC_KEY", "dev-only-audit-hmac-key", "dashboard.E002", "development"),
        ("AUDIT_HMAC_KEY", "k3y-0f-20-characters", "dashboard.E002", "characters long"),
        ("JUSPAY_WEBHOOK_PASSWORD", "dev-only-webhook-password", "dashboard.E003", "development"),
        ("JUSPAY_WEBHOOK_PASSWORD", "hunter2", "dashboard.E003", "characters long"),
    ],
)
def test_a_weak_secret_is_an_error_in_production_mode(production, name, value, code, reason):
    setattr(production, name, value)
    [error] = checks.strong_secrets(None)
    assert error.id == code and error.is_serious() and name in error.msg and reason in error.msg


def test_development_mode_keeps_its_dev_values(settings):
    settings.PRODUCTION_MODE = False
    settings.AUDIT_HMAC_KEY = "dev-only-audit-hmac-key"
    assert checks.strong_secrets(None) == []


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    base.update(DJANGO_DEBUG="0", ALLOWED_HOSTS="ops.example.com", DATABASE_URL="sqlite:////tmp/juspay-ops-check.db")
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_mode_refuses_to_start_with_a_weak_audit_key():
    """`check` (and so runserver and migrate) exits non-zero; the WSGI application refuses to load."""
    weak = {"SECRET_KEY": secrets.token_urlsafe(50), "AUDIT_HMAC_KEY": "check-audit-key"}
    result = run_manage("check", **weak)
    assert result.returncode != 0 and "dashboard.E002" in result.stderr
    wsgi = subprocess.run(
        [sys.executable, "-c", "import dashboard.wsgi"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "0", "ALLOWED_HOSTS": "x", **weak},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wsgi.returncode != 0 and "AUDIT_HMAC_KEY is weak" in wsgi.stderr


def test_deploy_check_on_sqlite_with_strong_secrets_reports_nothing():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=STRONG, AUDIT_HMAC_KEY=secrets.token_urlsafe(40)
    )
    assert result.returncode == 0, result.stderr


def test_the_audit_role_check_stays_quiet_outside_postgresql_and_production(settings, db):
    settings.PRODUCTION_MODE = connection.vendor == "sqlite"  # SQLite in production mode: nothing to check
    assert checks.audit_table_role(None) == []


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")


@on_postgresql
def test_the_superuser_role_is_warned_about(production, db):
    [warning] = checks.audit_table_role(None)
    assert warning.id == "dashboard.W010"
    assert "TRUNCATE, DELETE, TRIGGER" in warning.msg and "superuser" in warning.msg


@pytest.fixture
def restricted_role(db):
    """A role holding only what the application needs on the audit table (SELECT, INSERT), as the README says."""
    role = f"{connection.settings_dict['NAME']}_app"[:63]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE \"{role}\"; "
            f"END IF; END $$"
        )
        cursor.execute(f'GRANT SELECT, INSERT ON dashboard_auditevent TO "{role}"')
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f'REVOKE ALL ON dashboard_auditevent FROM "{role}"')
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@on_postgresql
def test_a_role_with_only_select_and_insert_passes(production, restricted_role):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{restricted_role}"')
    assert checks.audit_table_role(None) == []
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f'GRANT DELETE, TRUNCATE ON dashboard_auditevent TO "{restricted_role}"')
        cursor.execute(f'SET ROLE "{restricted_role}"')
    [warning] = checks.audit_table_role(None)
    assert "TRUNCATE, DELETE on dashboard_auditevent" in warning.msg and "superuser" not in warning.msg
