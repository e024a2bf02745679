"""Policy staff change a limit by changing the model; running cases keep the version they started on."""
from __future__ import annotations

from datetime import UTC

from app.db import db
from app.process_model import parameters, versions
from app.workflow.registry import read_model_files
from tests.fixtures.lifecycle import local


def test_a_changed_general_limit_changes_new_cases_only(open_case, clock):
    before = open_case(at=local(2026, 11, 16, 9, 0))
    xml, forms = read_model_files(versions.DEFAULT_MODELS["bad_review"])
    assert parameters.read(xml, "bad_review")["limit_general_days"] == 5
    model = versions.add_version(process_id="bad_review",
                                 bpmn_xml=parameters.write(xml, {"limit_general_days": 10}),
                                 forms=forms, source="test", actor="policy_c", comment="一般差评时限改为10个工作日")
    db.session.commit()
    after = open_case(at=local(2026, 11, 16, 9, 0))
    before.accept_and_classify("general")
    after.accept_and_classify("general")
    assert before.task("rectify").due_at == local(2026, 11, 24, 0, 0).astimezone(UTC)
    assert after.task("rectify").due_at == local(2026, 12, 1, 0, 0).astimezone(UTC)
    assert after.case.process_model_id == model.id
    assert before.case.process_model_id != model.id


def test_syncing_unchanged_defaults_adds_no_version(open_case):
    open_case(at=local(2026, 11, 16, 9, 0))
    assert versions.sync_defaults() == []
