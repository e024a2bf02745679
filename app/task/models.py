from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, String, UniqueConstraint, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.case.models import BadReviewCase
from app.db import Base, UTCDateTime
from app.org.models import OrgUnit
from app.user.models import User


class TaskState(enum.StrEnum):
    open = "open"
    completed = "completed"
    cancelled = "cancelled"  # by a timer, a terminate end or another path


class CaseTask(Base):
    """A human task of a case's process, mirrored from the engine after every step.

    Rows stay after the task closes, so the inbox, the history and the statistics read one table.
    """

    __tablename__ = "case_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("bad_review_case.id", ondelete="CASCADE"))
    task_uuid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str] = mapped_column(String(64))
    # ",handler,dept_lead,": the roles that may work the task, delimited so SQL can filter with LIKE.
    roles_text: Mapped[str] = mapped_column("roles", String(255))
    form: Mapped[str] = mapped_column(String(128))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    org_path: Mapped[str] = mapped_column(String(512))
    state: Mapped[TaskState] = mapped_column(
        Enum(TaskState, name="case_task_state", native_enum=False, length=16), default=TaskState.open)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    case: Mapped[BadReviewCase] = relationship()

    @property
    def roles(self) -> list[str]:
        return [r for r in self.roles_text.split(",") if r]

    @roles.setter
    def roles(self, value: list[str]) -> None:
        self.roles_text = "," + ",".join(value) + ","

    @classmethod
    def role_filter(cls, roles):
        return or_(*[cls.roles_text.contains(f",{r},") for r in roles])
    org_unit: Mapped[OrgUnit] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    __table_args__ = (
        UniqueConstraint("case_id", "task_uuid", name="uq_case_task_uuid"),
        # The inbox and the supervision queues: scope by unit id, then task and roles, ordered by due time;
        # it covers their count and their page so neither reads the table (see app.task.service.workable).
        Index("ix_case_task_inbox", "state", "org_unit_id", "bpmn_id", "roles", "due_at", "id"),
        Index("ix_case_task_case_id", "case_id"),
    )
