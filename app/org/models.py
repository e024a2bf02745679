from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class OrgLevel(enum.StrEnum):
    province = "province"
    city = "city"
    county = "county"
    town = "town"  # 乡镇 / 街道
    village = "village"  # 村 / 社区
    department = "department"
    service_hall = "service_hall"
    window = "window"


class OrgUnit(Base):
    """A node of the organisation tree.

    ``path`` is the materialised chain of ids ("/1/4/9/"), so "everything in my subtree" is one
    indexed prefix comparison. ``supervises_id`` marks a supervision office (监督部门) and names the
    root of the subtree it supervises.
    """

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[OrgLevel] = mapped_column(Enum(OrgLevel, name="org_level", native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(String(512), default="")
    supervises_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    supervises: Mapped[OrgUnit | None] = relationship(remote_side=[id], foreign_keys=[supervises_id])

    __table_args__ = (Index("ix_org_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    def is_within(self, other: OrgUnit) -> bool:
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.name}>"
