"""Keeping the hot-spot counts (``StatsHotspot``, ``StatsHotspotReason``) equal to the raw tables.

``app.stats.daily`` calls ``rebuild_day`` for every local day it rebuilds and then ``roll_up`` for the months of
those days, so both tables follow the audit chain exactly as the daily counts do. Counted per dimension rather
than per (item, department, window, staff) combination: that product is as large as the raw rows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, and_, case, delete, func, insert, literal, or_, select

from app.case.models import BadReviewCase, CaseStatus
from app.db import db
from app.evaluation.models import Evaluation
from app.service_case.models import ServiceCase
from app.stats.indicators import BAD_LEVELS, GOOD_LEVELS
from app.stats.models import StatsHotspot, StatsHotspotReason
from app.task.models import CaseTask, TaskState

DAY, MONTH = "day", "month"
COUNTED = ("evaluated", "bad", "good", "bad_reviews")
KEYS = ("dimension", "key_id", "org_unit_id", "window_id", "channel")


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    row_key: str  # attribute of CaseRow
    column: object  # ServiceCase column


DIMENSIONS = (
    Dimension("item", "事项", "item_id", ServiceCase.item_id),
    Dimension("department", "办理单位", "org_unit_id", ServiceCase.org_unit_id),
    Dimension("window", "窗口", "window_id", ServiceCase.window_id),
    Dimension("staff", "工作人员", "staff_id", ServiceCase.staff_id),
)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def _last_of_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def covering(start: date, end: date):
    """SQL on ``StatsHotspot``: the rows that add up to exactly the days ``start``–``end``: month rows for
    the whole calendar months inside, day rows for the days left over at either end."""
    months: list[date] = []
    day = start if start.day == 1 else _last_of_month(start) + timedelta(days=1)
    while _last_of_month(day) <= end:
        months.append(day)
        day = _last_of_month(day) + timedelta(days=1)
    if not months:
        return and_(StatsHotspot.span == DAY, StatsHotspot.day.between(start, end))
    parts = [and_(StatsHotspot.span == MONTH, StatsHotspot.day.in_(months))]
    if start < months[0]:
        parts.append(and_(StatsHotspot.span == DAY, StatsHotspot.day.between(start, months[0] - timedelta(days=1))))
    if day <= end:
        parts.append(and_(StatsHotspot.span == DAY, StatsHotspot.day.between(day, end)))
    return or_(*parts)


def _every_dimension():
    """Names the dimensions so the index on (dimension, span, day) serves a question on days alone."""
    return StatsHotspot.dimension.in_([d.code for d in DIMENSIONS])


def delete_all() -> None:
    db.session.execute(delete(StatsHotspot))
    db.session.execute(delete(StatsHotspotReason))


def delete_outside(first: date, last: date) -> None:
    """Drops day and month rows outside ``first`` … ``last`` (months are kept when they overlap)."""
    db.session.execute(delete(StatsHotspot).where(or_(
        and_(StatsHotspot.span == DAY, or_(StatsHotspot.day < first, StatsHotspot.day > last)),
        and_(StatsHotspot.span == MONTH, or_(StatsHotspot.day < first_of_month(first), StatsHotspot.day > last)))))
    db.session.execute(delete(StatsHotspotReason).where(or_(StatsHotspotReason.day < first,
                                                            StatsHotspotReason.day > last)))


def rebuild_day(day: date, within: list) -> None:
    """The day rows of ``day``; ``within`` selects the service cases finished on it."""
    db.session.execute(delete(StatsHotspot).where(_every_dimension(), StatsHotspot.span == DAY,
                                                  StatsHotspot.day == day))
    db.session.execute(delete(StatsHotspotReason).where(StatsHotspotReason.day == day))
    for dim in DIMENSIONS:
        db.session.execute(insert(StatsHotspot).from_select(["span", "day", *KEYS, *COUNTED],
                                                            _day_counts(day, dim, within)))
    reasons = _reasons(within)
    if reasons:
        db.session.execute(insert(StatsHotspotReason), [
            {"day": day, **dict(zip((*KEYS, "kind", "code"), key, strict=True)), "reviews": n}
            for key, n in reasons.items()])


def _day_counts(day: date, dim: Dimension, within: list):
    adopted_case = and_(BadReviewCase.id.is_not(None), BadReviewCase.status != CaseStatus.not_adopted)
    keys = (dim.column, ServiceCase.org_unit_id, ServiceCase.window_id, Evaluation.channel)
    return (select(literal(DAY), literal(day, Date()), literal(dim.code), *keys, func.count(Evaluation.id),
                   _count_if(Evaluation.level.in_(BAD_LEVELS)), _count_if(Evaluation.level.in_(GOOD_LEVELS)),
                   _count_if(adopted_case))
            .select_from(ServiceCase).join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
            .outerjoin(BadReviewCase, BadReviewCase.evaluation_id == Evaluation.id)
            .where(*within, Evaluation.adopted.is_(True), dim.column.is_not(None)).group_by(*keys))


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _reasons(within: list) -> Counter:
    """Reason and aspect counts of the day's adopted bad reviews, keyed like the table rows. Few rows a day,
    folded here because the reasons are a JSON list and each case's aspect is its last classification."""
    query = (select(BadReviewCase.id, Evaluation.reasons, Evaluation.channel, ServiceCase.item_id,
                    ServiceCase.org_unit_id, ServiceCase.window_id, ServiceCase.staff_id)
             .join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
             .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .where(*within, Evaluation.adopted.is_(True), BadReviewCase.status != CaseStatus.not_adopted))
    rows = {row.id: row for row in db.session.execute(query)}
    aspects = _aspects(list(rows))
    result: Counter = Counter()
    for case_id, row in rows.items():
        codes = [("reason", code) for code in row.reasons or []]
        codes += [("aspect", aspects[case_id])] if aspects.get(case_id) else []
        for dim in DIMENSIONS:
            key = getattr(row, dim.row_key)
            if key is not None:
                result.update((dim.code, key, row.org_unit_id, row.window_id, str(row.channel), kind, code)
                              for kind, code in codes)
    return result


def _aspects(case_ids: list[int]) -> dict[int, str]:
    """Each case's aspect as ``app.stats.cases.load`` reads it: the last classification that named one."""
    result: dict[int, str] = {}
    for i in range(0, len(case_ids), 500):
        query = (select(CaseTask.case_id, CaseTask.submitted)
                 .where(CaseTask.case_id.in_(case_ids[i:i + 500]), CaseTask.state == TaskState.completed,
                        CaseTask.bpmn_id == "classify").order_by(CaseTask.closed_at, CaseTask.id))
        for case_id, submitted in db.session.execute(query):
            result[case_id] = (submitted or {}).get("aspect") or result.get(case_id)
    return {case_id: aspect for case_id, aspect in result.items() if aspect}


def roll_up(months: set[date]) -> None:
    """The month rows of each of ``months`` (first days), summed from their day rows."""
    for first in sorted(months):
        db.session.execute(delete(StatsHotspot).where(_every_dimension(), StatsHotspot.span == MONTH,
                                                      StatsHotspot.day == first))
        keys = [getattr(StatsHotspot, name) for name in KEYS]
        sums = [func.sum(getattr(StatsHotspot, name)) for name in COUNTED]
        query = (select(literal(MONTH), literal(first, Date()), *keys, *sums)
                 .where(_every_dimension(), StatsHotspot.span == DAY,
                        StatsHotspot.day.between(first, _last_of_month(first)))
                 .group_by(*keys))
        db.session.execute(insert(StatsHotspot).from_select(["span", "day", *KEYS, *COUNTED], query))
