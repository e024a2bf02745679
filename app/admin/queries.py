"""Read-only lookups for the administrator's pages: the units and accounts within their scope."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app.clock import now
from app.db import db
from app.errors import NotFoundError, PermissionDeniedError
from app.org.models import OrgUnit
from app.org.service import subtree_filter
from app.user import service as user_service
from app.user.models import Role, User, UserRole
from app.user.principal import Principal

STATUSES = (("active", "启用"), ("deactivated", "已停用"), ("locked", "已锁定"))


@dataclass
class Node:
    unit: OrgUnit
    children: list[Node] = field(default_factory=list)


def scope_units(principal: Principal) -> list[OrgUnit]:
    """Every unit the administrator may manage, in tree order: parents first, siblings by code."""
    query = select(OrgUnit).where(subtree_filter(OrgUnit.path, list(principal.scope_roots))).order_by(OrgUnit.path)
    return [node.unit for node in _walk(tree(list(db.session.scalars(query))))]


def _walk(nodes: list[Node]):
    for node in nodes:
        yield node
        yield from _walk(node.children)


def unit_options(units: list[OrgUnit]) -> list[tuple[str, str]]:
    """(code, label) with the label indented by depth, for selects."""
    top = min((u.path.count("/") for u in units), default=0)
    return [(u.code, f"{'　' * (u.path.count('/') - top)}{u.name}（{u.code}）") for u in units]


def tree(units: list[OrgUnit]) -> list[Node]:
    """The units (parents first) as nested nodes; a unit whose parent is not listed is a root."""
    nodes = {u.id: Node(u) for u in units}
    roots = []
    for unit in sorted(units, key=lambda u: u.code):
        parent = nodes.get(unit.parent_id)
        (parent.children if parent else roots).append(nodes[unit.id])
    return roots


def supervised_by(units: list[OrgUnit]) -> dict[int, list[OrgUnit]]:
    """For each supervised unit, the supervision offices that supervise it."""
    found: dict[int, list[OrgUnit]] = {}
    for unit in units:
        if unit.supervises_id is not None:
            found.setdefault(unit.supervises_id, []).append(unit)
    return found


def account_counts(principal: Principal) -> Counter:
    """How many accounts each unit of the administrator's scope holds."""
    query = (select(User.org_unit_id, func.count()).join(User.org_unit)
             .where(subtree_filter(OrgUnit.path, list(principal.scope_roots))).group_by(User.org_unit_id))
    return Counter({unit_id: count for unit_id, count in db.session.execute(query)})


def get_unit(unit_id: int, principal: Principal) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFoundError("机构不存在")
    if not principal.can_see(unit):
        raise PermissionDeniedError("该机构不在您的管辖范围内")
    return unit


def get_account(user_id: int, principal: Principal) -> User:
    user = user_service.get(user_id)
    if not principal.can_see(user.org_unit):
        raise PermissionDeniedError("该账号不在您的管辖范围内")
    return user


def account_query(principal: Principal, *, roots: list[OrgUnit], q: str | None = None, role: str | None = None,
                  status: str | None = None) -> Select:
    """Accounts under ``roots`` (already checked to lie in the administrator's scope), by username."""
    query = (select(User).join(User.org_unit).options(joinedload(User.org_unit))
             .where(subtree_filter(OrgUnit.path, roots or list(principal.scope_roots))))
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
    if role:
        query = query.where(User.role_rows.any(UserRole.role == Role(role)))
    if status == "active":
        query = query.where(User.active.is_(True), or_(User.locked_until.is_(None), User.locked_until <= now()))
    elif status == "deactivated":
        query = query.where(User.active.is_(False))
    elif status == "locked":
        query = query.where(User.locked_until > now())
    return query.order_by(User.username)


def paginate(query: Select, *, page: int, per_page: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).unique()), total
