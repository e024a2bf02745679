"""The audit tables: ``audit_event`` (every state change) and ``audit_checkpoint`` (one row per sealed batch).

Writers insert events with ``seq``, ``prev_hash`` and ``hash`` empty; the sequencer (``app.audit.sequencer``)
fills them once, in sealing order, and writes the batch's checkpoint in the same transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

JSONType = JSON().with_variant(JSONB(), "postgresql")
_UNSEALED = text("seq IS NULL")


class AuditEvent(Base):
    """One state change. ``seq`` is gap-free and unique once sealed, so a forked or spliced chain cannot be
    written; ``hash`` covers this event's fields and the previous event's hash. Unsealed: all three NULL."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the row was written (not hashed; ``occurred_at`` may be a replayed or imported time): how long an
    # event has waited for sealing. Empty for events written before sealing existed.
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_audit_event_subject", "subject_type", "subject_id", "seq"),
        # The sequencer's queue: only the few unsealed rows are in this index.
        Index("ix_audit_event_unsealed", "id", postgresql_where=_UNSEALED, sqlite_where=_UNSEALED),
    )

    @property
    def sealed(self) -> bool:
        return self.seq is not None


class AuditCheckpoint(Base):
    """One sealed batch: events ``first_seq``..``last_seq``, the RFC 6962 Merkle root of their hashes, the
    chain's head hash, and this checkpoint's own hash over all of it and the previous checkpoint's hash
    (``signature``: HMAC-SHA256 of ``hash`` when a checkpoint key is configured)."""

    __tablename__ = "audit_checkpoint"

    batch: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                       autoincrement=False)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    tree_size: Mapped[int] = mapped_column(BigInteger)  # events in the batch
    merkle_root: Mapped[str] = mapped_column(String(64))
    head_hash: Mapped[str] = mapped_column(String(64))
    prev_checkpoint_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str | None] = mapped_column(String(64))
