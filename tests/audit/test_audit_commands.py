"""`haochaping audit verify | seal | checkpoint --export`: exit codes and messages."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app import audit
from app.cli import audit_checkpoint, audit_seal, audit_verify, main
from app.db import db
from tests.fixtures.audit import bypass_guards


def _three_events():
    return [audit.record(actor="test", action=f"thing.{i}", subject_type="case", subject_id=i,
                         payload={"n": i}) for i in range(3)]


def test_verify_reports_an_intact_chain_and_the_events_waiting_to_be_sealed(app, world):
    runner = app.test_cli_runner()
    waiting = runner.invoke(audit_verify)
    assert waiting.exit_code == 0, waiting.output
    assert "审计链完整" in waiting.output and "条记录待封存" in waiting.output
    sealed = runner.invoke(audit_seal)
    assert sealed.exit_code == 0 and "已封存" in sealed.output
    after = runner.invoke(audit_verify)
    assert after.exit_code == 0 and "待封存" not in after.output and "1 个检查点" in after.output


def test_verify_exits_non_zero_naming_the_first_broken_event(app, world, is_postgres):
    runner = app.test_cli_runner()
    events = _three_events()
    runner.invoke(audit_seal)
    bypass_guards(is_postgres)
    db.session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = :id"), {"id": events[0].id})
    broken = runner.invoke(audit_verify)
    assert broken.exit_code == 1
    assert f"审计链断裂于第 {events[0].seq} 条：记录内容与其哈希不符" in broken.output


def test_an_exported_checkpoint_reveals_the_newest_events_deleted_with_their_checkpoint(app, world, is_postgres,
                                                                                         tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(audit_seal)
    events = _three_events()
    kept = tmp_path / "checkpoint.json"
    exported = runner.invoke(audit_checkpoint, ["--export", str(kept)])  # seals the three: checkpoint #2
    assert exported.exit_code == 0 and "已导出检查点 #2" in exported.output
    values = json.loads(kept.read_text(encoding="utf-8"))
    assert values["first_seq"] == events[0].seq and values["last_seq"] == events[2].seq
    assert runner.invoke(audit_verify, ["--checkpoint", str(kept)]).exit_code == 0
    bypass_guards(is_postgres)
    db.session.execute(text("DELETE FROM audit_event WHERE seq >= :s"), {"s": values["first_seq"]})
    db.session.execute(text("DELETE FROM audit_checkpoint WHERE batch = 2"))
    assert runner.invoke(audit_verify).exit_code == 0  # a shorter chain, consistent in itself
    caught = runner.invoke(audit_verify, ["--checkpoint", str(kept)])
    assert caught.exit_code == 1
    assert f"审计链断裂于第 {values['first_seq']} 条" in caught.output and "少于导出的检查点 #2" in caught.output


@pytest.mark.parametrize("content", ["not json", '{"batch": 1}', None])
def test_verify_refuses_a_checkpoint_file_it_cannot_use(app, world, tmp_path, content):
    path = tmp_path / "checkpoint.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(audit_verify, ["--checkpoint", str(path)])
    assert result.exit_code == 2
    assert "检查点文件" in result.output


def test_a_changed_exported_checkpoint_is_refused_as_damaged(app, world, tmp_path):
    path = tmp_path / "checkpoint.json"
    app.test_cli_runner().invoke(audit_checkpoint, ["--export", str(path)])
    values = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(dict(values, last_seq=values["last_seq"] + 5)), encoding="utf-8")
    result = app.test_cli_runner().invoke(audit_verify, ["--checkpoint", str(path)])
    assert result.exit_code == 2 and "内容与其哈希不符" in result.output


def test_a_command_that_records_events_seals_them_before_it_ends(app, world, monkeypatch):
    """Through the top-level command group, as an operator runs it: `user create` then `audit verify`."""
    monkeypatch.setattr("app.cli.create_app", lambda: app)
    runner = app.test_cli_runner()
    created = runner.invoke(main, ["user", "create", "--username", "zhao_liu", "--display-name", "赵六",
                                   "--org", "A-HR", "--role", "handler", "--password", "a-long-enough-passphrase"])
    assert created.exit_code == 0, created.output
    report = audit.verify_chain()
    assert report.ok and report.unsealed == 0
