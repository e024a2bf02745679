"""A case opened by intake in bulk (a copy of one start) is the case a single intake opens, now and later."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import or_, select

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase, CaseTimer
from app.db import db
from app.evaluation import bulk, service
from app.evaluation.schemas import EvaluationCreateSchema
from app.notification.models import Notification
from app.process_model import versions
from app.task.models import CaseTask
from app.user.principal import Principal
from app.user.service import get_by_username
from app.workflow.registry import read_model_files
from tests.fixtures.lifecycle import CaseDriver, local

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CASE_COLUMNS = ("org_path", "responsible_org_id", "received_at", "status", "closed_at", "process_model_id",
                "serializer_version", "stage", "category", "overdue", "deadlines", "due_at", "due_provisional",
                "provisional_calculations")
TASK_COLUMNS = ("bpmn_id", "name", "lane", "roles_text", "form", "org_unit_id", "org_path", "state", "due_at",
                "due_provisional", "opened_at", "closed_at", "submitted")


def _row(clock, case_no, level, real_name):
    return EvaluationCreateSchema().load(
        {"service_case_no": case_no, "level": level, "channel": "window_device", "real_name": real_name,
         "comment": "办事等待时间太长", "reasons": ["efficiency"],
         "evaluated_at": (clock.now() - timedelta(minutes=30)).isoformat()})


def _normal_state(case: BadReviewCase):
    """The engine state with task ids numbered in order of appearance, the case's own id and number
    replaced, and state-change times replaced by their rank (only their order means anything)."""
    ids = {}
    text = UUID.sub(lambda m: ids.setdefault(m.group(0), f"task-{len(ids)}"), case.state_json)
    state = json.loads(text.replace(json.dumps(case.case_no), '"<case_no>"'))
    workflows = [state, *state["subprocesses"].values()]
    tasks = [task for workflow in workflows for task in workflow["tasks"].values()]
    stamps = sorted({task["last_state_change"] for task in tasks})
    for task in tasks:
        task["last_state_change"] = stamps.index(task["last_state_change"])
    for data in [*(w["data"] for w in workflows), *(t["data"] for t in tasks)]:
        if "case_id" in data:
            assert data["case_id"] == case.id
            data["case_id"] = "<case_id>"
    return state


def _snapshot(case_id: int) -> dict:
    case = db.session.get(BadReviewCase, case_id, populate_existing=True)
    tasks = db.session.scalars(select(CaseTask).where(CaseTask.case_id == case_id).order_by(CaseTask.id)).all()
    task_ids = {t.id: f"<task {n}>" for n, t in enumerate(tasks)}
    timers = db.session.scalars(select(CaseTimer).where(CaseTimer.case_id == case_id)).all()
    events = db.session.scalars(select(AuditEvent).where(or_(
        (AuditEvent.subject_type == "case") & (AuditEvent.subject_id == str(case_id)),
        (AuditEvent.subject_type == "evaluation") & (AuditEvent.subject_id == str(case.evaluation_id))))
        .order_by(AuditEvent.id)).all()
    own = {"evaluation_id": {case.evaluation_id: "<evaluation>"}, "case_no": {case.case_no: "<case_no>"},
           "service_case_no": {case.evaluation.service_case.case_no: "<service_case_no>"},
           "task_id": task_ids, "case_id": {case_id: "<case>"}}

    def normal(payload: dict) -> dict:
        return {k: "<notification>" if k == "notification_id" else own[k].get(v, v) if k in own else v
                for k, v in payload.items()}

    return {
        "case": {c: getattr(case, c) for c in CASE_COLUMNS},
        "state": _normal_state(case),
        "tasks": [{c: getattr(t, c) for c in TASK_COLUMNS} for t in tasks],
        "open_task_uuids_in_state": all(t.task_uuid in case.state_json for t in tasks if t.state == "open"),
        "timers": sorted((t.bpmn_id, t.due_at) for t in timers),
        "events": [(e.actor, e.action, e.subject_type, normal(e.payload)) for e in events],
    }


def _happy_path(driver: CaseDriver) -> None:
    driver.accept_and_classify("general")
    driver.do("rectify", {"measures": "加强窗口培训", "result": "已整改", "action": "done"})
    driver.do("feedback", {"feedback_text": "已向评价人说明整改情况", "feedback_channel": "phone",
                           "report": {"findings": "等候时间过长属实", "measures": "增开窗口", "result": "已完成",
                                      "responsible_person": "李科长"}})
    driver.do("return_visit", {"reached": True, "satisfaction": "satisfied", "note": "评价人表示满意"})
    driver.do("close_out", {"approved": True, "note": "同意销号"})


def test_cases_opened_in_bulk_equal_a_case_opened_alone_from_start_to_close_out(
        client, world, clock, make_service_case):
    clock.set(local(2026, 11, 16, 9, 0))
    principal = Principal.for_user(get_by_username("client_c"))
    alone = service.create(_row(clock, make_service_case().case_no, 1, True), principal=principal)
    db.session.commit()
    batch = [_row(clock, make_service_case().case_no, level, real_name)
             for level, real_name in ((1, True), (5, False), (1, True), (2, False), (1, True))]
    results = bulk.intake_many(batch, principal=principal)
    db.session.commit()
    copies = [r.bad_review_case_id for r in results if r.bad_review_case_id]
    assert len(copies) == 4
    same_start = [results[0].bad_review_case_id, results[2].bad_review_case_id, results[4].bad_review_case_id]

    reference = _snapshot(alone.bad_review_case.id)
    assert reference["tasks"] and reference["events"]
    for case_id in same_start:
        assert _snapshot(case_id) == reference
    uuids = [t.task_uuid for t in db.session.scalars(select(CaseTask).where(CaseTask.case_id.in_(same_start)))]
    assert len(set(uuids)) == len(uuids) == 3  # each copy has task ids of its own
    level_two = _snapshot(results[3].bad_review_case_id)
    assert level_two["state"] != reference["state"]  # another start: level and real name are start data
    assert level_two["tasks"] == reference["tasks"]

    for case_id in (alone.bad_review_case.id, same_start[1]):
        _happy_path(CaseDriver(client, world, case_id))
    closed = _snapshot(alone.bad_review_case.id)
    assert closed["case"]["status"] == "closed"
    assert _snapshot(same_start[1]) == closed


NOTIFYING_INIT = ('<spiffworkflow:property name="parameter:sign_for_days" value="1" />',
                  '<spiffworkflow:property name="effect" value="notify:case_received" />'
                  '<spiffworkflow:property name="parameter:sign_for_days" value="1" />')


def _one_alone_two_in_bulk(clock, make_service_case, change: tuple[str, str], comment: str):
    """Deploys the default model with ``change`` made, opens one bad review alone and two in a batch; returns the
    lone case's snapshot and the batch's results."""
    xml, forms = read_model_files(versions.DEFAULT_MODELS["bad_review"])
    assert change[0] in xml
    versions.add_version(process_id="bad_review", bpmn_xml=xml.replace(*change), forms=forms,
                         source="test", actor="policy_c", comment=comment)
    db.session.commit()
    principal = Principal.for_user(get_by_username("client_c"))
    alone = service.create(_row(clock, make_service_case().case_no, 1, True), principal=principal)
    results = bulk.intake_many([_row(clock, make_service_case().case_no, 1, True) for _ in range(2)],
                               principal=principal)
    db.session.commit()
    return _snapshot(alone.bad_review_case.id), results


def test_a_start_with_effects_is_mirrored_case_by_case_with_the_same_result(world, clock, make_service_case):
    reference, results = _one_alone_two_in_bulk(clock, make_service_case, NOTIFYING_INIT, "签收前通知责任部门")
    assert "notification.recorded" in [event[1] for event in reference["events"]]
    for result in results:
        assert _snapshot(result.bad_review_case_id) == reference
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.case_id.in_([r.bad_review_case_id for r in results]))).all()
    assert kinds == ["case_received", "case_received"]


SIGN_FOR_TIMER = ("</bpmn:process>", """<bpmn:boundaryEvent id="sign_for_reminder" name="签收提醒"
      cancelActivity="false" attachedToRef="sign_for"><bpmn:outgoing>flow_sign_for_reminder_to_end</bpmn:outgoing>
      <bpmn:timerEventDefinition id="sign_for_reminder_definition">
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">sign_for_deadline</bpmn:timeDate>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:endEvent id="end_sign_for_reminder" name="已提醒"><bpmn:incoming>flow_sign_for_reminder_to_end</bpmn:incoming>
      </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_sign_for_reminder_to_end" sourceRef="sign_for_reminder"
      targetRef="end_sign_for_reminder" />
  </bpmn:process>""")


def test_timers_armed_by_the_start_are_copied_with_ids_of_their_own(world, clock, make_service_case):
    reference, results = _one_alone_two_in_bulk(clock, make_service_case, SIGN_FOR_TIMER, "签收期限届满时提醒")
    assert [bpmn_id for bpmn_id, _ in reference["timers"]] == ["sign_for_reminder"]
    copies = [r.bad_review_case_id for r in results]
    for case_id in copies:
        assert _snapshot(case_id) == reference
    timers = {case_id: db.session.scalars(select(CaseTimer.task_uuid).where(CaseTimer.case_id == case_id)).one()
              for case_id in copies}
    assert len(set(timers.values())) == 2
    for case_id, uuid in timers.items():
        assert uuid in db.session.get(BadReviewCase, case_id).state_json
