"""Append-only, hash-chained audit trail of every state change."""
from app.audit.service import record, record_many, verify_chain  # noqa: F401
