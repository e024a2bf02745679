"""Periodic work of the statistics package (entries for app/jobs.py); each job commits its own work."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select

from app.clock import now
from app.db import db
from app.evaluation.models import Evaluation
from app.org.models import OrgLevel, OrgUnit
from app.outreach.window import default_due_at
from app.service_case.models import ServiceCase
from app.settings import to_local
from app.stats import refresh, snapshot
from app.stats.filters import StatsFilter, month_bounds, month_of, previous_month

log = logging.getLogger(__name__)
ACTOR = "system:stats"
CLOSED_LEVELS = (OrgLevel.province, OrgLevel.city, OrgLevel.county, OrgLevel.town, OrgLevel.department,
                 OrgLevel.service_hall)


def refresh_daily_counts() -> int:
    """Brings the daily counts up to date; a long rebuild commits batch by batch so pages show its progress."""
    days = refresh.run_to_completion(db.session.commit)
    if days:
        log.info("statistics: %d days rebuilt", days)
    return days


def close_previous_month() -> int:
    """From the policy's day of the month on, closes last month for every reporting unit not closed yet,
    unless a service case of that month may still get its default rating (its figures would move)."""
    from flask import current_app

    today = to_local(now()).date()
    if today.day < int(current_app.config["STATS_CLOSE_DAY"]):
        return 0
    month = previous_month(month_of(today))
    current = refresh.freshness()
    if current.running or current.pending_rebuild:
        log.info("month %s not closed yet: the statistics are being rebuilt", month)
        return 0
    if _awaiting_default(month):
        log.info("month %s not closed yet: some service cases may still get a default rating", month)
        return 0
    closed = 0
    for unit in db.session.scalars(select(OrgUnit).where(OrgUnit.level.in_(CLOSED_LEVELS)).order_by(OrgUnit.path)):
        if snapshot.published(unit, month) is None:
            snapshot.close(unit, month, actor=ACTOR)
            db.session.commit()
            closed += 1
    return closed


def _awaiting_default(month: str) -> bool:
    flt = StatsFilter(*month_bounds(month), roots=())
    late = db.session.scalars(select(ServiceCase).where(
        ServiceCase.finished_at >= flt.end_at - timedelta(days=21), ServiceCase.finished_at < flt.end_at,
        ~exists().where(Evaluation.service_case_id == ServiceCase.id)).limit(1000))
    moment = now()
    return any((due := default_due_at(case)) is not None and due > moment for case in late)
