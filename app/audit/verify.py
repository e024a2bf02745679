"""Checking the audit chain: every sealed event against its hash and its predecessor, every batch against its
checkpoint, the checkpoints against each other, and optionally the latest checkpoint an operator exported.

The checkpoints are what reveals deleting the newest events: the latest checkpoint says how far the chain was
sealed, so a chain that ends earlier is reported at the first missing seq. Deleting those events together
with their checkpoints leaves a shorter chain that is consistent in itself; only a checkpoint kept outside the
database reveals that (``haochaping audit verify --checkpoint FILE``, or the checkpoint lines of the log).
With a checkpoint key configured, the latest checkpoint must carry a valid signature, so a chain rewritten
and re-hashed by someone without the key is reported. Unsealed events have no place in the chain yet; they
are counted, not checked.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select

from app.audit import checkpoint, merkle
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.service import GENESIS, compute_hash
from app.db import db

_EVENT_COLUMNS = (AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor, AuditEvent.action,
                  AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.payload, AuditEvent.prev_hash,
                  AuditEvent.hash)
_CHECKPOINT_BATCH = 1000


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None  # seq of the first event that does not verify (or is missing)
    reason: str | None = None
    unsealed: int = 0
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_at is None


class _Broken(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.reason = seq, reason


def verify_chain(*, batch: int = 5000, exported: dict[str, Any] | None = None) -> ChainReport:
    """Walks the whole sealed chain in seq order, in batches, beside its checkpoints; reports the first break.
    ``exported``: a checkpoint read with ``checkpoint.from_json`` that the database must still contain."""
    walk = _Walk(batch)
    try:
        walk.run()
        if exported is not None:
            _compare_with_export(exported, sealed=walk.expected_seq - 1)
        report = ChainReport(checked=walk.checked, checkpoints=walk.checkpoints)
    except _Broken as broken:
        report = ChainReport(walk.checked, broken.seq, broken.reason, checkpoints=walk.checkpoints)
    unsealed = db.session.scalar(select(func.count()).where(AuditEvent.seq.is_(None)))
    return replace(report, unsealed=unsealed or 0)


class _Walk:
    def __init__(self, batch: int) -> None:
        self.batch, self.key = batch, checkpoint.signing_key()
        self.expected_seq, self.prev_hash, self.checked, self.checkpoints = 1, GENESIS, 0, 0
        self.prev_checkpoint: Any = None
        self.current: Any = None
        self.hashes: list[str] = []
        self._pending = self._checkpoint_rows()

    def run(self) -> None:
        self._next_checkpoint()
        for event in self._events():
            self._check_event(event)
        if self.current is not None:
            raise _Broken(self.expected_seq, f"第 {self.expected_seq} 条起的记录缺失：检查点 #{self.current.batch} "
                                             f"表明审计链已封存至第 {self.current.last_seq} 条")
        last = self.prev_checkpoint
        if self.key and last is not None and not checkpoint.signature_ok(last, self.key):
            raise _Broken(last.first_seq, f"最新检查点 #{last.batch} 没有有效签名（已配置检查点密钥）")

    def _events(self):
        last = 0
        while True:
            rows = db.session.execute(select(*_EVENT_COLUMNS).where(AuditEvent.seq > last)
                                      .order_by(AuditEvent.seq).limit(self.batch)).all()
            yield from rows
            if len(rows) < self.batch:
                return
            last = rows[-1].seq

    def _checkpoint_rows(self):
        last = 0
        while True:
            rows = db.session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.batch > last)
                                      .order_by(AuditCheckpoint.batch).limit(_CHECKPOINT_BATCH)
                                      .execution_options(populate_existing=True)).all()  # as stored, not cached
            yield from rows
            if len(rows) < _CHECKPOINT_BATCH:
                return
            last = rows[-1].batch

    def _check_event(self, event) -> None:
        if event.seq != self.expected_seq:
            raise _Broken(event.seq, f"序号不连续：应为 {self.expected_seq}，实为 {event.seq}")
        if self.current is None:
            raise _Broken(event.seq, "已封存的记录不在任何检查点的范围内")
        if event.prev_hash != self.prev_hash:
            raise _Broken(event.seq, "前序哈希与上一条记录不符")
        if compute_hash(event) != event.hash:
            raise _Broken(event.seq, "记录内容与其哈希不符（已被改动）")
        self.hashes.append(event.hash)
        self.prev_hash, self.expected_seq, self.checked = event.hash, self.expected_seq + 1, self.checked + 1
        if event.seq == self.current.last_seq:
            self._close_checkpoint()

    def _close_checkpoint(self) -> None:
        cp = self.current
        if merkle.batch_root(self.hashes) != cp.merkle_root or cp.head_hash != self.prev_hash:
            raise _Broken(cp.first_seq, f"检查点 #{cp.batch}（第 {cp.first_seq}–{cp.last_seq} 条）的默克尔根或链头"
                                        "与记录不符")
        self.hashes, self.prev_checkpoint, self.checkpoints = [], cp, self.checkpoints + 1
        self._next_checkpoint()

    def _next_checkpoint(self) -> None:
        cp = self.current = next(self._pending, None)
        if cp is None:
            return
        prev = self.prev_checkpoint
        where = f"检查点 #{cp.batch}（第 {cp.first_seq}–{cp.last_seq} 条）"
        if cp.batch != (prev.batch + 1 if prev else 1) or cp.first_seq != self.expected_seq \
                or cp.tree_size != cp.last_seq - cp.first_seq + 1:
            raise _Broken(self.expected_seq, f"{where}与上一个检查点不衔接")
        if cp.prev_checkpoint_hash != (prev.hash if prev else GENESIS) \
                or checkpoint.compute_hash(checkpoint.as_values(cp)) != cp.hash:
            raise _Broken(cp.first_seq, f"{where}的内容与其哈希不符（已被改动）")
        if self.key and cp.signature is not None and not checkpoint.signature_ok(cp, self.key):
            raise _Broken(cp.first_seq, f"{where}的签名无效")


def _compare_with_export(exported: dict[str, Any], *, sealed: int) -> None:
    name = f"导出的检查点 #{exported['batch']}"
    if sealed < exported["last_seq"]:
        raise _Broken(sealed + 1, f"数据库中的审计记录少于{name}：该检查点封存至第 {exported['last_seq']} 条，"
                                  f"数据库只有 {sealed} 条已封存记录")
    head = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == exported["last_seq"]))
    stored = db.session.get(AuditCheckpoint, exported["batch"], populate_existing=True)
    if head != exported["head_hash"] or stored is None or stored.hash != exported["hash"]:
        raise _Broken(exported["last_seq"], f"数据库与{name}不符：第 {exported['last_seq']} 条处的链头或检查点不同")
