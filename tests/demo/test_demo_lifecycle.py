"""`haochaping seed-demo` works its bad-review cases through the lifecycle: every state, the right people.

Seeding with the lifecycle takes a while, so the module seeds once, in its own transaction rolled back
at the end (the tests only read).
"""
from __future__ import annotations

from collections import Counter
from datetime import time

import pytest
from sqlalchemy import select

from app.calendar import get_calendar
from app.case.models import BadReviewCase, CaseStatus
from app.case.routing import supervision_office_for
from app.db import db
from app.demo import seed
from app.notification.models import Notification
from app.settings import to_local
from app.task.models import CaseTask, TaskState
from tests.conftest import TEST_NOW
from tests.fixtures.audit import sealed_chain

pytestmark = pytest.mark.no_transaction
CASES, SEED, BAD_RATE = 300, 11, 0.25  # about seventy bad reviews


@pytest.fixture(scope="module")
def cases(app) -> list[BadReviewCase]:
    clock = app.extensions["clock"]
    clock.set(TEST_NOW)
    connection = app.extensions["db_engine"].connect()
    outer = connection.begin()
    db.session.remove()
    db.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    with app.app_context():
        try:
            seed.run(cases=CASES, seed=SEED, bad_rate=BAD_RATE)
            yield list(db.session.scalars(select(BadReviewCase).order_by(BadReviewCase.id)))
        finally:
            db.session.remove()
            db.session_factory.configure(bind=None, join_transaction_mode="conditional_savepoint")
            outer.rollback()
            connection.close()


@pytest.fixture
def clock(app, cases):
    return app.extensions["clock"]


def _tasks(*conditions) -> list[CaseTask]:
    return list(db.session.scalars(select(CaseTask).where(*conditions).order_by(CaseTask.id)))


def _age(case: BadReviewCase, clock) -> int:
    return get_calendar().get_working_days_delta(to_local(case.received_at).date(), to_local(clock.now()).date())


def test_cases_end_closed_not_adopted_and_open_in_many_stages(cases, clock):
    statuses = Counter(c.status for c in cases)
    assert statuses[CaseStatus.closed] > statuses[CaseStatus.not_adopted] > 0
    old = [c for c in cases if _age(c, clock) >= 20]
    assert old and sum(c.status != CaseStatus.open for c in old) >= 0.9 * len(old)
    for case in cases:
        assert (case.closed_at is None) == (case.status == CaseStatus.open)
        assert case.evaluation.adopted == (case.status != CaseStatus.not_adopted)
        assert (case.stage is None) == (case.status != CaseStatus.open)
    stages = {c.stage for c in cases if c.status == CaseStatus.open}
    assert len(stages) >= 4 and "签收响应" in stages


def test_every_path_of_the_model_is_taken(cases):
    completed = _tasks(CaseTask.state == TaskState.completed)
    decisions = Counter((t.bpmn_id, str(t.submitted.get("decision", t.submitted.get("action")))) for t in completed)
    for step in [("appeal_review", "upheld"), ("appeal_review", "rejected"), ("confirm_invalid", "confirmed"),
                 ("approve_extension", "approved"), ("rectify", "request_extension"), ("close_out", "None")]:
        assert decisions[step], step
    categories = Counter(t.submitted["category"] for t in completed if t.bpmn_id == "classify")
    assert categories["general"] > categories["simple"] > 0 and categories["complex"] > 0
    visits = Counter(t.submitted.get("satisfaction") for t in completed if t.bpmn_id == "return_visit")
    assert visits["satisfied"] > visits["unsatisfied"] > 0
    closed_overdue = [c for c in cases if c.status == CaseStatus.closed and c.overdue]
    assert closed_overdue, "a case rectified only after a supervision order"
    reminders = db.session.scalars(select(Notification).where(Notification.kind == "rectify_reminder")).all()
    assert reminders, "reminders before the rectification deadline"


def test_an_overdue_case_waits_for_its_supervision_order(cases):
    waiting = [t for t in _tasks(CaseTask.state == TaskState.open, CaseTask.bpmn_id == "supervise")]
    assert waiting and all(t.case.overdue for t in waiting)
    assert all(t.case.due_at < t.opened_at for t in waiting if t.case.due_at)  # rectify is past its deadline


def test_every_open_task_sits_at_the_unit_its_lane_requires(cases):
    for task in _tasks(CaseTask.state == TaskState.open):
        case = task.case
        if task.bpmn_id == "consult":
            classify = _tasks(CaseTask.case_id == case.id, CaseTask.bpmn_id == "classify")[-1]
            assert task.org_unit.code in classify.submitted["co_departments"]
            assert task.org_unit.parent is case.responsible_org.parent  # the same county
        elif task.lane == "department":
            assert task.org_unit is case.responsible_org
        else:
            assert task.lane == "supervision" and task.org_unit is supervision_office_for(case.responsible_org)
            assert case.responsible_org.is_within(task.org_unit.supervises)


def test_tasks_are_completed_by_their_unit_in_office_hours_after_they_opened(cases, clock):
    calendar = get_calendar()
    for task in _tasks(CaseTask.state == TaskState.completed):
        worker = task.completed_by
        assert worker.org_unit is task.org_unit and {str(r) for r in worker.roles} & set(task.roles)
        assert task.opened_at < task.closed_at <= clock.now()
        local = to_local(task.closed_at)
        assert calendar.is_working_day(local.date()) and time(8, 30) <= local.time() <= time(17, 30)
        if task.bpmn_id == "appeal_recheck":
            assert {str(r) for r in worker.roles} == {"supervisor_lead"}


def test_the_audit_chain_verifies_after_the_lifecycle(cases):
    assert sealed_chain().ok
