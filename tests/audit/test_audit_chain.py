"""The hash-chained audit trail: queued events, sealing by the sequencer, checkpoints, and what verification
reports for an edit, a deletion in the middle and a deletion of the newest events, on both databases."""
from __future__ import annotations

import json

from sqlalchemy import select, text

from app import audit
from app.audit import checkpoint, merkle
from app.audit.models import AuditEvent
from app.audit.sequencer import seal_pending
from app.db import db
from tests.fixtures.audit import bypass_guards, seal, sealed_chain


def _events(n: int = 3, tag: str = "thing") -> list[AuditEvent]:
    return [audit.record(actor="test", action=f"{tag}.{i}", subject_type="case", subject_id=i,
                         payload={"n": i, "text": "中文"}) for i in range(n)]


def _sealed_events(n: int = 3) -> list[AuditEvent]:
    seal()  # what the world fixture wrote
    events = _events(n)
    seal()
    for event in events:
        db.session.refresh(event)  # loaded now, before a test deletes rows behind the session's back
    return events


def test_events_are_queued_unsealed_and_sealed_in_insertion_order(world):
    seal()
    before = checkpoint.latest()
    events = _events()
    assert [(e.seq, e.prev_hash, e.hash) for e in events] == [(None, None, None)] * 3
    made = seal_pending()
    assert [e.seq for e in events] == [before.last_seq + 1, before.last_seq + 2, before.last_seq + 3]
    assert events[0].prev_hash == before.head_hash
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert (made.batch, made.first_seq, made.last_seq, made.tree_size) == \
        (before.batch + 1, events[0].seq, events[2].seq, 3)
    assert made.merkle_root == merkle.batch_root([e.hash for e in events])
    assert made.head_hash == events[2].hash and made.prev_checkpoint_hash == before.hash
    assert seal_pending() is None  # nothing left to seal
    assert sealed_chain().ok


def test_the_hash_formula_is_unchanged_so_the_chain_written_before_sealing_still_verifies(world):
    event = _sealed_events(1)[0]
    body = {"seq": event.seq, "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
            "actor": "test", "action": "thing.0", "subject_type": "case", "subject_id": "0",
            "payload": {"n": 0, "text": "中文"}, "prev_hash": event.prev_hash}
    import hashlib
    expected = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                         separators=(",", ":")).encode()).hexdigest()
    assert event.hash == expected


def test_many_events_appended_at_once_are_sealed_in_list_order(world):
    seal()
    audit.record_many([{"actor": "intake", "action": "evaluation.received", "subject_type": "evaluation",
                        "subject_id": i, "payload": {"n": i, "text": "中文"}} for i in range(5)])
    audit.record_many([])
    seal()
    rows = db.session.scalars(select(AuditEvent.subject_id).where(AuditEvent.actor == "intake")
                              .order_by(AuditEvent.seq)).all()
    assert rows == ["0", "1", "2", "3", "4"]
    assert sealed_chain().ok


def test_a_queue_longer_than_a_batch_is_sealed_as_several_chained_checkpoints(world):
    seal()
    before = checkpoint.latest()
    _events(5)
    first, second, third = seal_pending(batch=2), seal_pending(batch=2), seal_pending(batch=2)
    assert [(c.first_seq - before.last_seq, c.tree_size) for c in (first, second, third)] == [(1, 2), (3, 2), (5, 1)]
    assert second.prev_checkpoint_hash == first.hash and third.prev_checkpoint_hash == second.hash
    assert audit.verify_chain().checkpoints == third.batch


def test_unsealed_events_are_counted_and_do_not_break_the_chain(world):
    _sealed_events()
    _events(2, "later")
    report = audit.verify_chain()
    assert report.ok and report.unsealed == 2


def test_every_state_change_in_the_fixture_world_left_an_event(world):
    actions = db.session.scalars(text("SELECT action FROM audit_event")).all()
    assert actions.count("user.created") == 11
    assert actions.count("token.issued") == 11


def test_an_edited_event_is_reported_as_the_first_broken_link(world, is_postgres):
    events = _sealed_events()
    bypass_guards(is_postgres)
    db.session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = :s"), {"s": events[1].seq})
    report = audit.verify_chain()
    assert (report.broken_at, report.reason) == (events[1].seq, "记录内容与其哈希不符（已被改动）")


def test_a_deleted_event_in_the_middle_is_reported(world, is_postgres):
    events = _sealed_events()
    bypass_guards(is_postgres)
    db.session.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": events[1].seq})
    report = audit.verify_chain()
    assert report.broken_at == events[2].seq and "序号不连续" in report.reason


def test_deleting_the_newest_events_is_reported_at_the_first_missing_one(world, is_postgres):
    events = _sealed_events()
    bypass_guards(is_postgres)
    db.session.execute(text("DELETE FROM audit_event WHERE seq >= :s"), {"s": events[1].seq})
    report = audit.verify_chain()
    assert report.broken_at == events[1].seq
    assert f"第 {events[1].seq} 条起的记录缺失" in report.reason and f"已封存至第 {events[2].seq} 条" in report.reason


def test_deleting_the_newest_events_with_their_checkpoints_is_caught_by_an_exported_checkpoint(world, is_postgres):
    events = _sealed_events()
    kept = checkpoint.from_json(checkpoint.to_json(checkpoint.latest()))
    bypass_guards(is_postgres)
    db.session.execute(text("DELETE FROM audit_event WHERE seq >= :s"), {"s": events[0].seq})
    db.session.execute(text("DELETE FROM audit_checkpoint WHERE batch = :b"), {"b": kept["batch"]})
    assert audit.verify_chain().ok  # a shorter chain, consistent in itself: only an outside copy reveals it
    report = audit.verify_chain(exported=kept)
    assert report.broken_at == events[0].seq and "数据库中的审计记录少于导出的检查点" in report.reason


def test_a_chain_rewritten_after_an_export_differs_from_the_exported_checkpoint(world, is_postgres):
    _sealed_events()
    kept = checkpoint.from_json(checkpoint.to_json(checkpoint.latest()))
    bypass_guards(is_postgres)
    db.session.execute(text("UPDATE audit_checkpoint SET hash = :h WHERE batch = :b"), {"h": "f" * 64,
                                                                                      "b": kept["batch"]})
    report = audit.verify_chain(exported=kept)
    assert not report.ok and "检查点" in report.reason


def test_an_altered_checkpoint_is_reported(world, is_postgres):
    events = _sealed_events()
    bypass_guards(is_postgres)
    db.session.execute(text("UPDATE audit_checkpoint SET merkle_root = :r WHERE last_seq = :s"),
                       {"r": "0" * 64, "s": events[2].seq})
    report = audit.verify_chain()
    assert report.broken_at == events[0].seq and "已被改动" in report.reason


def test_with_a_checkpoint_key_every_new_checkpoint_is_signed_and_checked(app, world, is_postgres):
    app.config["AUDIT_CHECKPOINT_KEY"] = "a-long-random-secret"
    try:
        events = _sealed_events()
        latest = checkpoint.latest()
        assert latest.signature == checkpoint.sign(latest.hash, b"a-long-random-secret")
        assert audit.verify_chain().ok
        bypass_guards(is_postgres)
        db.session.execute(text("UPDATE audit_checkpoint SET signature = NULL WHERE batch = :b"),
                           {"b": latest.batch})
        report = audit.verify_chain()
        assert report.broken_at == events[0].seq and "没有有效签名" in report.reason
    finally:
        app.config["AUDIT_CHECKPOINT_KEY"] = ""


def test_sealed_events_outside_every_checkpoint_are_reported(world, is_postgres):
    events = _sealed_events()
    bypass_guards(is_postgres)
    db.session.execute(text("DELETE FROM audit_checkpoint WHERE last_seq = :s"), {"s": events[2].seq})
    report = audit.verify_chain()
    assert report.broken_at == events[0].seq and "不在任何检查点" in report.reason


def test_each_checkpoint_is_logged_as_one_line_that_verify_can_take_back(world, caplog):
    with caplog.at_level("INFO", logger="app.audit.sequencer"):
        made = seal_pending()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("audit checkpoint ")]
    assert len(lines) == 1
    kept = checkpoint.from_json(lines[0].removeprefix("audit checkpoint "))
    assert (kept["batch"], kept["hash"], kept["merkle_root"]) == (made.batch, made.hash, made.merkle_root)
    assert audit.verify_chain(exported=kept).ok
