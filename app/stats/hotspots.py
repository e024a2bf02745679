"""Where bad reviews concentrate (items, departments, windows, staff) and which staff rank low month after month."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import case, func, select

from app.db import db
from app.evaluation.models import Evaluation
from app.org.models import OrgUnit
from app.service_case.models import ServiceCase, ServiceItem
from app.stats.cases import CaseRow
from app.stats.filters import StatsFilter, month_bounds, previous_month, raw_conditions
from app.stats.indicators import BAD_LEVELS, GOOD_LEVELS, ratio
from app.user.models import User

ASPECT_LABELS = {"attitude": "服务态度", "quality": "服务质量", "efficiency": "办事效率", "environment": "服务环境"}


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


def hotspots(flt: StatsFilter, rows: list[CaseRow], *, top: int = 5) -> dict[str, list[dict]]:
    """Per dimension, the ``top`` entries with the most adopted bad reviews, their share and top reasons."""
    counted = [r for r in rows if r.counted]
    return {dim.code: _dimension(flt, dim, counted, top) for dim in DIMENSIONS}


def _dimension(flt: StatsFilter, dim: Dimension, rows: list[CaseRow], top: int) -> list[dict]:
    groups: dict[int, list[CaseRow]] = {}
    for row in rows:
        key = getattr(row, dim.row_key)
        if key is not None:
            groups.setdefault(key, []).append(row)
    leaders = sorted(groups, key=lambda k: (-len(groups[k]), k))[:top]
    evaluated = _evaluated_by(flt, dim.column, leaders)
    names = _names(dim.code, leaders)
    result = []
    for key in leaders:
        reasons = Counter(code for r in groups[key] for code in r.reasons)
        aspects = Counter(r.aspect for r in groups[key] if r.aspect)
        result.append({
            "code": names[key][0], "name": names[key][1], "bad_reviews": len(groups[key]),
            "evaluated": evaluated.get(key, 0), "bad_rate": ratio(len(groups[key]), evaluated.get(key, 0)),
            "top_reasons": [{"code": c, "count": n} for c, n in _top(reasons)],
            "top_aspects": [{"code": c, "name": ASPECT_LABELS.get(c, c), "count": n} for c, n in _top(aspects)],
        })
    return result


def _top(counter: Counter, n: int = 3) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _evaluated_by(flt: StatsFilter, column, keys: list[int]) -> dict[int, int]:
    if not keys:
        return {}
    query = (select(column, func.count(Evaluation.id)).join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
             .where(*raw_conditions(flt), column.in_(keys), Evaluation.adopted.is_(True)).group_by(column))
    if flt.channels:
        query = query.where(Evaluation.channel.in_(flt.channels))
    return dict(db.session.execute(query).all())


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


def staff_ranking(flt: StatsFilter) -> list[dict]:
    """Staff with at least the policy's minimum of evaluations, worst first (差评率 desc, then 好评率 asc)."""
    minimum = current_app.config.get("STATS_RANKING_MIN_EVALUATIONS", 10)
    adopted = Evaluation.adopted.is_(True)
    query = (select(ServiceCase.staff_id, func.count(Evaluation.id),
                    func.sum(_flag(Evaluation.level.in_(BAD_LEVELS))),
                    func.sum(_flag(Evaluation.level.in_(GOOD_LEVELS))))
             .join(Evaluation, Evaluation.service_case_id == ServiceCase.id)
             .where(*raw_conditions(flt), adopted, ServiceCase.staff_id.is_not(None)).group_by(ServiceCase.staff_id))
    if flt.channels:
        query = query.where(Evaluation.channel.in_(flt.channels))
    counts = [(sid, n, int(bad or 0), int(good or 0))
              for sid, n, bad, good in db.session.execute(query) if n >= minimum]
    names = _names("staff", [c[0] for c in counts])
    ranked = sorted(counts, key=lambda c: (-(c[2] / c[1]), c[3] / c[1], c[0]))
    return [{"staff_id": sid, "username": names[sid][0], "name": names[sid][1], "evaluated": n, "bad_reviews": bad,
             "bad_rate": ratio(bad, n), "good_rate": ratio(good, n), "rank_from_bottom": i + 1}
            for i, (sid, n, bad, good) in enumerate(ranked)]


def _flag(condition):
    return case((condition, 1), else_=0)


def low_ranked_staff(flt: StatsFilter, month: str) -> list[dict]:
    """Staff among the policy's bottom N (with at least one bad review) in each of the last K months up to
    ``month``: they must rectify (DOMAIN: staff ranked low repeatedly)."""
    months = current_app.config.get("STATS_LOW_RANK_MONTHS", 2)
    bottom = current_app.config.get("STATS_LOW_RANK_COUNT", 3)
    flagged: dict[int, dict] | None = None
    current = month
    for _ in range(months):
        ranking = staff_ranking(flt.with_period(*month_bounds(current)))
        low = {r["staff_id"]: r for r in ranking[:bottom] if r["bad_reviews"] > 0}
        flagged = low if flagged is None else {k: v for k, v in flagged.items() if k in low}
        current = previous_month(current)
    return [{**v, "months": months} for v in (flagged or {}).values()]
