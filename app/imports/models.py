"""The record of each file load: how far it got (so an interrupted load resumes), its counts and the
rows it rejected (so the error report covers the whole file however many runs it took)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class ImportKind(enum.StrEnum):
    service_cases = "service_cases"  # 办件
    evaluations = "evaluations"  # 评价


class ImportStatus(enum.StrEnum):
    running = "running"  # started, or interrupted: the next load of the same file continues it
    finished = "finished"


class ImportRun(Base):
    """One load of one file. ``last_row`` is the file row number of the last row whose chunk was committed."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(Enum(ImportKind, name="import_kind", native_enum=False, length=16))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128))
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, name="import_status", native_enum=False, length=16))
    last_row: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_present: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_import_run_file_sha256_kind_status", "file_sha256", "kind", "status"),)


class ImportRowError(Base):
    """One reason one row was rejected; ``field`` is the column as the file names it ("" for the whole row)."""

    __tablename__ = "import_row_error"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_import_row_error_run_id_row_no", "run_id", "row_no"),)
