"""Keeping the daily counts equal to the raw tables by following the audit chain.

Every change that moves a count is audited in the same transaction (``service_case.*``, ``evaluation.*``:
received, defaulted, not adopted …; ``case`` events: a task done, a deadline's timer firing), and the audit
sequence is gap-free and written in commit order. So the events after the stored watermark are exactly what
changed since the last refresh; the local days of the service cases they touch are rebuilt from the raw rows.
Readers call ``ensure_fresh`` first, and a job runs it every minute so readers rarely find work to do. Data
written without an audit event (a bulk load) needs ``rebuild_all``. The hot-spot counts
(``app.stats.hotspot_daily``) are rebuilt in the same pass, for the same days.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, and_, case, delete, func, insert, literal, select, update

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation, EvaluationSource
from app.service_case.models import ServiceCase
from app.settings import LOCAL_TZ, to_local
from app.stats import cases, hotspot_daily
from app.stats.indicators import BAD_LEVELS, CASE_FIELDS
from app.stats.models import CASE_COLUMNS, LEVEL_COLUMNS, StatsDaily, StatsRefreshState

VALUE_COLUMNS = ("finished", *LEVEL_COLUMNS, "not_adopted", "not_adopted_bad")
WATCHED_SUBJECTS = ("service_case", "evaluation", "case")
_CHUNK = 500


def raw_value_columns() -> list:
    """The counted columns over ``service_case LEFT JOIN evaluation``, named as ``VALUE_COLUMNS``."""
    adopted = Evaluation.adopted.is_(True)
    columns = [func.count(ServiceCase.id).label("finished")]
    for name in LEVEL_COLUMNS:
        source, level = name.split("_")
        condition = and_(adopted, Evaluation.source == EvaluationSource(source), Evaluation.level == int(level))
        columns.append(_count_if(condition).label(name))
    not_adopted = Evaluation.adopted.is_(False)
    columns.append(_count_if(not_adopted).label("not_adopted"))
    columns.append(_count_if(and_(not_adopted, Evaluation.level.in_(BAD_LEVELS))).label("not_adopted_bad"))
    return columns


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def rebuild_day(day: date) -> None:
    rebuild_days({day})


def rebuild_days(days: set[date]) -> None:
    """Rebuilds each day, then the hot-spot month rows of their months (once per month, not per day)."""
    for day in sorted(days):
        _rebuild_one(day)
    hotspot_daily.roll_up({hotspot_daily.first_of_month(day) for day in days})


def _rebuild_one(day: date) -> None:
    start = datetime.combine(day, time(0), LOCAL_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)
    db.session.execute(delete(StatsDaily).where(StatsDaily.day == day))
    keys = (ServiceCase.org_unit_id, ServiceCase.window_id, Evaluation.channel)
    query = (select(literal(day, Date()), *keys, *raw_value_columns())
             .select_from(ServiceCase).outerjoin(Evaluation, Evaluation.service_case_id == ServiceCase.id)
             .where(ServiceCase.finished_at >= start, ServiceCase.finished_at < end).group_by(*keys))
    db.session.execute(insert(StatsDaily).from_select(["day", "org_unit_id", "window_id", "channel",
                                                       *VALUE_COLUMNS], query))
    within = [ServiceCase.finished_at >= start, ServiceCase.finished_at < end]
    for (org_unit_id, window_id, channel), figures in cases.figures_by_key(within, as_of=now()).items():
        db.session.execute(update(StatsDaily).where(
            StatsDaily.day == day, StatsDaily.org_unit_id == org_unit_id, StatsDaily.channel == channel,
            StatsDaily.window_id.is_not_distinct_from(window_id),
        ).values({column: getattr(figures, field) for column, field in zip(CASE_COLUMNS, CASE_FIELDS, strict=True)}))
    hotspot_daily.rebuild_day(day, within)


def rebuild_all() -> int:
    """Rebuilds every day that has finished service cases; returns the number of days."""
    db.session.execute(delete(StatsDaily))
    hotspot_daily.delete_all()
    first, last = db.session.execute(select(func.min(ServiceCase.finished_at),
                                            func.max(ServiceCase.finished_at))).one()
    days: set[date] = set()
    if first is not None:
        day, last_day = to_local(first).date(), to_local(last).date()
        days = {day + timedelta(days=n) for n in range((last_day - day).days + 1)}
    rebuild_days(days)
    _mark(db.session.scalar(select(func.max(AuditEvent.seq))) or 0)
    return len(days)


def ensure_fresh() -> int:
    """Brings the daily counts up to the last committed audit event; returns the number of days rebuilt."""
    last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    state = db.session.get(StatsRefreshState, 1)
    if state is not None and state.audit_seq >= last:
        return 0
    state = db.session.get(StatsRefreshState, 1, with_for_update=True, populate_existing=True)
    if state is None or state.audit_seq == 0:
        return rebuild_all()
    if state.audit_seq >= last:
        return 0
    days = _changed_days(state.audit_seq, last)
    rebuild_days(days)
    _mark(last)
    return len(days)


def _mark(seq: int) -> None:
    state = db.session.get(StatsRefreshState, 1)
    if state is None:
        state = StatsRefreshState(id=1)
        db.session.add(state)
    state.audit_seq, state.refreshed_at = seq, now()
    db.session.flush()


def _changed_days(after: int, upto: int) -> set[date]:
    events = db.session.execute(select(AuditEvent.subject_type, AuditEvent.subject_id).where(
        AuditEvent.seq > after, AuditEvent.seq <= upto, AuditEvent.subject_type.in_(WATCHED_SUBJECTS))).all()
    ids: dict[str, set[int]] = {kind: set() for kind in WATCHED_SUBJECTS}
    for kind, subject_id in events:
        if subject_id.isdigit():
            ids[kind].add(int(subject_id))
    finished: list[datetime | None] = []
    for chunk in _chunks(ids["service_case"]):
        finished += db.session.scalars(select(ServiceCase.finished_at).where(ServiceCase.id.in_(chunk)))
    for chunk in _chunks(ids["evaluation"]):
        finished += db.session.scalars(select(ServiceCase.finished_at).join(
            Evaluation, Evaluation.service_case_id == ServiceCase.id).where(Evaluation.id.in_(chunk)))
    for chunk in _chunks(ids["case"]):
        finished += db.session.scalars(select(ServiceCase.finished_at).join(
            Evaluation, Evaluation.service_case_id == ServiceCase.id).join(
            BadReviewCase, BadReviewCase.evaluation_id == Evaluation.id).where(BadReviewCase.id.in_(chunk)))
    return {to_local(moment).date() for moment in finished if moment is not None}


def _chunks(values: set[int]):
    ordered = sorted(values)
    for i in range(0, len(ordered), _CHUNK):
        yield ordered[i:i + _CHUNK]
