"""Moving running cases after a rename: a label-only change moves them; a case that cannot move says which
task and which data differ and what the administrator can do."""
from __future__ import annotations

from app.case import migration
from app.db import db
from app.process_model import versions
from tests.fixtures.lifecycle import local


def _renamed(current, old: str, new: str):
    model = versions.add_version(process_id="bad_review", bpmn_xml=current.bpmn_xml.replace(old, new),
                                 forms=current.forms, source="test", actor="policy_c", comment="改名")
    db.session.commit()
    return model


def test_a_rename_moves_a_case_in_consultation(open_case):
    case = open_case(at=local(2026, 9, 30, 9, 0))
    case.accept_and_classify("complex", co_departments=["A-MKT", "B-HR"])
    current = versions.deployed("bad_review")
    target = _renamed(current, 'name="销号"', 'name="销号归档"')
    [row] = migration.preview(target)
    assert row["movable"], row["reasons"]
    result = migration.migrate(target, case_ids=None, actor="policy_c")
    assert [m["case_no"] for m in result["moved"]] == [case.case.case_no]


def test_a_case_that_cannot_move_says_which_task_and_data_and_what_to_do(open_case):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    current = versions.deployed("bad_review")
    # the open 签收响应 step is replaced by a step of another id: the case cannot follow
    changed = current.bpmn_xml
    for attribute in ("id", "sourceRef", "targetRef", "bpmnElement"):
        changed = changed.replace(f'{attribute}="sign_for"', f'{attribute}="sign_for_v2"')
    changed = changed.replace(">sign_for<", ">sign_for_v2<").replace('name="签收响应"', 'name="签收"')
    target = versions.add_version(process_id="bad_review", bpmn_xml=changed, forms=current.forms, source="test",
                                  actor="policy_c", comment="换签收步骤")
    db.session.commit()
    [row] = migration.preview(target)
    assert not row["movable"]
    assert row["reasons"] == ["迁移后待办任务会变化：现为“签收响应”，迁移后为“签收”"]
    assert "先办完“签收响应”" in row["advice"] and "留在原版本" in row["advice"]
    result = migration.migrate(target, case_ids=None, actor="policy_c")
    assert result["moved"] == [] and result["refused"][0]["advice"] == row["advice"]
    assert case.case.process_model_id == current.id
