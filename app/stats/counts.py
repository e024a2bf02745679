"""Counting the evaluation side: finished service cases and their evaluations by source, level and channel.

Two readings with the same columns: the raw tables (service cases left-joined to their evaluations) and the
pre-aggregated daily counts. Questions on an item or a staff member read the raw rows (selective, indexed);
all others read the daily counts, which ``app.stats.daily`` keeps equal to the raw reading.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.org.models import OrgUnit
from app.service_case.models import ServiceCase
from app.stats import cases
from app.stats.daily import VALUE_COLUMNS, raw_value_columns
from app.stats.filters import WINDOW_LEVELS, StatsFilter, raw_conditions, unit_condition
from app.stats.indicators import CASE_FIELDS, Tally
from app.stats.models import CASE_COLUMNS, LEVEL_COLUMNS, StatsDaily


def _raw_rows(flt: StatsFilter, by_unit: bool):
    keys = [ServiceCase.org_unit_id, ServiceCase.window_id] if by_unit else []
    query = (select(*keys, Evaluation.channel, *raw_value_columns())
             .select_from(ServiceCase).outerjoin(Evaluation, Evaluation.service_case_id == ServiceCase.id)
             .where(*raw_conditions(flt)).group_by(*keys, Evaluation.channel))
    return db.session.execute(query).all()


def _daily_rows(flt: StatsFilter, by_unit: bool):
    keys = [StatsDaily.org_unit_id, StatsDaily.window_id] if by_unit else []
    conditions = [StatsDaily.day >= flt.start, StatsDaily.day <= flt.end,
                  unit_condition(flt.roots, StatsDaily.org_unit_id, StatsDaily.window_id)]
    if flt.window is not None:
        conditions.append(unit_condition((flt.window,), StatsDaily.org_unit_id, StatsDaily.window_id))
    sums = [func.coalesce(func.sum(getattr(StatsDaily, name)), 0).label(name)
            for name in (*VALUE_COLUMNS, *CASE_COLUMNS)]
    query = select(*keys, StatsDaily.channel, *sums).where(*conditions).group_by(*keys, StatsDaily.channel)
    return db.session.execute(query).all()


def rows(flt: StatsFilter, *, by_unit: bool = False, raw: bool | None = None):
    """Grouped rows (``[org_unit_id, window_id,] channel, *VALUE_COLUMNS``); ``raw`` forces a reading."""
    use_raw = flt.needs_raw if raw is None else raw
    return _raw_rows(flt, by_unit) if use_raw else _daily_rows(flt, by_unit)


def add_row(tally: Tally, channel, values, channels: Iterable[str]) -> None:
    """Adds one grouped row; evaluations of channels outside the filter count only as finished cases.
    Rows of the daily counts carry the case columns too; raw rows do not."""
    counts = dict(zip((*VALUE_COLUMNS, *CASE_COLUMNS), (int(v or 0) for v in values), strict=False))
    tally.finished += counts["finished"]
    if channel is None:
        tally.unevaluated += counts["finished"]
        return
    channel = str(channel)
    selected = set(channels)
    if selected and channel not in selected:
        return
    for name in LEVEL_COLUMNS:
        source, level = name.split("_")
        getattr(tally, source)[int(level)] += counts[name]
    tally.not_adopted += counts["not_adopted"]
    tally.not_adopted_bad += counts["not_adopted_bad"]
    for column, name in zip(CASE_COLUMNS, CASE_FIELDS, strict=True):
        setattr(tally.cases, name, getattr(tally.cases, name) + counts.get(column, 0))
    active = sum(counts[f"active_{lv}"] for lv in range(1, 6))
    if active:
        tally.channels[channel] = tally.channels.get(channel, 0) + active


def tally(flt: StatsFilter, *, raw: bool | None = None) -> Tally:
    """Both sides for the filter: evaluation counts and case figures (the latter from ``cases`` when raw)."""
    use_raw = flt.needs_raw if raw is None else raw
    result = Tally()
    for row in rows(flt, raw=use_raw):
        add_row(result, row[0], row[1:], flt.channels)
    if use_raw:
        result.cases = cases.quick_figures(flt, as_of=now())
    return result


def tallies_by_unit(flt: StatsFilter, units: list[OrgUnit], *, raw: bool | None = None) -> dict[int, Tally]:
    """One tally per unit of ``units`` (e.g. the departments and halls under the filter's unit)."""
    paths = {u.id: u.path for u in db.session.scalars(select(OrgUnit))}
    result = {u.id: Tally() for u in units}
    use_raw = flt.needs_raw if raw is None else raw
    for row in rows(flt, by_unit=True, raw=use_raw):
        org_path, window_path = paths.get(row[0], ""), paths.get(row[1], "") if row[1] else ""
        for unit in units:
            path = window_path if unit.level in WINDOW_LEVELS else org_path
            if path.startswith(unit.path):
                add_row(result[unit.id], row[2], row[3:], flt.channels)  # a department and a hall may share a case
    if use_raw:
        for unit in units:
            result[unit.id].cases = cases.quick_figures(flt.with_roots((unit,)), as_of=now())
    return result
