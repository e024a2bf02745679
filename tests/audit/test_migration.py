"""Upgrading a database whose chain was written before sealing: the events keep their seq and hash, the chain
gets checkpoints, and it verifies, before and after new events are sealed on top of it."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from app import audit, create_app, migrate
from app.audit import checkpoint, merkle
from app.audit.sequencer import seal_pending
from app.audit.service import GENESIS, compute_hash
from app.clock import FrozenClock
from app.db import db
from tests.conftest import TEST_NOW, throwaway_database

pytestmark = pytest.mark.no_transaction

OLD_EVENTS = 7


def _write_old_chain(url: str) -> list[str]:
    """Events as the chain wrote them before sealing: seq and hash set at insert."""
    engine, prev, hashes = create_engine(url), GENESIS, []
    with engine.begin() as conn:
        for seq in range(1, OLD_EVENTS + 1):
            event = SimpleNamespace(seq=seq, occurred_at=TEST_NOW + timedelta(minutes=seq), actor="cli",
                                    action="user.created", subject_type="user", subject_id=str(seq),
                                    payload={"n": seq, "名": "中文"}, prev_hash=prev)
            prev = compute_hash(event)
            hashes.append(prev)
            stamp = event.occurred_at if conn.dialect.name == "postgresql" \
                else event.occurred_at.replace(tzinfo=None).isoformat(sep=" ")
            conn.execute(text("INSERT INTO audit_event (seq, occurred_at, actor, action, subject_type, subject_id, "
                              "payload, prev_hash, hash) VALUES (:seq, :at, :actor, :action, :st, :sid, :payload, "
                              ":prev, :hash)"),
                         {"seq": seq, "at": stamp, "actor": event.actor, "action": event.action, "st": "user",
                          "sid": event.subject_id, "payload": f'{{"n": {seq}, "名": "中文"}}',
                          "prev": event.prev_hash, "hash": prev})
    engine.dispose()
    return hashes


def test_an_existing_chain_is_checkpointed_and_keeps_verifying(tmp_path):
    with throwaway_database(tmp_path) as url:
        migrate.upgrade(url, "0011_impact_preview")
        hashes = _write_old_chain(url)
        migrate.upgrade(url)
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        app.extensions["clock"] = FrozenClock(TEST_NOW)
        try:
            with app.app_context():
                first = checkpoint.latest()
                assert (first.batch, first.first_seq, first.last_seq, first.tree_size) == (1, 1, OLD_EVENTS, OLD_EVENTS)
                assert first.merkle_root == merkle.batch_root(hashes) and first.head_hash == hashes[-1]
                report = audit.verify_chain()
                assert report.ok and report.checked == OLD_EVENTS and report.checkpoints == 1
                event = audit.record(actor="test", action="thing", subject_type="case", subject_id=1)
                seal_pending()
                db.session.commit()
                assert (event.seq, event.prev_hash) == (OLD_EVENTS + 1, hashes[-1])
                report = audit.verify_chain()
                assert report.ok and report.checked == OLD_EVENTS + 1 and report.checkpoints == 2
        finally:
            app.extensions["db_engine"].dispose()
