"""The notification outbox's job, for the jobs table in app/jobs.py: the edge that owns its transactions."""
from __future__ import annotations

import logging

from app.db import db
from app.notification import outbox
from app.notification.senders import configured

log = logging.getLogger(__name__)


def deliver_notifications(batch: int = 100) -> dict[str, int]:
    """Sweep, enqueue, then claim → commit → send → commit, one delivery at a time ("never twice")."""
    swept = outbox.sweep_interrupted()
    queued = outbox.enqueue_pending()
    db.session.commit()
    outcome = {"swept": swept, "queued": queued, "sent": 0, "retry": 0, "failed": 0}
    sender = configured()
    for delivery_id in outbox.due_ids(batch):
        if not outbox.claim(delivery_id):
            db.session.rollback()
            continue
        db.session.commit()
        try:
            state = outbox.deliver(delivery_id, sender)
            db.session.commit()
            outcome[state] += 1
        except Exception:
            db.session.rollback()
            log.exception("recording the outcome of delivery %s failed; the lease sweep will close it", delivery_id)
    return outcome
