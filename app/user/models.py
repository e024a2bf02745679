from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import Boolean, Column, Enum, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.org.models import OrgUnit


class Role(enum.StrEnum):
    handler = "handler"  # 承办人
    dept_lead = "dept_lead"  # 部门负责人
    supervisor = "supervisor"  # 监督科室人员
    supervisor_lead = "supervisor_lead"  # 监督科室负责人
    policy_admin = "policy_admin"  # 流程与政策管理
    auditor = "auditor"  # 审计
    sysadmin = "sysadmin"  # 系统管理
    integration = "integration"  # 对接系统（评价器、一网通办平台等）


class AccountKind(enum.StrEnum):
    person = "person"
    client = "client"  # an integration client: a system, not a person


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[AccountKind] = mapped_column(
        Enum(AccountKind, name="account_kind", native_enum=False, length=16), default=AccountKind.person)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Sign-in protection: consecutive failures lock the account for a while.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org_unit: Mapped[OrgUnit] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and self.kind == AccountKind.person

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session's key: the id and a stamp of the password hash, so that a new password (a reset after a
        suspected leak) ends every session signed in with the old one."""
        return f"{self.id}.{self.session_stamp}"

    @property
    def session_stamp(self) -> str:
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=32), primary_key=True)


api_token_org_unit = Table(
    "api_token_org_unit",
    Base.metadata,
    Column("token_id", Integer, ForeignKey("api_token.id", ondelete="CASCADE"), primary_key=True),
    Column("org_unit_id", Integer, ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(Base):
    """A bearer token. Only a SHA-256 of its secret is kept; the token is shown once at creation.

    When ``org_units`` is not empty the token is limited to those subtrees (an integration client
    registered for some halls), on top of its user's own scope.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    org_units: Mapped[list[OrgUnit]] = relationship(secondary=api_token_org_unit, lazy="selectin")
