"""A quiet scheduler: a run with nothing to do is logged at DEBUG only, work done at INFO, a failure with its
traceback, and the next run still happens."""
from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger

from app import jobs


def _job(func) -> jobs.Job:
    return jobs.Job("probe", func, CronTrigger(minute="*"), "probe")


def test_a_run_with_nothing_to_do_says_nothing_at_info(app, caplog):
    with caplog.at_level(logging.INFO, logger="app.jobs"):
        jobs.run_job(app, _job(lambda: 0))
    assert caplog.records == []


def test_work_done_is_logged_at_info_and_a_failure_with_its_traceback(app, caplog):
    def fails():
        raise RuntimeError("sender unreachable")

    with caplog.at_level(logging.INFO, logger="app.jobs"):
        jobs.run_job(app, _job(lambda: "timers fired in 3 cases"))
        jobs.run_job(app, _job(fails))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "job probe: timers fired in 3 cases"), ("ERROR", "job probe failed")]
    assert caplog.records[1].exc_info[1].args == ("sender unreachable",)
