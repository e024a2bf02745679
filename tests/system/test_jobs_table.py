"""The scheduler's job table: every job imports what it names and runs once on an empty database without error."""
from __future__ import annotations

import logging

import pytest

from app.jobs import JOBS, run_job, start_scheduler


@pytest.mark.parametrize("job", JOBS, ids=[job.id for job in JOBS])
def test_each_job_runs_once_on_an_empty_database_without_error(app, job, caplog):
    with caplog.at_level(logging.WARNING):
        run_job(app, job)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, failures[0].exc_text if failures[0].exc_text else failures[0].getMessage()


def test_job_ids_are_unique_and_each_has_a_description():
    assert len({job.id for job in JOBS}) == len(JOBS)
    assert all(job.description for job in JOBS)


def test_the_scheduler_takes_every_job_of_the_table(app):
    scheduler = start_scheduler(app)
    try:
        assert {job.id for job in scheduler.get_jobs()} == {job.id for job in JOBS}
    finally:
        scheduler.shutdown(wait=False)
        app.extensions.pop("scheduler", None)
