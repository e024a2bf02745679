"""Who works a task: lanes of the model map to roles and to an org unit of the case.

``department`` → the responsible department (who handled the service case);
``supervision`` → the supervision office whose supervised subtree holds that department (the nearest);
a task property ``assignee_org`` names a data variable holding another unit's code (consultation).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.db import db
from app.org.models import OrgUnit
from app.org.service import find_by_code
from app.user.models import Role

LANE_ROLES: dict[str, tuple[Role, ...]] = {
    "department": (Role.handler, Role.dept_lead),
    "supervision": (Role.supervisor, Role.supervisor_lead),
}


class RoutingError(RuntimeError):
    pass


def roles_for(lane: str | None, properties: dict[str, str]) -> list[str]:
    if properties.get("roles"):
        return sorted(r.strip() for r in properties["roles"].split(",") if r.strip())
    if lane not in LANE_ROLES:
        raise RoutingError(f"lane {lane!r} maps to no role")
    return sorted(str(r) for r in LANE_ROLES[lane])


def org_for(responsible_org: OrgUnit, lane: str | None, properties: dict[str, str], data: dict,
            *, offices: list[OrgUnit] | None = None) -> OrgUnit:
    """The unit that works a task of a case ``responsible_org`` answers for; ``offices``
    (``supervision_offices()``) saves the query when routing many tasks."""
    if properties.get("assignee_org"):
        code = data.get(properties["assignee_org"])
        unit = find_by_code(code) if isinstance(code, str) else None
        if unit is None:
            raise RoutingError(f"unknown org unit {code!r} for {properties['assignee_org']}")
        return unit
    if lane == "supervision":
        return supervision_office_for(responsible_org, offices)
    return responsible_org


def supervision_offices() -> list[OrgUnit]:
    return list(db.session.scalars(select(OrgUnit).where(OrgUnit.supervises_id.is_not(None))
                                   .options(joinedload(OrgUnit.supervises))))


def supervision_office_for(unit: OrgUnit, offices: list[OrgUnit] | None = None) -> OrgUnit:
    """The nearest supervision office over ``unit``; the tree's root unit if none is configured."""
    offices = supervision_offices() if offices is None else offices
    covering = [o for o in offices if unit.is_within(o.supervises)]
    if covering:
        return max(covering, key=lambda o: len(o.supervises.path))
    root_id = int(unit.path.strip("/").split("/")[0])
    return db.session.get(OrgUnit, root_id)
