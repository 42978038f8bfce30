"""Tampering shows at the tail too: signed checkpoints outside the database anchor the audit log's head.

Without checkpoints, deleting the newest rows (or emptying the table) leaves a shorter chain that verifies as
intact; each test here cuts the tail after a checkpoint was taken and expects `verify_audit` to fail.
"""

import json
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dashboard import audit, audit_checkpoints
from dashboard.models import AuditEvent
from dashboard.tasks import write_audit_checkpoint

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-only tampering")


@pytest.fixture
def five_events(db):
    return [audit.record("test.event", actor_username="tester", summary=f"event {i}") for i in range(1, 6)]


def verify(capsys) -> str:
    call_command("verify_audit")
    return capsys.readouterr().out


def checkpoint_lines(settings) -> list[dict]:
    return [json.loads(line) for line in settings.AUDIT_CHECKPOINT_PATH.read_text().splitlines()]


@contextmanager
def replica_session():
    """PostgreSQL: a session that fires no triggers (a superuser's way round the append-only trigger)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def raw_delete(statement: str) -> None:
    """A DELETE as a rogue DBA runs it: plain on SQLite, in a trigger-less replica session on PostgreSQL."""
    if connection.vendor == "postgresql":
        with replica_session() as cursor:
            cursor.execute(statement)
    else:
        with connection.cursor() as cursor:
            cursor.execute(statement)


def test_a_verification_writes_a_signed_checkpoint_of_the_head(five_events, settings, capsys):
    out = verify(capsys)
    assert "5 event(s) checked" in out and "no checkpoint yet" in out
    [line] = checkpoint_lines(settings)
    assert line["sequence"] == 5 and line["hash"] == five_events[-1].hash and line["hmac"]
    assert "head matches the checkpoint" in verify(capsys)
    assert len(checkpoint_lines(settings)) == 2


def test_the_scheduled_task_appends_a_checkpoint_and_beat_runs_it(five_events, settings):
    assert write_audit_checkpoint() == 5
    assert write_audit_checkpoint.name in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert [line["sequence"] for line in checkpoint_lines(settings)] == [5]


def test_a_log_that_grew_after_the_checkpoint_still_verifies(five_events, capsys):
    audit_checkpoints.write_checkpoint()
    audit.record("test.event", actor_username="tester", summary="event 6")
    assert "6 event(s) checked" in verify(capsys)


def test_deleting_the_newest_rows_fails_against_the_checkpoint(five_events):
    audit_checkpoints.write_checkpoint()
    raw_delete("DELETE FROM dashboard_auditevent WHERE sequence >= 4")
    assert AuditEvent.objects.count() == 3
    with pytest.raises(CommandError, match=r"holds 3 event\(s\) but the checkpoint .* counted 5: the newest rows"):
        call_command("verify_audit")


def test_an_emptied_log_no_longer_verifies_as_intact(five_events):
    audit_checkpoints.write_checkpoint()
    raw_delete("DELETE FROM dashboard_auditevent")
    with pytest.raises(CommandError, match=r"holds 0 event\(s\) but the checkpoint .* counted 5"):
        call_command("verify_audit")


@on_postgresql
def test_postgresql_replica_session_delete_of_the_tail_is_caught(five_events):
    audit_checkpoints.write_checkpoint()
    with replica_session() as cursor:
        cursor.execute("DELETE FROM dashboard_auditevent WHERE sequence = 5")
    with pytest.raises(CommandError, match=r"holds 4 event\(s\) but the checkpoint .* counted 5"):
        call_command("verify_audit")


@on_postgresql
def test_postgresql_truncate_is_caught(five_events):
    audit_checkpoints.write_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dashboard_auditevent")
    with pytest.raises(CommandError, match=r"holds 0 event\(s\) but the checkpoint .* counted 5"):
        call_command("verify_audit")


def test_a_different_chain_of_the_same_length_is_caught(five_events, settings):
    """Rebuilding the log with the key (an insider who has it) gives a valid chain, but not the one the
    checkpoint saw."""
    audit_checkpoints.write_checkpoint()
    raw_delete("DELETE FROM dashboard_auditevent")
    for i in range(1, 6):
        audit.record("test.event", actor_username="tester", summary=f"rewritten {i}")
    with pytest.raises(CommandError, match=r"event 5 does not carry the hash .*a different chain"):
        call_command("verify_audit")


def test_a_forged_checkpoint_line_is_refused(five_events, settings):
    audit_checkpoints.write_checkpoint()
    with settings.AUDIT_CHECKPOINT_PATH.open("a") as handle:
        handle.write(
            json.dumps(
                {"sequence": 2, "hash": five_events[1].hash, "at": "2030-01-01T00:00:00+00:00", "hmac": "0" * 64}
            )
            + "\n"
        )
    with pytest.raises(CommandError, match=r"line 2 of .* is not signed with AUDIT_HMAC_KEY"):
        call_command("verify_audit")


def test_a_checkpoint_file_cut_back_to_a_smaller_head_is_refused(five_events, settings):
    """Lines must never name fewer events than a line before them."""
    audit_checkpoints.write_checkpoint()
    stale = audit_checkpoints.Checkpoint(3, five_events[2].hash, "2030-01-01T00:00:00+00:00")
    with settings.AUDIT_CHECKPOINT_PATH.open("a") as handle:
        handle.write(stale.line())
    with pytest.raises(CommandError, match=r"names 3 event\(s\), fewer than the 5"):
        call_command("verify_audit")


def test_a_failed_verification_writes_no_checkpoint(five_events, settings):
    audit_checkpoints.write_checkpoint()
    raw_delete("DELETE FROM dashboard_auditevent WHERE sequence = 5")
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert len(checkpoint_lines(settings)) == 1


def test_an_unreadable_checkpoint_file_fails_the_verification_with_a_reason(five_events, settings):
    settings.AUDIT_CHECKPOINT_PATH.mkdir()  # a directory where the file should be
    with pytest.raises(CommandError, match=r"does not match its checkpoint: checkpoint file: .*Is a directory"):
        call_command("verify_audit")
