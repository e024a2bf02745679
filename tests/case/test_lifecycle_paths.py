"""Whole cases through the real model (bpmn/bad_review.bpmn), with the clock moved."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from tests.fixtures.lifecycle import local


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def test_a_bad_review_starts_with_sign_for_due_one_working_day_after_receipt(open_case):
    case = open_case(at=local(2026, 11, 20, 10, 0))  # Friday
    sign_for = case.task("sign_for")
    assert sign_for.lane == "department"
    assert sign_for.org_unit.code == "A-HR"
    assert set(sign_for.roles) == {"handler", "dept_lead"}
    assert sign_for.due_at == _utc(local(2026, 11, 24, 0, 0))  # end of Monday 23 November
    assert case.case.stage == "签收响应"


def test_a_general_case_received_before_golden_week_is_due_at_the_end_of_13_october(open_case):
    case = open_case(at=local(2026, 9, 30, 9, 0))
    case.accept_and_classify("general")
    rectify = case.task("rectify")
    assert rectify.due_at == _utc(local(2026, 10, 14, 0, 0))
    assert case.case.deadlines["rectify_deadline"] == _utc(local(2026, 10, 14, 0, 0)).isoformat()
    assert case.case.category == "general"


def test_a_complex_case_received_on_30_september_is_due_at_the_end_of_27_october(open_case):
    case = open_case(at=local(2026, 9, 30, 9, 0))
    case.accept_and_classify("complex", co_departments=["A-MKT", "B-HR"])
    consults = [t for t in case.open_tasks() if t.bpmn_id == "consult"]
    assert sorted(t.org_unit.code for t in consults) == ["A-MKT", "B-HR"]
    for task in consults:
        who = {"B-HR": "handler_b", "A-MKT": "handler_m"}[task.org_unit.code]
        response = case.client.post(f"/api/v1/tasks/{task.id}/complete",
                                    json={"data": {"opinion": "同意", "commitment": "三日内配合"}},
                                    headers=case.world.headers(who))
        assert response.status_code == 200, response.json
    assert case.task("rectify").due_at == _utc(local(2026, 10, 28, 0, 0))


def test_a_simple_case_is_due_the_same_working_day(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.accept_and_classify("simple")
    assert case.task("rectify").due_at == _utc(local(2026, 11, 21, 0, 0))


def test_the_happy_path_ends_closed_with_every_step_in_the_history(open_case, client, world):
    case = open_case(at=local(2026, 11, 16, 9, 0))
    case.accept_and_classify("general")
    case.do("rectify", {"measures": "加强窗口培训", "result": "已整改", "action": "done"})
    case.do("feedback", {"feedback_text": "已向评价人说明整改情况", "feedback_channel": "phone",
                         "report": {"findings": "等候时间过长属实", "measures": "增开窗口", "result": "已完成",
                                    "responsible_person": "李科长"}})
    case.do("return_visit", {"reached": True, "satisfaction": "satisfied", "note": "评价人表示满意"})
    case.do("close_out", {"approved": True, "note": "同意销号"})
    assert case.case.status == "closed"
    assert case.open_tasks() == []
    history = client.get(f"/api/v1/cases/{case.case_id}/history", headers=world.headers("auditor_c")).json
    actions = [event["action"] for event in history]
    assert actions[0] == "evaluation.received"
    assert actions.count("task.completed") == 7
    assert "case.ended" in actions
    completed = [e["payload"]["task"] for e in history if e["action"] == "task.completed"]
    assert completed == ["sign_for", "verify", "classify", "rectify", "feedback", "return_visit", "close_out"]


def test_an_upheld_appeal_ends_the_case_as_not_adopted(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "appeal", "appeal_reason": "评价人误操作", "evidence": "监控录像显示正常办结"})
    review = case.task("appeal_review")
    assert review.org_unit.code == "A-SUP"
    case.do("appeal_review", {"decision": "upheld", "reason": "录像证实服务规范"})
    assert case.case.status == "not_adopted"
    evaluation = case.case.evaluation
    assert evaluation.adopted is False
    assert "录像证实服务规范" in evaluation.adoption_reason


def test_a_rejected_appeal_may_go_once_to_the_supervision_lead(open_case, clock):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "appeal", "appeal_reason": "不属实", "evidence": "材料"})
    case.do("appeal_review", {"decision": "rejected", "reason": "证据不足"})
    case.do("sign_for", {"action": "appeal", "appeal_reason": "补充证据", "evidence": "新材料"})
    recheck = case.task("appeal_recheck")
    assert recheck.roles == ["supervisor_lead"]
    assert case.submit("appeal_recheck", {"decision": "rejected", "reason": "x"}, who="supervisor_a").status_code == 403
    case.do("appeal_recheck", {"decision": "rejected", "reason": "维持原结论"}, who="sup_lead_a")
    third = case.submit("sign_for", {"action": "appeal", "appeal_reason": "再申诉", "evidence": "-"})
    assert third.status_code == 422
    assert "action" in third.json["error"]["fields"]
    case.do("sign_for", {"action": "accept"})
    assert case.open_task_names() == ["verify"]


def test_an_appeal_after_the_window_is_refused(open_case, clock):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    clock.set(local(2026, 11, 24, 9, 0))  # the window ended with Monday 23 November
    response = case.submit("sign_for", {"action": "appeal", "appeal_reason": "迟到的申诉", "evidence": "-"})
    assert response.status_code == 422
    assert case.open_task_names() == ["sign_for"]


def test_a_confirmed_invalid_review_is_not_adopted(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "accept"})
    case.do("verify", {"finding": "mistaken", "contact_method": "phone", "note": "评价人表示点错"})
    case.do("confirm_invalid", {"decision": "confirmed", "reason": "电话录音为证"})
    assert case.case.status == "not_adopted"
    assert case.case.evaluation.adopted is False


def test_a_refused_invalidity_claim_sends_the_case_to_classification(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "accept"})
    case.do("verify", {"finding": "malicious", "contact_method": "phone", "note": "疑似恶意"})
    case.do("confirm_invalid", {"decision": "refused", "reason": "依据不足"})
    assert case.open_task_names() == ["classify"]


def test_no_legal_basis_goes_straight_to_feedback(open_case):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "accept"})
    case.do("verify", {"finding": "no_legal_basis", "contact_method": "phone", "note": "诉求超出法定范围"})
    assert case.open_task_names() == ["feedback"]


def test_the_history_records_deadlines_and_who_submitted_what(open_case, client, world):
    case = open_case(at=local(2026, 11, 20, 9, 0))
    case.do("sign_for", {"action": "accept", "note": "收到"})
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "case", AuditEvent.subject_id == str(case.case_id),
        AuditEvent.action == "task.completed")).all()
    assert events[0].actor == "user:handler_a"
    assert events[0].payload["data"] == {"action": "accept", "note": "收到"}
    opened = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_id == str(case.case_id), AuditEvent.action == "task.opened")).all()
    assert {e.payload["task"] for e in opened} == {"sign_for", "verify"}
    assert all(e.payload["due_at"] for e in opened)
