"""Writing and checking the audit chain.

Each event's hash is SHA-256 over its canonical JSON (seq, time, actor, action, subject, payload)
and the previous event's hash. Writers serialise on a PostgreSQL advisory lock; the unique ``seq``
makes any race that slips through fail instead of forking the chain.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text

from app.audit.models import AuditEvent
from app.clock import now
from app.db import db

GENESIS = "0" * 64
_LOCK_KEY = 0x48435041  # "HCPA"


_HASHED = ("seq", "occurred_at", "actor", "action", "subject_type", "subject_id", "payload", "prev_hash")


def _canonical(event: AuditEvent) -> bytes:
    return _canonical_fields({name: getattr(event, name) for name in _HASHED})


def _canonical_fields(fields: dict[str, Any]) -> bytes:
    body = {name: fields[name] for name in _HASHED}
    body["occurred_at"] = body["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(*, actor: str, action: str, subject_type: str, subject_id: Any,
           payload: dict[str, Any] | None = None, at: datetime | None = None) -> AuditEvent:
    """Appends an event in the caller's transaction (flushed, not committed)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    moment = (at or now()).astimezone(UTC)
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=moment,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=json.loads(json.dumps(payload or {}, ensure_ascii=False, default=str)),
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = compute_hash(event)
    session.add(event)
    session.flush()
    return event


def record_many(events: list[dict[str, Any]]) -> None:
    """Appends many events (dicts with actor, action, subject_type, subject_id, payload, optional at) in the
    caller's transaction with one INSERT round trip; they are chained in list order."""
    if not events:
        return
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = ((last.seq, last.hash) if last else (0, GENESIS))
    moment = now()
    rows = []
    for item in events:
        seq += 1
        row = {"seq": seq, "occurred_at": (item.get("at") or moment).astimezone(UTC), "actor": item["actor"],
               "action": item["action"], "subject_type": item["subject_type"], "subject_id": str(item["subject_id"]),
               "payload": json.loads(json.dumps(item.get("payload") or {}, ensure_ascii=False, default=str)),
               "prev_hash": prev}
        prev = row["hash"] = hashlib.sha256(_canonical_fields(row)).hexdigest()
        rows.append(row)
    session.execute(insert(AuditEvent.__table__), rows)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None  # seq of the first event that does not verify
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(*, batch: int = 5000) -> ChainReport:
    """Walks the whole chain in order, in batches, and reports the first broken link."""
    expected_prev, expected_seq, checked, last_seq = GENESIS, 1, 0, 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)).all()
        if not rows:
            return ChainReport(checked=checked)
        for event in rows:
            if event.seq != expected_seq:
                return ChainReport(checked, event.seq, f"序号不连续：应为 {expected_seq}，实为 {event.seq}")
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.seq, "前序哈希与上一条记录不符")
            if compute_hash(event) != event.hash:
                return ChainReport(checked, event.seq, "记录内容与其哈希不符（已被改动）")
            expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
            last_seq = event.seq
