"""Reminders, the supplementary window and default ratings, with the clock moved."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase
from app.db import db
from app.evaluation import service as evaluation_service
from app.evaluation.models import Evaluation
from app.notification.models import Notification
from app.outreach import jobs as outreach_jobs
from app.outreach import options
from app.outreach.models import EvaluationReminder
from app.outreach.window import closed_message, default_due_at, supplementary_window_closed, window_closes_at
from app.user.principal import Principal
from app.user.service import get_by_username
from tests.stats.conftest import local


@pytest.fixture
def finished_at(make_service_case, clock):
    """A service case finished at a given local time (the clock is put back where it was)."""

    def make(moment, **kwargs):
        return make_service_case(finished_ago=clock.now() - moment.astimezone(UTC), **kwargs)

    return make


def _reminders() -> int:
    return db.session.scalar(select(func.count(EvaluationReminder.id)))


def test_a_service_without_evaluation_gets_one_reminder_24_hours_after_it_finished(finished_at, clock):
    case = finished_at(local(2026, 11, 19, 11, 0))  # 23 hours before the test's now
    assert outreach_jobs.send_evaluation_reminders() == 0
    clock.advance(hours=1)
    assert outreach_jobs.send_evaluation_reminders() == 1
    assert outreach_jobs.send_evaluation_reminders() == 0  # once
    clock.advance(days=2)
    assert outreach_jobs.send_evaluation_reminders() == 0
    reminder = db.session.scalar(select(EvaluationReminder))
    assert reminder.service_case_id == case.id
    notification = db.session.get(Notification, reminder.notification_id)
    assert (notification.kind, str(notification.status)) == ("evaluation_reminder", "pending")
    assert notification.payload["channel"] == "sms"
    assert "13912345678" not in str(notification.payload)  # the number is looked up only when sending
    assert reminder.window_closes_at == local(2026, 11, 27, 0, 0)  # 5 working days: 20, 23, 24, 25, 26 Nov
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.subject_type == "notification")) \
        == "evaluation.reminder_queued"


def test_no_reminder_for_an_evaluated_service_or_after_the_window(finished_at, clock):
    evaluated = finished_at(local(2026, 11, 18, 9, 0))
    evaluation_service.create({"service_case_no": evaluated.case_no, "level": 5, "channel": "web",
                               "real_name": True, "evaluated_at": clock.now()},
                              principal=Principal.for_user(get_by_username("client_c")))
    finished_at(local(2026, 11, 10, 9, 0))  # its window ended with 17 November
    db.session.commit()
    assert outreach_jobs.send_evaluation_reminders() == 0
    assert _reminders() == 0


@pytest.mark.parametrize(("finished", "closes"), [
    (local(2026, 11, 20, 10, 0), local(2026, 11, 28, 0, 0)),  # 23–27 November
    (local(2026, 9, 30, 10, 0), local(2026, 10, 14, 0, 0)),  # golden week; Saturday 10 October is worked
])
def test_the_supplementary_window_is_five_working_days_from_the_service_day(finished_at, finished, closes):
    case = finished_at(finished)
    assert window_closes_at(case) == closes
    assert not supplementary_window_closed(case, closes - timedelta(seconds=1))
    assert supplementary_window_closed(case, closes)
    assert "5 个工作日" in closed_message()


def test_the_default_rating_comes_after_seven_days_and_never_while_the_window_is_open(fujian, finished_at, clock):
    case = finished_at(local(2026, 11, 12, 9, 0))  # Thursday; its window ends with Thursday 19 November
    assert default_due_at(case) == local(2026, 11, 20, 0, 0)
    clock.set(local(2026, 11, 19, 23, 0))
    assert outreach_jobs.apply_default_ratings() == 0
    clock.set(local(2026, 11, 20, 0, 0))
    assert outreach_jobs.apply_default_ratings() == 1
    assert outreach_jobs.apply_default_ratings() == 0  # never twice
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.service_case_id == case.id))
    assert (evaluation.level, str(evaluation.source), evaluation.adopted, evaluation.is_bad) == (4, "default", True,
                                                                                                 False)
    assert evaluation.evaluated_at == local(2026, 11, 20, 0, 0)
    assert db.session.scalar(select(BadReviewCase.id)) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.defaulted"))
    assert event.payload["level"] == 4


def test_a_golden_week_service_defaults_only_after_its_window(fujian, finished_at):
    case = finished_at(local(2026, 9, 30, 10, 0))
    assert default_due_at(case) == local(2026, 10, 14, 0, 0)  # not 7 October 10:00


def test_the_guangdong_profile_defaults_to_basically_satisfied(app, monkeypatch, finished_at, clock):
    monkeypatch.setitem(app.config, "POLICY_PROFILE", "guangdong")
    finished_at(local(2026, 11, 1, 9, 0))
    assert outreach_jobs.apply_default_ratings() == 1
    assert db.session.scalar(select(Evaluation.level)) == 3


def test_a_profile_asking_for_a_bad_default_is_refused(fujian, monkeypatch, finished_at):
    monkeypatch.setattr(options, "default_rating", lambda: options.DefaultRating(after_days=7, level=2))
    finished_at(local(2026, 11, 1, 9, 0))
    assert outreach_jobs.apply_default_ratings() == 0
    assert db.session.scalar(select(func.count(Evaluation.id))) == 0


def test_a_default_rating_counts_as_evaluated_but_not_as_active(fujian, finished_at, world):
    from datetime import date

    from app.stats import counts
    from app.stats.filters import StatsFilter
    from app.stats.jobs import refresh_daily_counts

    finished_at(local(2026, 11, 1, 9, 0))
    outreach_jobs.apply_default_ratings()
    refresh_daily_counts()
    tally = counts.tally(StatsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30), roots=(world.units["A"],)))
    assert (tally.finished, tally.evaluated, tally.active_total) == (1, 1, 0)
