"""The statistics the API, the dashboards, the reports and the snapshots share: one function per question."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.clock import now
from app.db import db
from app.evaluation.models import LEVEL_LABELS
from app.org.models import OrgLevel, OrgUnit
from app.stats import counts, hotspots
from app.stats.filters import StatsFilter, month_bounds, month_of, previous_month
from app.stats.indicators import CaseFigures, Tally, as_map, compute, ratio

CHANNEL_LABELS = {"window_device": "窗口评价器", "qr_code": "二维码", "web": "网上大厅", "app": "移动端",
                  "self_service_terminal": "自助终端", "hotline": "热线", "sms": "短信", "paper_form": "纸质评价表"}
# Units a breakdown shows under an administrative unit: the next administrative level, departments and halls.
BREAKDOWN_LEVELS = frozenset({OrgLevel.city, OrgLevel.county, OrgLevel.town, OrgLevel.village,
                              OrgLevel.department, OrgLevel.service_hall, OrgLevel.window})


def summary(flt: StatsFilter, *, as_of: datetime | None = None) -> dict:
    moment = as_of or now()
    tally = counts.tally(flt)
    return present(flt, tally, tally.cases, moment)


def present(flt: StatsFilter, tally: Tally, figures: CaseFigures, moment: datetime) -> dict:
    evaluated = tally.evaluated
    return {
        "filter": flt.labels,
        "as_of": moment.isoformat(),
        "indicators": compute(tally, figures),
        "levels": [{"level": lv, "name": LEVEL_LABELS[lv], "count": n, "share": ratio(n, evaluated),
                    "active": tally.active[lv], "default": tally.default[lv]} for lv, n in tally.levels().items()],
        "channels": [{"channel": c, "name": CHANNEL_LABELS.get(c, c), "count": n, "share": ratio(n, tally.active_total)}
                     for c, n in sorted(tally.channels.items(), key=lambda kv: (-kv[1], kv[0]))],
        "not_adopted": {"evaluations": tally.not_adopted, "bad_reviews": tally.not_adopted_bad,
                        "cases": figures.not_adopted_cases},
    }


def trend(flt: StatsFilter, *, months: int = 12) -> list[dict]:
    """Month by month up to the month of the filter's last day, oldest first."""
    result = []
    month = month_of(flt.end)
    for _ in range(months):
        start, end = month_bounds(month)
        monthly = flt.with_period(start, end)
        data = summary(monthly)
        result.append({"month": month, "indicators": data["indicators"], "levels": data["levels"]})
        month = previous_month(month)
    return list(reversed(result))


def children(unit: OrgUnit) -> list[OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.level.in_(BREAKDOWN_LEVELS))
    return list(db.session.scalars(query.order_by(OrgUnit.code)))


def breakdown(flt: StatsFilter, units: list[OrgUnit], *, as_of: datetime | None = None) -> list[dict]:
    """The indicators of each of ``units`` (within the filter), for drill-down tables and disclosure."""
    tallies = counts.tallies_by_unit(flt, units)
    return [{"code": unit.code, "name": unit.name, "level": str(unit.level),
             "indicators": compute(tallies[unit.id], tallies[unit.id].cases)} for unit in units]


def hot_spots(flt: StatsFilter, *, top: int = 5, raw: bool | None = None) -> dict:
    """``raw`` forces a reading (see ``app.stats.hotspots``); by default the hot-spot counts serve."""
    month = month_of(flt.end)
    return {"hotspots": hotspots.hotspots(flt, top=top, raw=raw),
            "staff_ranking": hotspots.staff_ranking(flt, raw=raw),
            "low_ranked_staff": hotspots.low_ranked_staff(flt, month, raw=raw)}


def headline(indicators: list[dict]) -> dict:
    """The few figures a table row shows, by code."""
    values = as_map(indicators)
    return {code: values[code]["value"] for code in ("finished", "participation_rate", "active_rate", "good_rate",
                                                      "bad_rate", "bad_reviews", "bad_reply_rate",
                                                      "on_time_rectification_rate", "overdue_cases")}
