"""Writing audit events, and the sealing state an operator watches.

Writers append without any lock and without reading other rows: an event is inserted with ``seq``,
``prev_hash`` and ``hash`` empty, in the caller's transaction, so request transactions never queue behind
each other for the audit trail. Chain positions and hashes are assigned afterwards by the sequencer
(``app.audit.sequencer``). Each event's hash is SHA-256 over its canonical JSON (seq, time, actor, action,
subject, payload, previous hash): the formula of the chain written before sealing existed, so those events
verify unchanged.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import g
from sqlalchemy import func, insert, select

from app.audit import checkpoint
from app.audit.models import AuditCheckpoint, AuditEvent
from app.clock import now
from app.db import db

GENESIS = checkpoint.GENESIS


def canonical(values: Any) -> bytes:
    """``values``: an AuditEvent or a row with the same attribute names."""
    body = {
        "seq": values.seq,
        "occurred_at": values.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": values.actor,
        "action": values.action,
        "subject_type": values.subject_type,
        "subject_id": values.subject_id,
        "payload": values.payload,
        "prev_hash": values.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(values: Any) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def _row(actor: str, action: str, subject_type: str, subject_id: Any, payload: dict[str, Any] | None,
         at: datetime | None) -> dict[str, Any]:
    moment = now()
    return {"occurred_at": (at or moment).astimezone(UTC), "recorded_at": moment, "actor": actor, "action": action,
            "subject_type": subject_type, "subject_id": str(subject_id),
            "payload": json.loads(json.dumps(payload or {}, ensure_ascii=False, default=str))}


def record(*, actor: str, action: str, subject_type: str, subject_id: Any,
           payload: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEvent:
    """Appends an event in the caller's transaction (flushed, not committed; sealed later)."""
    event = AuditEvent(**_row(actor, action, subject_type, subject_id, payload, at))
    db.session.add(event)
    db.session.flush()
    g.audit_recorded = True
    return event


def record_many(events: list[dict[str, Any]]) -> None:
    """Appends many events (dicts with actor, action, subject_type, subject_id, payload, optional at) in the
    caller's transaction with one INSERT round trip; they are sealed in list order."""
    if not events:
        return
    rows = [_row(e["actor"], e["action"], e["subject_type"], e["subject_id"], e.get("payload"), e.get("at"))
            for e in events]
    db.session.execute(insert(AuditEvent.__table__), rows)  # a plain executemany, no ORM bookkeeping
    g.audit_recorded = True


@dataclass(frozen=True)
class SealingState:
    unsealed: int
    oldest_unsealed_at: datetime | None
    latest: AuditCheckpoint | None

    def oldest_age_seconds(self, at: datetime) -> float | None:
        return (at - self.oldest_unsealed_at).total_seconds() if self.oldest_unsealed_at else None


def sealing_state() -> SealingState:
    """How many events wait for the sequencer, since when, and the latest checkpoint."""
    count, oldest_id = db.session.execute(
        select(func.count(), func.min(AuditEvent.id)).where(AuditEvent.seq.is_(None))).one()
    oldest = db.session.scalar(select(AuditEvent.recorded_at).where(AuditEvent.id == oldest_id)) \
        if oldest_id is not None else None
    return SealingState(unsealed=count, oldest_unsealed_at=oldest, latest=checkpoint.latest())
