"""Where bad reviews concentrate (items, departments, windows, staff) and which staff rank low month after month.

Two readings with the same answers, as in ``app.stats.counts``: the raw tables (``RawReading``, the definition)
and the hot-spot counts kept by ``app.stats.hotspot_daily`` (``DailyReading``). A filter on an item or a staff
member falls back to the raw rows: each count row is keyed by one dimension only, so the staff rows cannot be
narrowed to an item (nor the item rows to a staff member); those questions are selective and indexed anyway.
"""
from __future__ import annotations

from collections import Counter
from functools import cached_property

from flask import current_app
from sqlalchemy import case, func, select

from app.db import db
from app.evaluation.models import Evaluation
from app.org.models import OrgUnit
from app.service_case.models import ServiceCase, ServiceItem
from app.stats import cases
from app.stats.filters import StatsFilter, month_bounds, previous_month, raw_conditions, unit_condition
from app.stats.hotspot_daily import DIMENSIONS, Dimension, covering
from app.stats.indicators import BAD_LEVELS, GOOD_LEVELS, ratio
from app.stats.models import StatsHotspot, StatsHotspotReason
from app.user.models import User

ASPECT_LABELS = {"attitude": "服务态度", "quality": "服务质量", "efficiency": "办事效率", "environment": "服务环境"}
STAFF = next(d for d in DIMENSIONS if d.code == "staff")


class RawReading:
    """The hot-spot figures from the raw rows: the bad-review cases of ``cases.load`` and grouped evaluations."""

    def __init__(self, flt: StatsFilter):
        self.flt = flt

    @cached_property
    def counted(self) -> list[cases.CaseRow]:
        return [r for r in cases.load(self.flt) if r.counted]

    def bad_reviews(self, dim: Dimension) -> dict[int, int]:
        return dict(Counter(key for r in self.counted if (key := getattr(r, dim.row_key)) is not None))

    def reasons(self, dim: Dimension, keys: list[int]) -> dict[int, dict[str, Counter]]:
        result = {key: {"reason": Counter(), "aspect": Counter()} for key in keys}
        for row in self.counted:
            found = result.get(getattr(row, dim.row_key))
            if found is not None:
                found["reason"].update(row.reasons)
                found["aspect"].update([row.aspect] if row.aspect else [])
        return result

    def evaluated(self, dim: Dimension, keys: list[int]) -> dict[int, int]:
        query = (select(dim.column, func.count(Evaluation.id))
                 .join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
                 .where(*raw_conditions(self.flt), dim.column.in_(keys), Evaluation.adopted.is_(True))
                 .group_by(dim.column))
        return dict(db.session.execute(self._channels(query)).all())

    def staff_counts(self) -> list[tuple[int, int, int, int]]:
        """(staff id, adopted evaluations, bad, good) for every staff member of the filter."""
        query = (select(ServiceCase.staff_id, func.count(Evaluation.id),
                        func.sum(_flag(Evaluation.level.in_(BAD_LEVELS))),
                        func.sum(_flag(Evaluation.level.in_(GOOD_LEVELS))))
                 .join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
                 .where(*raw_conditions(self.flt), Evaluation.adopted.is_(True), ServiceCase.staff_id.is_not(None))
                 .group_by(ServiceCase.staff_id))
        return [(sid, n, int(bad or 0), int(good or 0)) for sid, n, bad, good in db.session.execute(
            self._channels(query))]

    def _channels(self, query):
        return query.where(Evaluation.channel.in_(self.flt.channels)) if self.flt.channels else query


class DailyReading:
    """The same figures from the hot-spot counts: a few thousand rows a month, twelve month rows a year."""

    def __init__(self, flt: StatsFilter):
        self.flt = flt

    def _where(self, table, dim: Dimension, period) -> list:
        conditions = [table.dimension == dim.code, period,
                      unit_condition(self.flt.roots, table.org_unit_id, table.window_id)]
        if self.flt.window is not None:
            conditions.append(unit_condition((self.flt.window,), table.org_unit_id, table.window_id))
        if self.flt.channels:
            conditions.append(table.channel.in_(self.flt.channels))
        return conditions

    def _sums(self, dim: Dimension, *columns, keys: list[int] | None = None):
        conditions = self._where(StatsHotspot, dim, covering(self.flt.start, self.flt.end))
        if keys is not None:
            conditions.append(StatsHotspot.key_id.in_(keys))
        return db.session.execute(select(StatsHotspot.key_id, *(func.sum(c) for c in columns))
                                  .where(*conditions).group_by(StatsHotspot.key_id)).all()

    def bad_reviews(self, dim: Dimension) -> dict[int, int]:
        return {key: int(n) for key, n in self._sums(dim, StatsHotspot.bad_reviews) if n}

    def reasons(self, dim: Dimension, keys: list[int]) -> dict[int, dict[str, Counter]]:
        result = {key: {"reason": Counter(), "aspect": Counter()} for key in keys}
        table = StatsHotspotReason
        query = (select(table.key_id, table.kind, table.code, func.sum(table.reviews))
                 .where(*self._where(table, dim, table.day.between(self.flt.start, self.flt.end)),
                        table.key_id.in_(keys)).group_by(table.key_id, table.kind, table.code))
        for key, kind, code, n in db.session.execute(query):
            result[key][kind][code] += int(n)
        return result

    def evaluated(self, dim: Dimension, keys: list[int]) -> dict[int, int]:
        return {key: int(n) for key, n in self._sums(dim, StatsHotspot.evaluated, keys=keys)}

    def staff_counts(self) -> list[tuple[int, int, int, int]]:
        return [(sid, int(n), int(bad), int(good)) for sid, n, bad, good in self._sums(
            STAFF, StatsHotspot.evaluated, StatsHotspot.bad, StatsHotspot.good) if n]


def reading(flt: StatsFilter, raw: bool | None = None) -> RawReading | DailyReading:
    """``raw=True`` forces the raw rows; item and staff questions always read them (see the docstring)."""
    return RawReading(flt) if raw or flt.needs_raw else DailyReading(flt)


def hotspots(flt: StatsFilter, *, top: int = 5, raw: bool | None = None) -> dict[str, list[dict]]:
    """Per dimension, the ``top`` entries with the most adopted bad reviews, their share and top reasons."""
    source = reading(flt, raw)
    return {dim.code: _dimension(source, dim, top) for dim in DIMENSIONS}


def _dimension(source: RawReading | DailyReading, dim: Dimension, top: int) -> list[dict]:
    bad = source.bad_reviews(dim)
    leaders = sorted(bad, key=lambda k: (-bad[k], k))[:top]
    if not leaders:
        return []
    evaluated = source.evaluated(dim, leaders)
    reasons = source.reasons(dim, leaders)
    names = _names(dim.code, leaders)
    return [{
        "code": names[key][0], "name": names[key][1], "bad_reviews": bad[key],
        "evaluated": evaluated.get(key, 0), "bad_rate": ratio(bad[key], evaluated.get(key, 0)),
        "top_reasons": [{"code": c, "count": n} for c, n in _top(reasons[key]["reason"])],
        "top_aspects": [{"code": c, "name": ASPECT_LABELS.get(c, c), "count": n}
                        for c, n in _top(reasons[key]["aspect"])],
    } for key in leaders]


def _top(counter: Counter, n: int = 3) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _names(kind: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    if kind == "item":
        rows = db.session.execute(select(ServiceItem.id, ServiceItem.code, ServiceItem.name)
                                  .where(ServiceItem.id.in_(ids)))
    elif kind == "staff":
        rows = db.session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids)))
    else:
        rows = db.session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(OrgUnit.id.in_(ids)))
    return {r[0]: (r[1], r[2]) for r in rows}


def staff_ranking(flt: StatsFilter, *, raw: bool | None = None) -> list[dict]:
    """Staff with at least the policy's minimum of evaluations, worst first (差评率 desc, then 好评率 asc)."""
    minimum = current_app.config["STATS_RANKING_MIN_EVALUATIONS"]
    counts = [c for c in reading(flt, raw).staff_counts() if c[1] >= minimum]
    names = _names("staff", [c[0] for c in counts])
    ranked = sorted(counts, key=lambda c: (-(c[2] / c[1]), c[3] / c[1], c[0]))
    return [{"staff_id": sid, "username": names[sid][0], "name": names[sid][1], "evaluated": n, "bad_reviews": bad,
             "bad_rate": ratio(bad, n), "good_rate": ratio(good, n), "rank_from_bottom": i + 1}
            for i, (sid, n, bad, good) in enumerate(ranked)]


def _flag(condition):
    return case((condition, 1), else_=0)


def low_ranked_staff(flt: StatsFilter, month: str, *, raw: bool | None = None) -> list[dict]:
    """Staff among the policy's bottom N (with at least one bad review) in each of the last K months up to
    ``month``: they must rectify (DOMAIN: staff ranked low repeatedly)."""
    months = current_app.config["STATS_LOW_RANK_MONTHS"]
    bottom = current_app.config["STATS_LOW_RANK_COUNT"]
    flagged: dict[int, dict] | None = None
    current = month
    for _ in range(months):
        ranking = staff_ranking(flt.with_period(*month_bounds(current)), raw=raw)
        low = {r["staff_id"]: r for r in ranking[:bottom] if r["bad_reviews"] > 0}
        flagged = low if flagged is None else {k: v for k, v in flagged.items() if k in low}
        current = previous_month(current)
    return [{**v, "months": months} for v in (flagged or {}).values()]
