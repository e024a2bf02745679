"""Creating and looking up org units."""
from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.org.models import OrgLevel, OrgUnit


def get_by_code(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFoundError(f"机构 {code} 不存在", field="org_code")
    return unit


def find_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def create(*, code: str, name: str, level: OrgLevel | str, parent: OrgUnit | None = None,
           supervises: OrgUnit | None = None) -> OrgUnit:
    if find_by_code(code) is not None:
        raise ValidationError("机构编码已存在", fields={"code": ["机构编码已存在"]}, status=409)
    unit = OrgUnit(code=code, name=name, level=OrgLevel(level), parent=parent, supervises=supervises)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    return unit


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


def subtree_filter(column_path, roots: list[OrgUnit]):
    """SQL condition: the org path column lies under any of ``roots``."""
    from sqlalchemy import false, or_

    if not roots:
        return false()
    return or_(*[column_path.startswith(root.path) for root in roots])
