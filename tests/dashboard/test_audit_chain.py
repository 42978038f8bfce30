"""The audit log's chain: intact logs verify, and any modified, deleted or reordered row is named."""

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dashboard import audit
from dashboard.models import AuditEvent


@contextmanager
def tampering():
    """Raw SQL as a rogue DBA would run it; on PostgreSQL the append-only trigger is switched off first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE dashboard_auditevent DISABLE TRIGGER USER")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE dashboard_auditevent ENABLE TRIGGER USER")


@pytest.fixture
def five_events(db, make_user):
    user = make_user("Finance")
    return [
        audit.record(
            "test.event",
            actor=user,
            object_type="thing",
            object_id=i,
            before={"n": i},
            after={"n": i + 1, "note": "café"},
            summary=f"event {i}",
        )
        for i in range(1, 6)
    ]


def verify(capsys) -> str:
    call_command("verify_audit")
    return capsys.readouterr().out


def test_intact_log_verifies_and_prints_the_count(five_events, capsys):
    assert "5 event(s) checked" in verify(capsys)


def test_events_chain_each_to_the_previous(five_events):
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == audit.GENESIS_HASH
    for prev, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == prev.hash
    assert events[2].actor_username.startswith("finance") and events[2].role == "Finance"


def test_a_modified_row_is_named(five_events):
    with tampering() as cursor:
        cursor.execute("UPDATE dashboard_auditevent SET summary = 'nothing happened' WHERE sequence = 3")
    with pytest.raises(CommandError, match=r"broken at sequence 3: content does not match"):
        call_command("verify_audit")


def test_a_rehashed_row_still_fails_without_the_hmac_key(five_events):
    event = AuditEvent.objects.get(sequence=5)
    fields = {name: getattr(event, name) for name in audit.HASHED_FIELDS}
    fields["summary"] = "rewritten"
    with tampering() as cursor:
        cursor.execute(
            "UPDATE dashboard_auditevent SET summary = %s, hash = %s WHERE sequence = 5",
            ["rewritten", audit.compute_hash(fields)],
        )
    with pytest.raises(CommandError, match=r"broken at sequence 5: HMAC does not match"):
        call_command("verify_audit")


def test_a_deleted_row_is_named(five_events):
    with tampering() as cursor:
        cursor.execute("DELETE FROM dashboard_auditevent WHERE sequence = 2")
    with pytest.raises(CommandError, match=r"broken at sequence 3: expected sequence 2"):
        call_command("verify_audit")


def test_swapped_rows_are_named(five_events):
    with tampering() as cursor:
        cursor.execute("UPDATE dashboard_auditevent SET sequence = -1 WHERE sequence = 2")
        cursor.execute("UPDATE dashboard_auditevent SET sequence = 2 WHERE sequence = 4")
        cursor.execute("UPDATE dashboard_auditevent SET sequence = 4 WHERE sequence = -1")
    with pytest.raises(CommandError, match=r"broken at sequence 2: prev_hash does not match"):
        call_command("verify_audit")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete_of_an_audit_row(five_events):
    for statement in (
        "UPDATE dashboard_auditevent SET summary = 'x' WHERE sequence = 1",
        "DELETE FROM dashboard_auditevent WHERE sequence = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get(sequence=1).summary == "event 1"


def test_record_stamps_the_request_context(db):
    from dashboard import request_context

    with request_context.bind(request_id="req-abc", ip="10.1.2.3"):
        event = audit.record("test.ctx", summary="with context")
    assert (event.request_id, event.ip, event.actor_username) == ("req-abc", "10.1.2.3", "")
