from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.evaluation.models import Evaluation
from app.org.models import OrgUnit


class CaseStatus(enum.StrEnum):
    open = "open"  # 待签收 / 处理中
    not_adopted = "not_adopted"  # 不予采纳
    closed = "closed"  # 已销号


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

    evaluation: Mapped[Evaluation] = relationship(backref=backref("bad_review_case", uselist=False))
    responsible_org: Mapped[OrgUnit] = relationship()

    __table_args__ = (Index("ix_bad_review_case_org_path_status", "org_path", "status",
                            postgresql_ops={"org_path": "varchar_pattern_ops"}),)
