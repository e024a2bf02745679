"""Append-only, hash-chained audit trail of every state change: writers queue events without locks, the
sequencer seals them into the chain in batches with checkpoints, and verification compares the two."""
from app.audit.service import record, record_many  # noqa: F401
from app.audit.verify import ChainReport, verify_chain  # noqa: F401
