"""Reminders, overdue supervision orders, extensions and return visits — timers fired by moving the clock."""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import func, select

from app.case.models import CaseTimer
from app.db import db
from app.notification.models import Notification
from tests.fixtures.lifecycle import local


def _rectifying(open_case, at=None):
    case = open_case(at=at or local(2026, 11, 16, 9, 0))  # Monday
    case.accept_and_classify("general")  # due at the end of Monday 23 November
    return case


def test_the_scheduler_waits_on_a_reminder_and_the_deadline(open_case):
    case = _rectifying(open_case)
    timers = db.session.scalars(select(CaseTimer).where(CaseTimer.case_id == case.case_id)
                                .order_by(CaseTimer.due_at)).all()
    assert [(t.bpmn_id, t.due_at) for t in timers] == [
        ("reminder_timer", local(2026, 11, 21, 0, 0).astimezone(UTC)),  # end of Friday 20th: 1 working day before
        ("deadline_timer", local(2026, 11, 24, 0, 0).astimezone(UTC)),
    ]


def test_a_reminder_is_recorded_one_working_day_before_the_deadline(app, open_case):
    case = _rectifying(open_case)
    assert case.tick(app, local(2026, 11, 20, 23, 0)) == 0
    assert case.tick(app, local(2026, 11, 21, 0, 1)) == 1
    reminders = db.session.scalars(select(Notification).where(Notification.case_id == case.case_id)).all()
    assert [n.kind for n in reminders] == ["rectify_reminder"]
    assert reminders[0].org_unit_id == case.case.responsible_org_id
    assert case.open_task_names() == ["rectify"]


def test_an_overdue_rectification_opens_a_supervision_order_and_keeps_rectify_open(app, open_case):
    case = _rectifying(open_case)
    case.tick(app, local(2026, 11, 24, 8, 0))
    assert sorted(case.open_task_names()) == ["rectify", "supervise"]
    assert case.case.overdue is True
    assert case.task("supervise").org_unit.code == "A-SUP"
    case.do("supervise", {"instruction": "请于明日下班前完成整改"})
    case.do("rectify", {"measures": "补充培训", "result": "已整改", "action": "done"})
    assert case.open_task_names() == ["feedback"]


def test_timers_fire_exactly_once_even_when_the_job_runs_twice(app, open_case):
    case = _rectifying(open_case)
    first = case.tick(app, local(2026, 11, 24, 8, 0))
    second = case.tick(app, local(2026, 11, 24, 8, 1))
    assert (first, second) == (1, 0)
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.case_id == case.case_id)) == 1
    assert [t.bpmn_id for t in case.open_tasks()].count("supervise") == 1


def test_after_downtime_the_job_catches_up_without_duplicates(app, open_case):
    case = _rectifying(open_case)
    case.tick(app, local(2026, 11, 30, 9, 0))  # down from Friday to the next Monday
    assert sorted(case.open_task_names()) == ["rectify", "supervise"]
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.case_id == case.case_id)) == 1


def test_the_job_takes_cases_earliest_due_first_each_once_and_none_not_yet_due(app, open_case, clock):
    from app.case.lifecycle import due_case_ids

    later = _rectifying(open_case, at=local(2026, 11, 17, 9, 0))  # Tuesday: due a day after the Monday case
    earlier = _rectifying(open_case)
    clock.set(local(2026, 11, 30, 9, 0))  # both cases have their reminder and their deadline due
    assert due_case_ids() == [earlier.case_id, later.case_id]
    assert due_case_ids(limit=1) == [earlier.case_id]
    clock.set(local(2026, 11, 20, 9, 0))
    assert due_case_ids() == []
    assert later.tick(app, local(2026, 11, 30, 9, 0)) == 2  # the job fires both cases


def test_an_approved_extension_moves_the_deadline_and_its_timers(app, open_case, clock):
    case = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    case.do("rectify", {"measures": "需采购设备", "action": "request_extension", "new_deadline": "2026-11-30",
                        "extension_reason": "设备到货需时", "evaluator_informed": True})
    assert case.open_task_names() == ["approve_extension"]
    case.do("approve_extension", {"decision": "approved", "reason": "理由充分"})
    rectify = case.task("rectify")
    assert rectify.due_at == local(2026, 12, 1, 0, 0).astimezone(UTC)
    timers = {t.bpmn_id: t.due_at for t in db.session.scalars(
        select(CaseTimer).where(CaseTimer.case_id == case.case_id))}
    assert timers["deadline_timer"] == local(2026, 12, 1, 0, 0).astimezone(UTC)
    assert case.tick(app, local(2026, 11, 24, 8, 0)) == 0 or "supervise" not in case.open_task_names()
    assert "supervise" not in case.open_task_names()


def test_a_refused_extension_keeps_the_deadline(open_case, clock):
    case = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    case.do("rectify", {"measures": "x", "action": "request_extension", "new_deadline": "2026-11-30",
                        "extension_reason": "y", "evaluator_informed": True})
    case.do("approve_extension", {"decision": "refused", "reason": "应按期完成"})
    assert case.task("rectify").due_at == local(2026, 11, 24, 0, 0).astimezone(UTC)


def test_an_extension_needs_the_evaluator_informed_and_a_later_date(open_case, clock):
    case = _rectifying(open_case)
    clock.set(local(2026, 11, 18, 10, 0))
    response = case.submit("rectify", {"measures": "x", "action": "request_extension", "new_deadline": "2026-11-20",
                                       "extension_reason": "y", "evaluator_informed": False})
    assert response.status_code == 422
    assert {"evaluator_informed"} <= set(response.json["error"]["fields"])
    later = case.submit("rectify", {"measures": "x", "action": "request_extension", "new_deadline": "2026-11-20",
                                    "extension_reason": "y", "evaluator_informed": True})
    assert later.status_code == 422  # not after the current deadline


def test_an_unsatisfied_return_visit_reopens_rectification_once(open_case, clock):
    case = _rectifying(open_case)
    case.do("rectify", {"measures": "m", "result": "r", "action": "done"})
    feedback = {"feedback_text": "已反馈", "feedback_channel": "phone",
                "report": {"findings": "f", "measures": "m", "result": "r", "responsible_person": "p"}}
    case.do("feedback", feedback)
    clock.set(local(2026, 11, 19, 10, 0))  # Thursday
    case.do("return_visit", {"reached": True, "satisfaction": "unsatisfied", "note": "仍不满意"})
    assert case.task("rectify").due_at == local(2026, 11, 27, 0, 0).astimezone(UTC)  # general limit again
    case.do("rectify", {"measures": "m2", "result": "r2", "action": "done"})
    case.do("feedback", feedback)
    case.do("return_visit", {"reached": True, "satisfaction": "unsatisfied", "note": "依旧不满意"})
    assert case.open_task_names() == ["close_out"]
