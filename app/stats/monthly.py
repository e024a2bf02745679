"""A month's complete figures for one org unit: what the monthly report shows and a snapshot freezes.

Everything is plain JSON (dates as local ISO strings), so the frozen copy, the XLSX workbook, the printable
page and the disclosure page all render the same values.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.clock import now
from app.db import db
from app.org.models import OrgLevel, OrgUnit
from app.service_case.models import ServiceItem
from app.settings import to_local
from app.stats import cases, filters, hotspots, service
from app.stats.cases import CaseRow
from app.user.models import User

CATEGORY_LABELS = {"simple": "简易", "general": "一般", "complex": "复杂"}
STATUS_LABELS = {"open": "处理中", "not_adopted": "不予采纳", "closed": "已销号"}
DISCLOSED_LEVELS = (OrgLevel.department, OrgLevel.service_hall)
_LONG_NUMBER = re.compile(r"\d{6,}")
_BEFORE_MIDNIGHT = timedelta(seconds=1)  # a deadline at 24:00 belongs to the day that ends there


def figures(unit: OrgUnit, month: str) -> dict:
    flt = filters.for_unit(unit, month)
    moment = now()
    rows = cases.load(flt)
    summary = service.summary(flt, as_of=moment)
    names = _names(rows)
    counted = [r for r in rows if r.counted]
    return {
        "org": {"code": unit.code, "name": unit.name, "level": str(unit.level)},
        "month": month,
        "as_of": to_local(moment).isoformat(timespec="seconds"),
        "indicators": summary["indicators"],
        "levels": summary["levels"],
        "channels": summary["channels"],
        "not_adopted": summary["not_adopted"],
        "units": service.breakdown(flt, disclosed_units(unit), as_of=moment),
        "hotspots": hotspots.hotspots(flt),
        "low_ranked_staff": [{k: r[k] for k in ("username", "name", "evaluated", "bad_reviews", "bad_rate")}
                             for r in hotspots.low_ranked_staff(flt, month)],
        "ledger": [ledger_row(r, names, moment) for r in counted if r.category == "complex"],
        "rectifications": [ledger_row(r, names, moment) for r in counted],
        "disclosure": [public_row(r, names) for r in counted if r.rectified_at is not None],
    }


def disclosed_units(unit: OrgUnit) -> list[OrgUnit]:
    """The departments and service halls in the unit's subtree (the unit itself too, if it is one)."""
    query = select(OrgUnit).where(OrgUnit.path.startswith(unit.path), OrgUnit.level.in_(DISCLOSED_LEVELS))
    return list(db.session.scalars(query.order_by(OrgUnit.path)))


def _names(rows: list[CaseRow]) -> dict[str, dict[int, str]]:
    unit_ids = {r.org_unit_id for r in rows} | {r.window_id for r in rows if r.window_id}
    return {
        "unit": dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids))).all()),
        "item": dict(db.session.execute(select(ServiceItem.id, ServiceItem.name)
                                        .where(ServiceItem.id.in_({r.item_id for r in rows}))).all()),
        "staff": dict(db.session.execute(select(User.id, User.display_name)
                                         .where(User.id.in_({r.staff_id for r in rows if r.staff_id}))).all()),
    }


def _day(moment) -> str | None:
    return to_local(moment).date().isoformat() if moment else None


def ledger_row(row: CaseRow, names: dict, as_of) -> dict:
    deadline = row.rectify_deadline
    on_time = row.rectified_on_time(as_of)
    return {
        "case_no": row.case_no, "received": _day(row.received_at), "item": names["item"].get(row.item_id),
        "department": names["unit"].get(row.org_unit_id),
        "window": names["unit"].get(row.window_id) if row.window_id else None,
        "staff": names["staff"].get(row.staff_id) if row.staff_id else None,
        "level": row.level, "reasons": row.reasons, "category": CATEGORY_LABELS.get(row.category or ""),
        "aspect": hotspots.ASPECT_LABELS.get(row.aspect or ""),
        "deadline": _day(deadline - _BEFORE_MIDNIGHT) if deadline else None,
        "rectified": _day(row.rectified_at), "on_time": on_time,
        "measures": row.rectification.get("measures"), "result": row.rectification.get("result"),
        "replied": row.replied_at is not None, "overdue": bool(row.overdue),
        "status": STATUS_LABELS.get(str(row.status), str(row.status)), "closed": _day(row.closed_at),
    }


def public_row(row: CaseRow, names: dict) -> dict:
    """A rectified bad review as the public sees it: no case number, person, staff or comment."""
    return {"item": names["item"].get(row.item_id), "department": names["unit"].get(row.org_unit_id),
            "aspect": hotspots.ASPECT_LABELS.get(row.aspect or "", "—"),
            "category": CATEGORY_LABELS.get(row.category or "", "—"),
            "measures": scrub(row.rectification.get("measures")), "rectified": _day(row.rectified_at)}


def scrub(text: str | None) -> str | None:
    """Hides long digit runs (phone, certificate and case numbers) in free text meant for the public."""
    return _LONG_NUMBER.sub("＊＊＊", text) if text else text
