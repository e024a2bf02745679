from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.service_case.models import ServiceCase

LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_LEVELS = frozenset({1, 2})


class EvaluationChannel(enum.StrEnum):
    window_device = "window_device"  # 窗口评价器
    qr_code = "qr_code"  # 二维码
    web = "web"  # 网上办事大厅
    app = "app"  # 移动端 / 小程序
    self_service_terminal = "self_service_terminal"  # 自助终端
    hotline = "hotline"  # 热线
    sms = "sms"  # 短信
    paper_form = "paper_form"  # 纸质评价表


class EvaluationSource(enum.StrEnum):
    active = "active"  # 主动评价
    default = "default"  # 逾期未评，系统默认


class Evaluation(Base):
    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One service case, one evaluation: the unique constraint is the last word under concurrency.
    service_case_id: Mapped[int] = mapped_column(
        ForeignKey("service_case.id", ondelete="RESTRICT"), unique=True)
    # Denormalised from the service case so scoped listings need no join.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    org_path: Mapped[str] = mapped_column(String(512))
    level: Mapped[int] = mapped_column(SmallInteger)
    channel: Mapped[EvaluationChannel] = mapped_column(
        Enum(EvaluationChannel, name="evaluation_channel", native_enum=False, length=32))
    real_name: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[EvaluationSource] = mapped_column(
        Enum(EvaluationSource, name="evaluation_source", native_enum=False, length=16),
        default=EvaluationSource.active)
    adopted: Mapped[bool] = mapped_column(Boolean, default=True)
    adoption_reason: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    service_case: Mapped[ServiceCase] = relationship()

    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_evaluation_org_path_evaluated_at", "org_path", "evaluated_at",
              postgresql_ops={"org_path": "varchar_pattern_ops"}),
        Index("ix_evaluation_evaluated_at", "evaluated_at"),
    )

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]
