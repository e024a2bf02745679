"""Bringing the daily counts up to date, and saying how fresh they are.

Only the scheduled job and `haochaping stats rebuild` refresh; every page and API answer reads the counts as of
the last refresh and shows that time (``freshness``). A run is planned under the state row's lock, then its days
are rebuilt in batches, each committed by the caller so the progress is visible while a long rebuild runs
(a full rebuild after an upgrade or a bulk load takes minutes at a million evaluations). A run that stops
half-way leaves the watermark where it was; after ``LEASE`` another run starts over.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.clock import now
from app.db import db
from app.errors import ConflictError
from app.stats import daily
from app.stats.models import StatsRefreshState

LEASE = timedelta(minutes=10)  # a run that has not reported progress for this long is taken over


@dataclass
class Run:
    """The work of one refresh: the days to rebuild and the audit event they bring the counts up to."""

    days: list[date]
    upto: int
    full: bool
    bounds: tuple[date, date] | None = None

    def batches(self, size: int) -> Iterator[list[date]]:
        for start in range(0, len(self.days), size):
            yield self.days[start:start + size]


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None  # when the counts were last brought up to date
    running: bool  # a refresh is rebuilding days now
    pending_rebuild: bool  # every day must be rebuilt (after an upgrade) and no run has started yet
    done: int = 0
    total: int = 0


def _state(*, lock: bool = False) -> StatsRefreshState:
    state = db.session.get(StatsRefreshState, 1, with_for_update=lock, populate_existing=lock)
    if state is None:
        state = StatsRefreshState(id=1, audit_seq=0)
        db.session.add(state)
        db.session.flush()
    return state


def _running(state: StatsRefreshState) -> bool:
    return state.rebuild_started_at is not None and now() - state.rebuild_started_at < LEASE


def plan(*, full: bool = False) -> Run | None:
    """The next run, with its progress recorded; None when the counts are current or another run is busy."""
    last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    state = _state(lock=True)
    if _running(state):
        return None
    if full:
        state.audit_seq = 0
    if state.audit_seq and state.audit_seq >= last and not daily.has_unsealed_changes():
        return None
    if state.audit_seq == 0:
        bounds = daily.days_with_service_cases()
        days = [] if bounds is None else [bounds[0] + timedelta(days=n)
                                          for n in range((bounds[1] - bounds[0]).days + 1)]
        run = Run(days, last, True, bounds)
    else:
        run = Run(sorted(daily.changed_days(state.audit_seq, last)), last, False)
    state.rebuild_total, state.rebuild_done, state.rebuild_started_at = len(run.days), 0, now()
    db.session.flush()
    return run


def rebuild(run: Run, days: list[date]) -> None:
    """Rebuilds one batch of the run's days and records the progress."""
    daily.rebuild_days(set(days))
    state = _state()
    state.rebuild_done = (state.rebuild_done or 0) + len(days)
    state.rebuild_started_at = now()
    db.session.flush()


def finish(run: Run) -> None:
    if run.full:
        daily.delete_outside(run.bounds)
    state = _state()
    state.audit_seq, state.refreshed_at, state.rebuild_started_at = run.upto, now(), None
    db.session.flush()


def catch_up() -> None:
    """For a write that freezes figures (closing or correcting a month): brings the counts up to date in the
    caller's transaction. Refused while every day must be rebuilt: that is the job's work, minutes long."""
    current = freshness()
    if current.running or current.pending_rebuild:
        raise ConflictError(_busy_message(current) + "，完成后才能结账或更正")
    run = plan()
    if run is None:
        return
    if run.full:
        raise ConflictError("统计汇总需要全部重建，完成后才能结账或更正")
    rebuild(run, run.days)
    finish(run)


def _busy_message(current: Freshness) -> str:
    if current.running:
        return f"统计汇总正在重建（已完成 {current.done} / {current.total} 天）"
    return "统计汇总等待重建"


def freshness() -> Freshness:
    state = db.session.get(StatsRefreshState, 1)
    if state is None:
        return Freshness(None, False, True)
    running = _running(state)
    return Freshness(state.refreshed_at, running, state.audit_seq == 0 and not running,
                     state.rebuild_done or 0, state.rebuild_total or 0)


def run_to_completion(commit: Callable[[], None], *, full: bool = False, batch: int = 31,
                      progress: Callable[[int], None] | None = None) -> int:
    """Plans and runs a refresh. The caller (the job, the CLI) owns the transaction: ``commit`` is called after
    the plan and after each batch, so the progress is visible; ``progress(days)`` follows each batch.
    Returns the number of days rebuilt (0 when nothing was to do)."""
    run = plan(full=full)
    if run is None:
        return 0
    commit()
    for days in run.batches(batch):
        rebuild(run, days)
        commit()
        if progress:
            progress(len(days))
    finish(run)
    commit()
    return len(run.days)
