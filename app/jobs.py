"""Every periodic job in one table, run by APScheduler inside `haochaping serve`.

Jobs take no ORM objects: each run pushes an app context, uses its own session and commits itself.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from app.db import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[], None]
    trigger: CronTrigger
    description: str


def _calendar_coverage() -> None:
    from app.calendar import get_calendar
    from app.clock import now
    from app.settings import to_local

    status = get_calendar().status(today=to_local(now()).date())
    for year in status.missing_years:
        log.warning("working-day calendar has no data for %s: deadlines in it are provisional", year)


def _case_timers() -> None:
    from app.case.jobs import fire_due_timers

    fire_due_timers()


JOBS: tuple[Job, ...] = (
    Job("case_timers", _case_timers, CronTrigger(minute="*", timezone="Asia/Shanghai"),
        "Fire due timers of bad-review cases (reminders, overdue supervision)"),
    Job("calendar_coverage", _calendar_coverage, CronTrigger(hour=8, minute=0, timezone="Asia/Shanghai"),
        "Warn when the current or next year's official holiday arrangement is not loaded"),
)


def run_job(app, job: Job) -> None:
    with app.app_context():
        try:
            job.func()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job.id)
        finally:
            db.session.remove()


def start_scheduler(app) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(run_job, job.trigger, args=(app, job), id=job.id, name=job.description,
                          coalesce=True, max_instances=1, replace_existing=True)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    log.info("scheduler started with %d jobs", len(JOBS))
    return scheduler
