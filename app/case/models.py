from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.evaluation.models import Evaluation
from app.org.models import OrgUnit


class CaseStatus(enum.StrEnum):
    open = "open"  # 处理中
    not_adopted = "not_adopted"  # 不予采纳
    closed = "closed"  # 已销号


STATUS_LABELS = {CaseStatus.open: "处理中", CaseStatus.not_adopted: "不予采纳", CaseStatus.closed: "已销号"}


class BadReviewCase(Base):
    __tablename__ = "bad_review_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="RESTRICT"), unique=True)
    # "谁办理、谁负责": the unit that handled the service case answers for the bad review.
    responsible_org_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    org_path: Mapped[str] = mapped_column(String(512))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[CaseStatus] = mapped_column(
        Enum(CaseStatus, name="case_status", native_enum=False, length=16), default=CaseStatus.open)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The lifecycle: the model version the case started on and the engine state (without the spec).
    process_model_id: Mapped[int | None] = mapped_column(ForeignKey("process_model.id", ondelete="RESTRICT"))
    state_json: Mapped[str | None] = mapped_column(Text)
    serializer_version: Mapped[str | None] = mapped_column(String(16))
    # Derived from the state after every step, for lists and filters.
    stage: Mapped[str | None] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # Deadline calculations that fell into a year without official calendar data, kept so they can be
    # recomputed when that year's arrangement is loaded.
    provisional_calculations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Bumped by every command: the UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite).
    lock_version: Mapped[int] = mapped_column(Integer, default=0)

    evaluation: Mapped[Evaluation] = relationship(backref=backref("bad_review_case", uselist=False))
    responsible_org: Mapped[OrgUnit] = relationship()

    __table_args__ = (Index("ix_bad_review_case_org_path_status", "org_path", "status",
                            postgresql_ops={"org_path": "varchar_pattern_ops"}),)


class CaseTimer(Base):
    """A timer the case's process waits on, indexed by due time so the scheduler loads only due cases.
    Rebuilt from the engine state after every step."""

    __tablename__ = "case_timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("bad_review_case.id", ondelete="CASCADE"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
