"""The sequencer: gives queued audit events their place in the hash chain, one batch per checkpoint.

Modelled on the verifiable logs of Certificate Transparency / Trillian: writers only queue entries (events
inserted with an empty ``seq``); one sequencer at a time, holding a lock nothing else takes (a PostgreSQL
advisory transaction lock; on SQLite the database's single write lock, taken by ``BEGIN IMMEDIATE``), reads the
committed unsealed events in id order, gives them consecutive ``seq`` numbers after the chain head, chains
their hashes with the unchanged event hash formula, builds the RFC 6962 Merkle tree over the batch, and writes
the seals and the batch's checkpoint in one transaction. A second sequencer waits for the lock and then
continues from the new head, so the chain cannot fork (the unique ``seq``, ``hash`` and checkpoint ``last_seq``
would refuse it in any case).

Seq is therefore assigned in sealing order, and every sealed seq is visible before a later one: readers that
follow the chain by seq (the statistics watermark) stay correct.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, String, Table, bindparam, column, select, text, update, values

from app.audit import checkpoint, merkle
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.service import GENESIS, compute_hash
from app.clock import now
from app.db import db

log = logging.getLogger(__name__)

_LOCK_KEY = 0x48435053  # "HCPS": the sequencer's own advisory lock; writers never take it
_CONTENT = (AuditEvent.id, AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action, AuditEvent.subject_type,
            AuditEvent.subject_id, AuditEvent.payload)


def seal_pending(batch: int = 5000) -> AuditCheckpoint | None:
    """Seals up to ``batch`` committed unsealed events and writes their checkpoint (flushed, not committed:
    the caller commits). Returns the checkpoint, or None when nothing was waiting."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    rows = session.execute(select(*_CONTENT).where(AuditEvent.seq.is_(None))
                           .order_by(AuditEvent.id).limit(batch)).all()
    if not rows:
        return None
    head = checkpoint.latest()
    seq, prev = (head.last_seq, head.head_hash) if head else (0, GENESIS)
    seals = []
    for row in rows:
        seq += 1
        sealed = SimpleNamespace(**row._asdict(), seq=seq, prev_hash=prev)
        prev = compute_hash(sealed)
        seals.append({"b_id": row.id, "b_seq": seq, "b_prev_hash": sealed.prev_hash, "b_hash": prev})
    _write_seals(seals)
    made = _checkpoint(head, seals)
    _expire_sealed_events()
    log.info(checkpoint.log_line(made))
    return made


def _write_seals(seals: list[dict]) -> None:
    """One statement per batch: UPDATE … FROM (VALUES …) on PostgreSQL, an executemany on SQLite."""
    table: Table = AuditEvent.__table__  # type: ignore[assignment]  # a mapped class's Table
    if db.session.get_bind().dialect.name == "postgresql":
        rows = values(column("id", BigInteger), column("seq", BigInteger), column("prev_hash", String),
                      column("hash", String), name="sealed").data(
            [(s["b_id"], s["b_seq"], s["b_prev_hash"], s["b_hash"]) for s in seals])
        statement = update(table).where(table.c.id == rows.c.id, table.c.seq.is_(None)).values(
            seq=rows.c.seq, prev_hash=rows.c.prev_hash, hash=rows.c.hash)
        done = cast(CursorResult[Any], db.session.execute(statement))
        if done.rowcount != len(seals):
            raise RuntimeError("audit events were sealed by someone else while this sequencer held the lock")
        return
    db.session.execute(update(table).where(table.c.id == bindparam("b_id"), table.c.seq.is_(None)).values(
        seq=bindparam("b_seq"), prev_hash=bindparam("b_prev_hash"), hash=bindparam("b_hash")), seals)


def _checkpoint(head: AuditCheckpoint | None, seals: list[dict]) -> AuditCheckpoint:
    fields = {
        "batch": (head.batch + 1) if head else 1, "first_seq": seals[0]["b_seq"], "last_seq": seals[-1]["b_seq"],
        "tree_size": len(seals), "merkle_root": merkle.batch_root([s["b_hash"] for s in seals]),
        "head_hash": seals[-1]["b_hash"], "prev_checkpoint_hash": head.hash if head else GENESIS,
        "sealed_at": now(),
    }
    fields["hash"] = checkpoint.compute_hash(fields)
    key = checkpoint.signing_key()
    made = AuditCheckpoint(**fields, signature=checkpoint.sign(fields["hash"], key) if key else None)
    db.session.add(made)
    db.session.flush()
    return made


def _expire_sealed_events() -> None:
    """Events loaded in this session before sealing show their seq and hash when next read."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AuditEvent) and obj.seq is None:
            db.session.expire(obj)
