"""Checkpoints of the audit chain: their canonical hash, their HMAC signature, and the JSON an operator keeps.

A checkpoint's hash is SHA-256 over the canonical JSON of its batch number, seq range, size, Merkle root,
chain head, the previous checkpoint's hash and the sealing time; so the latest checkpoint pins every earlier
one and, through the head hashes, every sealed event. When ``AUDIT_CHECKPOINT_KEY`` is set, each new checkpoint
also carries HMAC-SHA256(key, hash): someone who can write the database but does not hold the key cannot
rewrite history and re-sign it. A copy of the latest checkpoint kept outside the database (``haochaping audit
checkpoint --export FILE`` or the INFO log line written at every seal) also reveals deleting the newest events
together with their checkpoints.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.audit.models import AuditCheckpoint
from app.db import db

GENESIS = "0" * 64
FIELDS = ("batch", "first_seq", "last_seq", "tree_size", "merkle_root", "head_hash", "prev_checkpoint_hash")


class CheckpointFileError(ValueError):
    """An exported checkpoint file that cannot be read."""


def canonical(values: dict[str, Any]) -> bytes:
    body = {name: values[name] for name in FIELDS}
    body["sealed_at"] = values["sealed_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(values: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def signing_key() -> bytes | None:
    key = current_app.config.get("AUDIT_CHECKPOINT_KEY") or ""
    return key.encode() if key else None


def sign(checkpoint_hash: str, key: bytes) -> str:
    return hmac.new(key, checkpoint_hash.encode(), hashlib.sha256).hexdigest()


def signature_ok(checkpoint: AuditCheckpoint, key: bytes) -> bool:
    return checkpoint.signature is not None and hmac.compare_digest(checkpoint.signature,
                                                                    sign(checkpoint.hash, key))


def as_values(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {name: getattr(checkpoint, name) for name in (*FIELDS, "sealed_at", "hash", "signature")}


def latest() -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.batch.desc()).limit(1))


def to_json(checkpoint: AuditCheckpoint) -> str:
    values = as_values(checkpoint)
    values["sealed_at"] = checkpoint.sealed_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def from_json(text: str) -> dict[str, Any]:
    """An exported checkpoint, checked to be complete and to match its own hash."""
    try:
        values = json.loads(text)
        for name in FIELDS[:4]:
            values[name] = int(values[name])
        for name in (*FIELDS[4:], "hash"):
            if not isinstance(values[name], str) or len(values[name]) != 64:
                raise ValueError(name)
        values["sealed_at"] = datetime.fromisoformat(values["sealed_at"])
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointFileError(f"不是有效的审计检查点文件（{err}）") from None
    if values["sealed_at"].tzinfo is None or compute_hash(values) != values["hash"]:
        raise CheckpointFileError("检查点文件的内容与其哈希不符（文件已损坏或被改动）")
    return values


def log_line(checkpoint: AuditCheckpoint) -> str:
    """The one line an operator keeps: enough to compare with ``audit verify --checkpoint``."""
    return f"audit checkpoint {to_json(checkpoint)}"
