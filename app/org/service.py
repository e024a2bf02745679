"""Creating, renaming and looking up org units."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import audit
from app.db import db
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.org.models import OrgLevel, OrgUnit

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
NAME_LENGTH = 128


def get_by_code(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFoundError(f"机构 {code} 不存在", field="org_code")
    return unit


def find_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def create(*, code: str, name: str, level: OrgLevel | str, parent: OrgUnit | None = None,
           supervises: OrgUnit | None = None, actor: str = "system") -> OrgUnit:
    code, name = (code or "").strip(), (name or "").strip()
    errors = unit_problems(code=code, name=name, level=level)
    if errors:
        raise ValidationError("机构信息无效", fields=errors)
    if find_by_code(code) is not None:
        raise ValidationError("机构编码已存在", fields={"code": ["机构编码已存在"]}, status=409)
    unit = OrgUnit(code=code, name=name, level=OrgLevel(level), parent=parent, supervises=supervises)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    audit.record(actor=actor, action="org_unit.created", subject_type="org_unit", subject_id=unit.id,
                 payload={"code": code, "name": name, "level": str(unit.level),
                          "parent": parent.code if parent else None,
                          "supervises": supervises.code if supervises else None})
    return unit


def rename(unit: OrgUnit, *, name: str, actor: str = "system") -> None:
    name = (name or "").strip()
    if not name or len(name) > NAME_LENGTH:
        raise ValidationError("机构名称无效", fields={"name": [f"机构名称必填，最多 {NAME_LENGTH} 字"]})
    if name == unit.name:
        return
    before, unit.name = unit.name, name
    db.session.flush()
    audit.record(actor=actor, action="org_unit.renamed", subject_type="org_unit", subject_id=unit.id,
                 payload={"code": unit.code, "from": before, "to": name})


def unit_problems(*, code: str, name: str, level: OrgLevel | str) -> dict[str, list[str]]:
    """What is wrong with a new unit's fields, by field (empty when all are acceptable)."""
    errors: dict[str, list[str]] = {}
    if not CODE_PATTERN.fullmatch(code):
        errors["code"] = ["机构编码为 1–32 位字母、数字或 - _ .，以字母或数字开头"]
    if not name or len(name) > NAME_LENGTH:
        errors["name"] = [f"机构名称必填，最多 {NAME_LENGTH} 字"]
    if str(level) not in OrgLevel.__members__:
        errors["level"] = ["请选择机构层级"]
    return errors


def narrowed_roots(org_code: str | None, principal) -> list[OrgUnit]:
    """The subtrees a query covers: the caller's scope, or one unit inside it named by ``org_code``."""
    if not org_code:
        return list(principal.scope_roots)
    unit = find_by_code(org_code)
    if unit is None:
        raise ValidationError("机构编码不存在", field="org_code")
    if not principal.can_see(unit):
        raise PermissionDeniedError("该机构不在您的管辖范围内")
    return [unit]


def subtree_ids(roots: list[OrgUnit]) -> list[int]:
    """Ids of every unit under any of ``roots`` (the roots included), for ``org_unit_id IN (…)`` filters that
    an index on the unit id serves on every database (a ``LIKE`` prefix on a path column does not on SQLite)."""
    if not roots:
        return []
    return list(db.session.scalars(select(OrgUnit.id).where(subtree_filter(OrgUnit.path, roots))
                                   .order_by(OrgUnit.id)))


def subtree_filter(column_path, roots: list[OrgUnit]):
    """SQL condition: the org path column lies under any of ``roots``."""
    from sqlalchemy import false, or_

    if not roots:
        return false()
    return or_(*[column_path.startswith(root.path) for root in roots])
