"""One start, many cases: a copy of the start state equals a start of its own, and is refused when it would not."""
from __future__ import annotations

import json
import re

import pytest

from app.settings import PROJECT_ROOT
from app.workflow import CaseWorkflow, StartTemplate
from app.workflow.registry import parse, read_model_files

MODEL = PROJECT_ROOT / "bpmn" / "bad_review.bpmn"
CASE_KEYS = ("case_id", "case_no", "responsible_org")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _bundle(extra_script: str = ""):
    xml, forms = read_model_files(MODEL)
    if extra_script:
        xml = xml.replace("recheck_deadline = appeal_deadline</bpmn:script>",
                          f"recheck_deadline = appeal_deadline\n{extra_script}</bpmn:script>")
    return parse(xml, forms, "bad_review")


def _data(case_id=None, case_no=None, org=None):
    return {"case_id": case_id, "case_no": case_no, "received_at": "2026-11-20T02:00:00+00:00",
            "evaluation_level": 1, "real_name": True, "responsible_org": org, "policy": {"sign_for_days": 2}}


def _comparable(state_json: str) -> dict:
    ids = {}
    state = json.loads(UUID.sub(lambda m: ids.setdefault(m.group(0), f"task-{len(ids)}"), state_json))
    for task in state["tasks"].values():
        task.pop("last_state_change")
    return state


def _own_start(bundle, values):
    workflow, steps = CaseWorkflow.start(bundle, _data(**values))
    return workflow, steps


@pytest.mark.parametrize("extra_script", ["", "note = 'sign_for_days: ' + str(sign_for_days)"])
def test_a_copy_of_the_start_is_the_start_of_that_case(extra_script):
    bundle = _bundle(extra_script)
    template = StartTemplate.build(bundle, _data(), CASE_KEYS)
    assert template.copyable
    copy = template.instantiate({"case_id": 42, "case_no": "CP2026112000000042", "responsible_org": "A-HR"})
    workflow, steps = _own_start(bundle, {"case_id": 42, "case_no": "CP2026112000000042", "org": "A-HR"})
    assert _comparable(copy.state_json) == _comparable(workflow.dump()[0])
    assert [(t.bpmn_id, t.lane, t.properties, t.data) for t in copy.human_tasks] == [
        (t.bpmn_id, t.lane, t.properties, t.data) for t in workflow.ready_human_tasks()]
    assert [(s.bpmn_id, s.kind, s.data) for s in copy.steps] == [(s.bpmn_id, s.kind, s.data) for s in steps]
    assert copy.current_data() == workflow.current_data()
    assert copy.calculations == workflow.calculations
    assert copy.human_tasks[0].data["case_id"] == 42
    assert copy.human_tasks[0].uuid in copy.state_json


def test_copies_get_task_ids_of_their_own_and_continue_like_any_case():
    template = StartTemplate.build(_bundle(), _data(), CASE_KEYS)
    first = template.instantiate({"case_id": 1, "case_no": "CP1", "responsible_org": "A-HR"})
    second = template.instantiate({"case_id": 2, "case_no": "CP2", "responsible_org": "B-HR"})
    assert set(UUID.findall(first.state_json)).isdisjoint(UUID.findall(second.state_json))
    restored = CaseWorkflow.restore(template.bundle, second.state_json)
    task = restored.ready_human_tasks()[0]
    assert task.uuid == second.human_tasks[0].uuid
    assert (task.data["case_id"], task.data["case_no"], task.data["responsible_org"]) == (2, "CP2", "B-HR")
    restored.complete(task.uuid, {"action": "accept", "note": "已签收"})
    assert [t.bpmn_id for t in restored.ready_human_tasks()] == ["verify"]


@pytest.mark.parametrize("extra_script", ["marker = case_no", "marker = len(responsible_org)"])
def test_a_start_that_reads_a_case_value_is_not_copied_but_run_for_each_case(extra_script):
    bundle = _bundle(extra_script)
    template = StartTemplate.build(bundle, _data(), CASE_KEYS)
    assert not template.copyable
    copy = template.instantiate({"case_id": 7, "case_no": "CP7", "responsible_org": "A-HR"})
    workflow, _ = _own_start(bundle, {"case_id": 7, "case_no": "CP7", "org": "A-HR"})
    assert copy.current_data()["marker"] == workflow.current_data()["marker"]
    assert _comparable(copy.state_json) == _comparable(workflow.dump()[0])
