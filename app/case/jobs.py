"""The timer job: fire due timers of every case, one case per transaction.

Safe to run in several scheduler processes at once: each case is locked and its due timers are
re-read under the lock, so a timer fires exactly once; after downtime it simply finds more due.
"""
from __future__ import annotations

import logging

from app.case import lifecycle
from app.db import db

log = logging.getLogger(__name__)


def fire_due_timers(batch: int = 500) -> int:
    fired = 0
    seen: set[int] = set()
    while True:
        case_ids = [i for i in lifecycle.due_case_ids(limit=batch) if i not in seen]
        db.session.rollback()  # end the read; each case gets its own transaction
        if not case_ids:
            return fired
        for case_id in case_ids:
            seen.add(case_id)
            try:
                fired += lifecycle.fire_timers(case_id)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("timers of case %s failed; they stay due and are retried next run", case_id)
