"""The sequencer as a job: seals every waiting audit event, one committed batch (and checkpoint) at a time.

Runs every ``AUDIT_SEAL_INTERVAL_SECONDS`` from the job table (``app.jobs``) and at the end of every
command that recorded audit events (``app.cli``).
"""
from __future__ import annotations

from flask import current_app

from app.audit.sequencer import seal_pending
from app.db import db

MAX_BATCHES_PER_RUN = 100  # a run ends after this many batches; the next run continues


def seal_pending_events() -> int:
    """Seals everything waiting, committing after each batch; returns the number of events sealed."""
    batch = current_app.config["AUDIT_SEAL_BATCH"]
    sealed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        made = seal_pending(batch)
        db.session.commit()
        if made is None:
            break
        sealed += made.tree_size
        if made.tree_size < batch:
            break
    return sealed
