"""Every periodic job in one table, run by APScheduler in one process per machine (`haochaping serve` or
`haochaping scheduler`, see app/server/scheduler_lock.py).

Jobs take no ORM objects: each run pushes an app context, uses its own session and commits itself.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.db import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    id: str
    func: Callable[[], object]
    trigger: BaseTrigger | Callable[[dict], BaseTrigger]  # or made from the app's config when started
    description: str


def for_each_due(due_ids: Callable[[int], list[int]], work: Callable[[int], object], *, what: str,
                 batch: int = 500, stop_on: tuple[type[Exception], ...] = ()) -> int:
    """The per-id job loop: select due ids, one transaction per id, log and continue on error.

    Each id is tried once per run; one whose work fails stays due and is retried by the next run. An exception
    of ``stop_on`` ends the run (a setting makes the work impossible). Returns how many ids' work returned a
    true value (e.g. a timer fired, a rating recorded)."""
    done, seen = 0, set()
    while True:
        ids = [i for i in due_ids(batch) if i not in seen]
        db.session.rollback()  # end the read; each id gets its own transaction
        if not ids:
            return done
        for item in ids:
            seen.add(item)
            try:
                done += bool(work(item))
                db.session.commit()
            except stop_on as err:
                db.session.rollback()
                log.error("%s stopped: %s", what, err)
                return done
            except Exception:
                db.session.rollback()
                log.exception("%s failed for %s; it stays due for the next run", what, item)


def _calendar_coverage() -> None:
    from app.calendar import get_calendar
    from app.clock import now
    from app.settings import to_local

    status = get_calendar().status(today=to_local(now()).date())
    for year in status.missing_years:
        log.warning("working-day calendar has no data for %s: deadlines in it are provisional", year)


def _case_timers() -> str | None:
    from flask import current_app

    from app.case.jobs import fire_due_timers
    from app.case.recompute import recompute_all
    from app.policy import calendar_years as stored_calendar

    if stored_calendar.refresh(current_app._get_current_object(), force=True):  # uploaded by another process
        # The uploading process recomputed what it saw; cases another worker opened on its older calendar
        # in the meantime are caught here.
        recompute_all(actor="scheduler")
        db.session.commit()
    fired = fire_due_timers()
    return f"timers fired in {fired} cases" if fired else None


def _call(path: str) -> Callable[[], object]:
    """A job that imports its function when it runs, so the job table loads no domain modules."""
    module_name, _, name = path.rpartition(".")

    def run() -> object:
        import importlib

        return getattr(importlib.import_module(module_name), name)()

    run.__name__ = name
    return run


def _cron(**fields) -> CronTrigger:
    return CronTrigger(timezone="Asia/Shanghai", **fields)


def _audit_seal_interval(config) -> IntervalTrigger:
    return IntervalTrigger(seconds=config["AUDIT_SEAL_INTERVAL_SECONDS"])


JOBS: tuple[Job, ...] = (
    Job("audit_seal", _call("app.audit.jobs.seal_pending_events"), _audit_seal_interval,
        "Seal waiting audit events into the hash chain, one checkpoint per batch"),
    Job("case_timers", _case_timers, CronTrigger(minute="*", timezone="Asia/Shanghai"),
        "Fire due timers of bad-review cases (reminders, overdue supervision)"),
    Job("calendar_coverage", _calendar_coverage, CronTrigger(hour=8, minute=0, timezone="Asia/Shanghai"),
        "Warn when the current or next year's official holiday arrangement is not loaded"),
    Job("stats_daily", _call("app.stats.jobs.refresh_daily_counts"), _cron(minute="*"),
        "Keep the pre-aggregated daily statistics in step"),
    Job("stats_close_month", _call("app.stats.jobs.close_previous_month"), _cron(hour=3, minute=0),
        "Freeze the previous month's figures once no default rating can change them"),
    Job("evaluation_reminders", _call("app.outreach.jobs.send_evaluation_reminders"), _cron(minute="*/10"),
        "Remind evaluators 24 hours after the service while the supplementary window is open"),
    Job("default_ratings", _call("app.outreach.jobs.apply_default_ratings"), _cron(minute=5),
        "Record default ratings for services left unrated after the configured days"),
    Job("notification_delivery", _call("app.notification.jobs.deliver_notifications"), _cron(minute="*"),
        "Deliver pending notifications with retry and back-off"),
    Job("fraud_signals", _call("app.outreach.jobs.detect_fraud_signals"), _cron(minute=20),
        "Flag suspicious rating patterns for the supervision office"),
    Job("evaluator_points", _call("app.outreach.jobs.award_points"), _cron(minute=40),
        "Award participation points to evaluators"),
    Job("return_visit_samples", _call("app.outreach.jobs.draw_return_visit_samples"), _cron(hour=2, minute=30),
        "Draw the monthly return-visit samples"),
)


def run_job(app, job: Job) -> None:
    """One run of a job in its own app context. Quiet when there was nothing to do: each run is logged at
    DEBUG, work done (a job's non-empty result) at INFO, failures with their traceback."""
    with app.app_context():
        try:
            result = job.func()
            db.session.commit()
            if result:
                log.info("job %s: %s", job.id, result)
            else:
                log.debug("job %s: nothing to do", job.id)
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job.id)
        finally:
            db.session.remove()


def start_scheduler(app) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it announces every run at INFO
    for job in JOBS:
        trigger = job.trigger if isinstance(job.trigger, BaseTrigger) else job.trigger(app.config)
        scheduler.add_job(run_job, trigger, args=(app, job), id=job.id, name=job.description,
                          coalesce=True, max_instances=1, replace_existing=True)
    scheduler.start()
    app.extensions["scheduler"] = scheduler
    log.info("scheduler started with %d jobs", len(JOBS))
    return scheduler
