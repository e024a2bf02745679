"""One calendar for every process: the years stored through the upload page or `calendar load` reach the
commands and the scheduler too, and loading a year settles every provisional deadline — also one whose
date stays the same."""
from __future__ import annotations

from datetime import UTC

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app import jobs, migrate
from app.audit.models import AuditEvent
from app.calendar import DEFAULT_CALENDAR_DIR, WorkingDayCalendar
from app.cli import main
from app.db import db
from app.policy import calendar_years as uploads
from app.policy.models import CalendarYear
from tests.conftest import throwaway_database
from tests.fixtures.lifecycle import local

# 1 January off as the fallback rule already assumes, and a (fictional) Spring Festival week in February:
# a deadline in early January computed on the fallback rule keeps its date.
QUIET_2027 = """year: 2027
notice:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
  doc: 国办发明电〔2026〕98号
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2027-02-08, name: 春节}
  - {date: 2027-02-09, name: 春节}
workdays: []
"""
# 4 January off too: the same deadline moves by one working day.
MOVING_2027 = QUIET_2027.replace("  - {date: 2027-02-08", "  - {date: 2027-01-04, name: 元旦}\n  - {date: 2027-02-08")


@pytest.fixture
def own_calendar(app):
    """A private copy of the shipped calendar for this test (loading 2027 must not leak into other tests)."""
    shared = app.extensions["calendar"]
    app.extensions["calendar"] = WorkingDayCalendar.from_directory(DEFAULT_CALENDAR_DIR)
    app.extensions.pop("policy_calendar_checksums", None)
    app.extensions.pop("policy_calendar_refresh", None)
    yield app.extensions["calendar"]
    app.extensions["calendar"] = shared
    app.extensions.pop("policy_calendar_checksums", None)
    app.extensions.pop("policy_calendar_refresh", None)


def _general_case_due_in_january(open_case):
    case = open_case(at=local(2026, 12, 28, 9, 0))  # Monday
    case.accept_and_classify("general")
    rectify = case.task("rectify")
    assert rectify.due_at == local(2027, 1, 6, 0, 0).astimezone(UTC) and rectify.due_provisional
    return case


def test_a_provisional_deadline_that_keeps_its_date_is_confirmed_when_the_year_is_loaded(open_case, own_calendar):
    case = _general_case_due_in_january(open_case)

    summary = uploads.load_year(QUIET_2027, source="2027.yaml", actor="policy_c")

    rectify = case.task("rectify")
    assert rectify.due_at == local(2027, 1, 6, 0, 0).astimezone(UTC)
    assert rectify.due_provisional is False
    assert case.case.due_provisional is False
    assert summary["deadlines_moved"] == 0
    confirmed = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == str(case.case_id),
                                                            AuditEvent.action == "deadline.confirmed")).all()
    assert [e.payload["task"] for e in confirmed] == ["rectify"]


def test_the_scheduler_recomputes_cases_another_worker_opened_on_its_older_calendar(open_case, own_calendar):
    case = _general_case_due_in_january(open_case)
    # Another process stored the year; this process's calendar has not seen it yet.
    raw, data = uploads.parse_upload(MOVING_2027, source="2027.yaml")
    db.session.add(CalendarYear(year=2027, notice_title=data.notice.title, notice_reference=data.notice.doc,
                                data=raw, checksum="stored-elsewhere", source="2027.yaml",
                                loaded_at=local(2026, 12, 28, 10, 0), loaded_by="policy_c"))
    db.session.commit()
    assert 2027 not in own_calendar.loaded_years

    jobs._case_timers()

    assert 2027 in own_calendar.loaded_years
    rectify = case.task("rectify")
    assert rectify.due_at == local(2027, 1, 7, 0, 0).astimezone(UTC)
    assert rectify.due_provisional is False


@pytest.mark.no_transaction
def test_every_command_reads_the_years_stored_by_another_process(tmp_path, monkeypatch):
    with throwaway_database(tmp_path) as url:
        migrate.upgrade(url)
        monkeypatch.setenv("HCP_DATABASE_URL", url)
        monkeypatch.setenv("HCP_ENV", "testing")
        upload = tmp_path / "uploads" / "2027.yaml"  # outside calendars/, as the upload page stores it
        upload.parent.mkdir()
        upload.write_text(QUIET_2027, encoding="utf-8")
        runner = CliRunner()

        before = runner.invoke(main, ["calendar", "status", "--today", "2026-12-07"])
        loaded = runner.invoke(main, ["calendar", "load", str(upload)])
        after = runner.invoke(main, ["calendar", "status", "--today", "2026-12-07"])  # a new process
        deadline = runner.invoke(main, ["calendar", "deadline", "2027-02-05", "1"])

    assert before.exit_code == 0 and "missing years: 2027" in before.output
    assert loaded.exit_code == 0, loaded.output
    assert after.exit_code == 0, after.output
    assert "2027  国办发明电〔2026〕98号" in after.output
    assert "missing years: 2027" not in after.output and "WARNING" not in after.output
    assert deadline.exit_code == 0, deadline.output
    assert "2027-02-10" in deadline.output and "provisional" not in deadline.output.lower()
