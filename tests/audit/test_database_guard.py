"""On PostgreSQL the database itself keeps the audit tables append-only: the one change it allows is sealing an
unsealed event (seq, prev_hash, hash from empty to set) with every other column unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import audit
from app.audit.models import AuditEvent
from app.db import db
from tests.fixtures.audit import seal

pytestmark = pytest.mark.postgres_only

H = "a" * 64


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    if not is_postgres:
        pytest.skip("the triggers exist on PostgreSQL only")


def _refused(statement: str, **params) -> None:
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement), params)


def _unsealed() -> AuditEvent:
    return audit.record(actor="test", action="thing", subject_type="case", subject_id=1, payload={"n": 1})


def _sealed() -> AuditEvent:
    event = _unsealed()
    seal()
    db.session.refresh(event)
    return event


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                                       "TRUNCATE audit_event", "UPDATE audit_event SET payload = '{}'::jsonb"])
def test_postgres_refuses_to_change_or_remove_sealed_events(world, statement):
    _sealed()
    _refused(statement)
    assert db.session.query(AuditEvent).count() >= 1


def test_postgres_refuses_to_seal_an_event_twice(world):
    event = _sealed()
    _refused("UPDATE audit_event SET seq = seq + 1000, prev_hash = :h, hash = :h WHERE id = :id", h=H, id=event.id)


def test_postgres_refuses_to_change_or_delete_an_unsealed_event(world):
    event = _unsealed()
    _refused("UPDATE audit_event SET actor = 'mallory' WHERE id = :id", id=event.id)
    _refused("DELETE FROM audit_event WHERE id = :id", id=event.id)


def test_postgres_refuses_a_seal_that_also_changes_the_content_or_leaves_a_field_empty(world):
    event = _unsealed()
    _refused("UPDATE audit_event SET seq = 999999, prev_hash = :h, hash = :h, actor = 'mallory' WHERE id = :id",
             h=H, id=event.id)
    _refused("UPDATE audit_event SET seq = 999999, prev_hash = :h WHERE id = :id", h=H, id=event.id)


def test_postgres_refuses_to_insert_an_event_that_claims_to_be_sealed(world):
    _refused("INSERT INTO audit_event (seq, occurred_at, actor, action, subject_type, subject_id, payload, "
             "prev_hash, hash) VALUES (999999, now(), 'x', 'y', 'case', '1', '{}', :h, :h)", h=H)


def test_postgres_allows_exactly_the_seal(world):
    event = _unsealed()
    seal()
    db.session.refresh(event)
    assert event.seq is not None and audit.verify_chain().ok


@pytest.mark.parametrize("statement", ["UPDATE audit_checkpoint SET merkle_root = :h", "DELETE FROM audit_checkpoint",
                                       "TRUNCATE audit_checkpoint"])
def test_postgres_refuses_to_change_or_remove_checkpoints(world, statement):
    _sealed()
    _refused(statement, h=H)


def test_a_writer_takes_no_lock_for_the_audit_trail(world):
    _unsealed()
    audit.record_many([{"actor": "t", "action": "a", "subject_type": "case", "subject_id": 2, "payload": {}}])
    held = db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                  "AND pid = pg_backend_pid()"))
    assert held == 0
    seal()  # the sequencer does take its own lock, until this transaction ends
    assert db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                  "AND pid = pg_backend_pid()")) == 1
