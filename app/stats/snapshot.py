"""Closing a month: its figures frozen per org unit with a SHA-256, corrections as new audited versions.

The hash covers the canonical JSON of the unit code, month, version and figures, so a changed number in the
database no longer verifies. Published figures (reports of closed months, the disclosure page) are always
read from the latest version, never recomputed.
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select

from app import audit
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError, ValidationError
from app.org.models import OrgUnit
from app.settings import to_local
from app.stats import monthly, refresh
from app.stats.filters import month_bounds
from app.stats.models import StatsSnapshot


def digest(org_code: str, month: str, version: int, figures: dict) -> str:
    body = {"org": org_code, "month": month, "version": version, "figures": figures}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify(snapshot: StatsSnapshot) -> bool:
    unit = db.session.get(OrgUnit, snapshot.org_unit_id)
    return digest(unit.code, snapshot.month, snapshot.version, snapshot.figures) == snapshot.sha256


def versions(unit: OrgUnit, month: str) -> list[StatsSnapshot]:
    return list(db.session.scalars(select(StatsSnapshot).where(
        StatsSnapshot.org_unit_id == unit.id, StatsSnapshot.month == month).order_by(StatsSnapshot.version)))


def published(unit: OrgUnit, month: str) -> StatsSnapshot | None:
    return db.session.scalar(select(StatsSnapshot).where(
        StatsSnapshot.org_unit_id == unit.id, StatsSnapshot.month == month)
        .order_by(StatsSnapshot.version.desc()).limit(1))


def get(snapshot_id: int) -> StatsSnapshot:
    snapshot = db.session.get(StatsSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFoundError("统计快照不存在")
    return snapshot


def close(unit: OrgUnit, month: str, *, actor: str) -> StatsSnapshot:
    """Freezes the month for the unit; 409 when it is already closed, 422 while the month is not over."""
    _check_month_over(month)
    if published(unit, month) is not None:
        raise ConflictError(f"{unit.name} {month} 已结账，更正请提交新版本")
    return _freeze(unit, month, version=1, reason=None, actor=actor, action="stats.month_closed")


def correct(unit: OrgUnit, month: str, *, reason: str, actor: str) -> StatsSnapshot:
    """A new version from today's data with the reason; the earlier versions stay for the record."""
    if not reason or not reason.strip():
        raise ValidationError("更正须说明理由", field="reason")
    current = published(unit, month)
    if current is None:
        raise ConflictError(f"{unit.name} {month} 尚未结账，不能更正")
    return _freeze(unit, month, version=current.version + 1, reason=reason.strip(), actor=actor,
                   action="stats.snapshot_corrected", previous=current)


def _freeze(unit: OrgUnit, month: str, *, version: int, reason: str | None, actor: str, action: str,
            previous: StatsSnapshot | None = None) -> StatsSnapshot:
    refresh.catch_up()
    figures = json.loads(json.dumps(monthly.figures(unit, month), ensure_ascii=False, default=str))
    snapshot = StatsSnapshot(org_unit_id=unit.id, month=month, version=version, figures=figures,
                             sha256=digest(unit.code, month, version, figures), created_at=now(), created_by=actor,
                             reason=reason)
    db.session.add(snapshot)
    db.session.flush()
    payload = {"org_unit": unit.code, "month": month, "version": version, "sha256": snapshot.sha256}
    if previous is not None:
        payload.update(previous_version=previous.version, previous_sha256=previous.sha256, reason=reason,
                       changed=_changed(previous.figures, figures))
    audit.record(actor=actor, action=action, subject_type="stats_snapshot", subject_id=snapshot.id, payload=payload)
    return snapshot


def _changed(before: dict, after: dict) -> dict:
    """The indicators whose value moved, for the audit trail of a correction."""
    old = {i["code"]: i["value"] for i in before.get("indicators", [])}
    return {i["code"]: {"from": old.get(i["code"]), "to": i["value"]}
            for i in after.get("indicators", []) if old.get(i["code"]) != i["value"]}


def _check_month_over(month: str) -> None:
    _, last = month_bounds(month)
    if last >= to_local(now()).date():
        raise ValidationError("该月尚未结束，不能结账", field="month")


def closed_months(unit: OrgUnit) -> list[str]:
    rows = db.session.scalars(select(StatsSnapshot.month).where(StatsSnapshot.org_unit_id == unit.id)
                              .group_by(StatsSnapshot.month).order_by(StatsSnapshot.month.desc()))
    return list(rows)


def published_units(month: str) -> list[tuple[OrgUnit, StatsSnapshot]]:
    """Every unit with a snapshot for the month, with its latest version."""
    latest = (select(StatsSnapshot.org_unit_id, func.max(StatsSnapshot.version).label("version"))
              .where(StatsSnapshot.month == month).group_by(StatsSnapshot.org_unit_id).subquery())
    query = (select(OrgUnit, StatsSnapshot).join(StatsSnapshot, StatsSnapshot.org_unit_id == OrgUnit.id)
             .join(latest, (latest.c.org_unit_id == StatsSnapshot.org_unit_id)
                   & (latest.c.version == StatsSnapshot.version))
             .where(StatsSnapshot.month == month).order_by(OrgUnit.path))
    return [(unit, snap) for unit, snap in db.session.execute(query)]


def report_figures(unit: OrgUnit, month: str) -> tuple[dict, dict | None]:
    """The month's figures for a report: the published snapshot when the month is closed, else today's data."""
    snapshot = published(unit, month)
    if snapshot is not None:
        return snapshot.figures, {"id": snapshot.id, "version": snapshot.version, "sha256": snapshot.sha256,
                                  "created_at": to_local(snapshot.created_at).isoformat(timespec="seconds"),
                                  "verified": verify(snapshot), "reason": snapshot.reason}
    return json.loads(json.dumps(monthly.figures(unit, month), ensure_ascii=False, default=str)), None


def year_figures(unit: OrgUnit, year: int) -> list[tuple[str, dict, bool]]:
    """Every month of the year up to the current one: (month, figures, closed)."""
    today = to_local(now()).date()
    last = 12 if year < today.year else today.month
    result = []
    for number in range(1, last + 1):
        figures, frozen = report_figures(unit, f"{year}-{number:02d}")
        result.append((f"{year}-{number:02d}", figures, frozen is not None))
    return result
