"""Who is calling, and what part of the organisation tree they may see.

A user sees their own org unit's subtree; a supervision office also sees the subtree it
supervises. A token registered for some org units narrows that further to those subtrees.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from app.org.models import OrgUnit
from app.org.service import subtree_ids
from app.privacy import CONTACT_ROLES
from app.user.models import ApiToken, Role, User


@dataclass(frozen=True)
class Principal:
    user: User
    roles: frozenset[Role]
    scope_roots: tuple[OrgUnit, ...]
    token: ApiToken | None = None

    @classmethod
    def for_user(cls, user: User, token: ApiToken | None = None) -> Principal:
        roots = [user.org_unit]
        if user.org_unit.supervises is not None:
            roots.append(user.org_unit.supervises)
        if token is not None and token.org_units:
            roots = [u for u in token.org_units if any(u.is_within(r) for r in roots)]
        return cls(user=user, roles=user.roles, scope_roots=tuple(_outermost(roots)), token=token)

    @property
    def label(self) -> str:
        return f"user:{self.user.username}"

    def has_any(self, *roles: Role | str) -> bool:
        return any(Role(r) in self.roles for r in roles)

    @cached_property
    def scope_unit_ids(self) -> tuple[int, ...]:
        """Ids of every unit the caller may see, read once per principal (that is, once per request)."""
        return tuple(subtree_ids(list(self.scope_roots)))

    def can_see(self, unit: OrgUnit) -> bool:
        return any(unit.is_within(root) for root in self.scope_roots)

    @property
    def sees_contact_data(self) -> bool:
        return any(r in CONTACT_ROLES for r in self.roles)


def _outermost(units: list[OrgUnit]) -> list[OrgUnit]:
    """Drops units that lie inside another unit of the list."""
    unique = {u.id: u for u in units}.values()
    return [u for u in unique if not any(o is not u and u.is_within(o) for o in unique)]
