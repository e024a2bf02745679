"""Tables of the outreach package; every row is written together with its audit event."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime
from app.evaluation.models import Evaluation
from app.notification.models import Notification


class EvaluationReminder(Base):
    """The one reminder a service case gets; the unique key makes "once" hold under concurrency."""

    __tablename__ = "evaluation_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id", ondelete="CASCADE"), unique=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    window_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    notification: Mapped[Notification] = relationship()


class EvaluationOrigin(Base):
    """Where an evaluation came from (device id, client address), kept for fraud signals only."""

    __tablename__ = "evaluation_origin"

    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[str | None] = mapped_column(String(128), index=True)
    client_address: Mapped[str | None] = mapped_column(String(64), index=True)


class FraudSignal(Base):
    """A pattern worth a look by the supervision office. Signals never change any evaluation."""

    __tablename__ = "fraud_signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(128))
    subject_label: Mapped[str] = mapped_column(String(255))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id", ondelete="SET NULL"))
    org_path: Mapped[str] = mapped_column(String(512))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer)
    evaluation_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | confirmed | dismissed
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("kind", "subject_key", "window_start", name="uq_fraud_signal_window"),
                      Index("ix_fraud_signal_status_org_path", "status", "org_path"))


class PointsEntry(Base):
    """One line of an evaluator's points ledger (积分); the evaluator is known by a keyed phone hash."""

    __tablename__ = "points_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluator_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # participation | suggestion_adopted
    reference: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("evaluator_key", "kind", "reference", name="uq_points_entry_reference"),)


class ReturnVisitDraw(Base):
    """A month's random return-visit sample for one supervision office; the seed makes it reproducible."""

    __tablename__ = "return_visit_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    root_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    month: Mapped[str] = mapped_column(String(7))
    seed: Mapped[int] = mapped_column(BigInteger)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (UniqueConstraint("office_id", "root_id", "month", name="uq_return_visit_draw_month"),)


class ReturnVisitSample(Base):
    """One sampled evaluation: a return-visit task for the supervision office."""

    __tablename__ = "return_visit_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("return_visit_draw.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="RESTRICT"))
    stratum: Mapped[str] = mapped_column(String(16))  # rectification | level_1..level_5 | random
    case_id: Mapped[int | None] = mapped_column(ForeignKey("bad_review_case.id", ondelete="SET NULL"))
    office_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="RESTRICT"))
    office_path: Mapped[str] = mapped_column(String(512))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | completed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(128))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    evaluation: Mapped[Evaluation] = relationship()
    draw: Mapped[ReturnVisitDraw] = relationship()

    __table_args__ = (UniqueConstraint("draw_id", "evaluation_id", name="uq_return_visit_sample_evaluation"),
                      Index("ix_return_visit_sample_state_office_path", "state", "office_path"))
