"""Deadlines in a year without official data are provisional, and recomputed once that year is loaded."""
from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calendar import DEFAULT_CALENDAR_DIR, WorkingDayCalendar
from app.case import recompute
from app.case.models import CaseTimer
from app.db import db
from tests.fixtures.lifecycle import local

YEAR_2027 = {
    "year": 2027,
    "notice": {"title": "国务院办公厅关于2027年部分节假日安排的通知（测试用）", "doc": None, "issued": "2026-11-10",
               "gov_cn": []},
    # 1 January plus a (fictional) 4 January off: enough to move a deadline set on the fallback rule.
    "holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-01-04", "name": "元旦"}],
    "workdays": [],
}


@pytest.fixture
def own_calendar(app):
    """A private copy of the calendar, so loading 2027 here does not leak into other tests."""
    shared = app.extensions["calendar"]
    app.extensions["calendar"] = WorkingDayCalendar.from_directory(DEFAULT_CALENDAR_DIR)
    yield app.extensions["calendar"]
    app.extensions["calendar"] = shared


def test_a_deadline_in_a_year_without_data_is_provisional_then_recomputed(open_case, own_calendar, client, world):
    case = open_case(at=local(2026, 12, 28, 9, 0))  # Monday
    case.accept_and_classify("general")
    rectify = case.task("rectify")
    # fallback rule: 29, 30, 31 December, (1 January off, weekend), 4 and 5 January
    assert rectify.due_at == local(2027, 1, 6, 0, 0).astimezone(UTC)
    assert rectify.due_provisional is True
    assert case.case.due_provisional is True
    listed = client.get("/api/v1/tasks", headers=world.headers("handler_a")).json["items"][0]
    assert listed["due_provisional"] is True

    own_calendar.load_year(YEAR_2027)
    assert recompute.pending_case_ids() == [case.case_id]
    assert recompute.recompute_all(actor="test") >= 1

    rectify = case.task("rectify")
    assert rectify.due_at == local(2027, 1, 7, 0, 0).astimezone(UTC)
    assert rectify.due_provisional is False
    timers = {t.bpmn_id: t.due_at
              for t in db.session.scalars(select(CaseTimer).where(CaseTimer.case_id == case.case_id))}
    assert timers["deadline_timer"] == local(2027, 1, 7, 0, 0).astimezone(UTC)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == str(case.case_id),
                                                         AuditEvent.action == "deadline.recomputed")).all()
    assert events and events[0].payload["to"] == local(2027, 1, 7, 0, 0).astimezone(UTC).isoformat()
    assert recompute.pending_case_ids() == []
