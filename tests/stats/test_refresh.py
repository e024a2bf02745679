"""The refresh of the daily counts: done by the job and the CLI only, batch by batch with its progress kept,
one run at a time; closing a month waits for a pending rebuild."""
from __future__ import annotations

from datetime import timedelta

from app.db import db
from app.stats import refresh
from app.stats.models import StatsRefreshState


def _state() -> StatsRefreshState:
    return db.session.get(StatsRefreshState, 1, populate_existing=True)


def test_a_full_rebuild_commits_batch_by_batch_and_reports_its_progress(november):
    commits, progress = [], []
    days = refresh.run_to_completion(lambda: commits.append(_state().rebuild_done), full=True, batch=2,
                                     progress=progress.append)
    assert days == sum(progress) == len(progress) * 2 - (days % 2)
    assert commits[0] == 0 and commits[1:-1] == sorted(commits[1:-1]) and commits[-1] == days
    current = refresh.freshness()
    assert not current.running and not current.pending_rebuild and current.done == current.total == days


def test_only_one_run_at_a_time_and_a_stalled_run_is_taken_over(november, clock):
    state = _state()
    state.audit_seq, state.rebuild_started_at = 0, clock.now() - timedelta(minutes=3)
    db.session.commit()
    assert refresh.plan() is None  # another process is rebuilding
    assert refresh.freshness().running

    clock.advance(minutes=10)  # no progress for longer than the lease
    run = refresh.plan()
    assert run is not None and run.full and run.days


def test_closing_a_month_waits_while_every_day_is_to_be_rebuilt(client, world, november, clock):
    from tests.stats.conftest import local

    clock.set(local(2026, 12, 2, 9, 0))
    _state().audit_seq = 0
    db.session.commit()
    response = client.post("/api/v1/stats/snapshots", json={"org_code": "A", "month": "2026-11"},
                           headers=world.headers("sup_lead_a"))
    assert response.status_code == 409
    assert "统计汇总等待重建" in response.json["error"]["message"]
    refresh.run_to_completion(db.session.commit)
    assert client.post("/api/v1/stats/snapshots", json={"org_code": "A", "month": "2026-11"},
                       headers=world.headers("sup_lead_a")).status_code == 201
