from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class ModelStatus(enum.StrEnum):
    draft = "draft"
    deployed = "deployed"
    retired = "retired"


class ProcessModel(Base):
    """One version of a BPMN process with its form schemas.

    Only validated models are stored; ``draft`` versions wait to be deployed, ``deployed`` is the one
    new cases start on (one per process), ``retired`` versions only serve the cases already on them.
    ``spec_json`` is the serialized engine spec, stored once per version: case states leave it out
    and are joined with it when loaded, so a running case always continues on its own version.
    """

    __tablename__ = "process_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    spec_json: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    status: Mapped[ModelStatus] = mapped_column(
        Enum(ModelStatus, name="model_status", native_enum=False, length=16), default=ModelStatus.draft)
    source: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))
    deployed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The JSON test cases the version was validated with ({"cases": [...]}, as in bpmn/<model>.test.json).
    test_cases: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The last validation: {"ok", "problems", "tests_run", "checked_at"}.
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # What changed against the previous version: tasks added/removed/changed, limits changed.
    diff_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("process_id", "version", name="uq_process_model_version"),)


class ImpactPreview(Base):
    """One run of the impact preview of a draft: real cases of the last months replayed under its parameters.

    Written by a background run with its own session (``app.process_model.impact``); the page polls
    ``done``/``total`` for its progress bar. Reads cases, never changes them.
    """

    __tablename__ = "impact_preview"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id", ondelete="CASCADE"), index=True)
    against_model_id: Mapped[int | None] = mapped_column(ForeignKey("process_model.id", ondelete="SET NULL"))
    months: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(128))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
