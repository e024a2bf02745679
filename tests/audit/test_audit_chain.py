"""The hash-chained audit trail and `haochaping audit verify`."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import audit
from app.audit.models import AuditEvent
from app.cli import audit_verify
from app.db import db


def _three_events():
    return [audit.record(actor="test", action=f"thing.{i}", subject_type="case", subject_id=i,
                         payload={"n": i, "text": "中文"}) for i in range(3)]


def test_events_are_chained_by_hash(world):
    events = _three_events()
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 3))
    assert audit.verify_chain().ok


def test_every_state_change_in_the_fixture_world_left_an_event(world):
    actions = db.session.scalars(text("SELECT action FROM audit_event")).all()
    assert actions.count("user.created") == 11
    assert actions.count("token.issued") == 11


def test_a_changed_payload_is_reported_as_the_first_broken_link(world, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL refuses the change itself (tested below)")
    events = _three_events()
    db.session.execute(text("UPDATE audit_event SET payload = :p WHERE seq = :s"),
                       {"p": '{"n": 99, "text": "中文"}', "s": events[1].seq})
    db.session.expire_all()
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_at == events[1].seq


def test_a_deleted_event_is_reported(world, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL refuses the deletion itself (tested below)")
    events = _three_events()
    db.session.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": events[1].seq})
    db.session.expire_all()
    assert audit.verify_chain().broken_at == events[2].seq


def test_the_cli_exits_non_zero_on_a_broken_chain(app, world, is_postgres):
    runner = app.test_cli_runner()
    ok = runner.invoke(audit_verify)
    assert ok.exit_code == 0, ok.output
    assert "审计链完整" in ok.output
    if is_postgres:
        return
    events = _three_events()
    db.session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = :s"), {"s": events[0].seq})
    db.session.expire_all()
    broken = runner.invoke(audit_verify)
    assert broken.exit_code == 1
    assert str(events[0].seq) in broken.output


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                                       "TRUNCATE audit_event"])
def test_postgres_refuses_to_change_audit_events(world, is_postgres, statement):
    if not is_postgres:
        pytest.skip("the trigger exists on PostgreSQL only")
    _three_events()
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert db.session.query(AuditEvent).count() >= 3


def test_many_events_appended_at_once_continue_the_chain(world):
    first = audit.record(actor="test", action="thing.before", subject_type="case", subject_id=0)
    audit.record_many([{"actor": "intake", "action": "evaluation.received", "subject_type": "evaluation",
                        "subject_id": i, "payload": {"n": i, "text": "中文"}} for i in range(5)])
    audit.record_many([])
    rows = db.session.scalars(
        text("SELECT subject_id FROM audit_event WHERE seq > :s ORDER BY seq"), {"s": first.seq}).all()
    assert rows == ["0", "1", "2", "3", "4"]
    assert audit.verify_chain().ok
