"""Keeping the daily counts equal to the raw tables by following the audit chain.

Every change that moves a count is audited in the same transaction (``service_case.*``, ``evaluation.*``:
received, defaulted, not adopted …; ``case`` events: a task done, a deadline's timer firing). Committed events
wait unsealed (no seq) until the audit sequencer gives them gap-free seq numbers in sealing order, so every seq
becomes visible before a later one. The sealed events after the stored watermark plus the events not sealed yet
therefore cover everything that changed since the last refresh (an event sealed while a refresh runs lies above
the watermark it records); the local days of the service cases they touch are rebuilt from the raw rows.
``app.stats.refresh`` decides which days and records the progress; readers never refresh, they read the counts
as of the last refresh. The hot-spot counts (``app.stats.hotspot_daily``) are rebuilt in the same pass.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, and_, case, delete, func, insert, literal, or_, select, update

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase
from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation, EvaluationSource
from app.service_case.models import ServiceCase
from app.settings import LOCAL_TZ, to_local
from app.stats import cases, hotspot_daily
from app.stats.indicators import BAD_LEVELS, CASE_FIELDS
from app.stats.models import CASE_COLUMNS, LEVEL_COLUMNS, StatsDaily

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


def days_with_service_cases() -> tuple[date, date] | None:
    """The first and last local day on which a service case was finished (None when there are none)."""
    first, last = db.session.execute(select(func.min(ServiceCase.finished_at),
                                            func.max(ServiceCase.finished_at))).one()
    if first is None:
        return None
    return to_local(first).date(), to_local(last).date()


def delete_outside(bounds: tuple[date, date] | None) -> None:
    """Drops the rows of days without service cases (after a full rebuild)."""
    if bounds is None:
        db.session.execute(delete(StatsDaily))
        hotspot_daily.delete_all()
        return
    db.session.execute(delete(StatsDaily).where(or_(StatsDaily.day < bounds[0], StatsDaily.day > bounds[1])))
    hotspot_daily.delete_outside(*bounds)


def has_unsealed_changes() -> bool:
    """Whether events that may move a count wait to be sealed (they are not above any watermark yet)."""
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.seq.is_(None), AuditEvent.subject_type.in_(WATCHED_SUBJECTS)).limit(1)) is not None


def changed_days(after: int, upto: int) -> set[date]:
    """The days touched by the sealed events ``after`` < seq <= ``upto`` and by the events not sealed yet."""
    events = db.session.execute(select(AuditEvent.subject_type, AuditEvent.subject_id).where(
        or_(and_(AuditEvent.seq > after, AuditEvent.seq <= upto), AuditEvent.seq.is_(None)),
        AuditEvent.subject_type.in_(WATCHED_SUBJECTS))).all()
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
